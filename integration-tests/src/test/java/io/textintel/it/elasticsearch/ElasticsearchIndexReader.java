package io.textintel.it.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.FieldValue;
import co.elastic.clients.elasticsearch._types.SortOrder;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.search.Hit;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.flink.connector.testframe.external.ExternalSystemDataReader;

/**
 * Reads back the records the sink wrote to one index, for the connector test suite: each
 * {@link #poll} returns the documents this reader has not returned before, as the suite expects of
 * a reader ("records should not be duplicated across multiple invocations").
 *
 * <p>An index holds one document per {@code _id}, so a record replayed under its deterministic id
 * comes back once; a sink that gave a replayed record a new id would show it twice, and the suite's
 * exactly-once check would fail. Every document is checked to be stored under the id the serializer
 * derives from its value: a document under any other id fails the poll.
 */
final class ElasticsearchIndexReader implements ExternalSystemDataReader<String> {

    /** Documents per search request while paging through the index. */
    private static final int PAGE_SIZE = 1_000;

    /** Pause between two looks at the index while nothing new has arrived. */
    private static final Duration PAUSE = Duration.ofMillis(100);

    private final ElasticsearchClient client;
    private final String index;
    private final Set<String> returnedIds = new HashSet<>();
    private long writtenMoreThanOnce;

    /** A reader of {@code index} through {@code client}, which stays the caller's to close. */
    ElasticsearchIndexReader(ElasticsearchClient client, String index) {
        this.client = client;
        this.index = index;
    }

    /**
     * The documents not returned before; waits up to {@code timeout} for at least one and returns
     * an empty list when none arrives.
     */
    @Override
    public List<String> poll(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<String> fresh = readNewDocuments();
            if (!fresh.isEmpty() || System.nanoTime() >= deadline) {
                return fresh;
            }
            try {
                Thread.sleep(Math.min(PAUSE.toMillis(), Math.max(1, (deadline - System.nanoTime()) / 1_000_000)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return fresh;
            }
        }
    }

    /**
     * How many of the documents returned so far had been written more than once when they were
     * read ({@code _version} above 1): records the sink sent again, each under its own id.
     */
    long documentsWrittenMoreThanOnce() {
        return writtenMoreThanOnce;
    }

    private List<String> readNewDocuments() {
        List<String> fresh = new ArrayList<>();
        try {
            client.indices().refresh(refresh -> refresh.index(index));
            List<FieldValue> after = null;
            while (true) {
                List<FieldValue> searchAfter = after;
                SearchResponse<StoredDocument> page = client.search(search -> {
                    search.index(index)
                            .size(PAGE_SIZE)
                            .version(true)
                            .sort(sort -> sort.field(field -> field
                                    .field(StringDocumentSerializer.ID_FIELD).order(SortOrder.Asc)));
                    if (searchAfter != null) {
                        search.searchAfter(searchAfter);
                    }
                    return search;
                }, StoredDocument.class);
                List<Hit<StoredDocument>> hits = page.hits().hits();
                for (Hit<StoredDocument> hit : hits) {
                    StoredDocument document = checked(hit);
                    if (returnedIds.add(hit.id())) {
                        fresh.add(document.value());
                        if (hit.version() != null && hit.version() > 1) {
                            writtenMoreThanOnce++;
                        }
                    }
                }
                if (hits.size() < PAGE_SIZE) {
                    return fresh;
                }
                after = hits.get(hits.size() - 1).sort();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the documents of index " + index, e);
        }
    }

    private StoredDocument checked(Hit<StoredDocument> hit) {
        StoredDocument document = hit.source();
        if (document == null || document.value() == null) {
            throw new IllegalStateException(String.format(
                    "Document %s in index %s has source %s, expected fields %s and %s.",
                    hit.id(), index, document, StringDocumentSerializer.ID_FIELD, StringDocumentSerializer.VALUE_FIELD));
        }
        String expectedId = StringDocumentSerializer.idOf(document.value());
        if (!expectedId.equals(hit.id()) || !expectedId.equals(document.id())) {
            throw new IllegalStateException(String.format(
                    "Document with value '%s' in index %s is stored under _id %s (source id %s), expected %s.",
                    document.value(), index, hit.id(), document.id(), expectedId));
        }
        return document;
    }

    /** Leaves the client open: it belongs to the external context, which closes it. */
    @Override
    public void close() {
    }

    /** The source of a document the suite's sink wrote. */
    record StoredDocument(String id, String value) {
    }
}
