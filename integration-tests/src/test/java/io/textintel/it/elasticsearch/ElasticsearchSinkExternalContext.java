package io.textintel.it.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.mapping.DynamicMapping;
import io.textintel.connectors.elasticsearch.ElasticsearchConnection;
import io.textintel.connectors.elasticsearch.ElasticsearchSink;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.UUID;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.connector.testframe.external.sink.DataStreamSinkV2ExternalContext;
import org.apache.flink.connector.testframe.external.sink.TestingSinkSettings;

/**
 * The external context of one connector test suite case: a fresh Elasticsearch index, the
 * project's {@link ElasticsearchSink} writing the suite's string records into it, and readers of
 * what it holds. {@link #close()} deletes the index.
 *
 * <p>The same sink serves both semantics the suite runs: it is at least once (each checkpoint
 * waits for every bulk request), and exactly once in effect because the {@code _id} is derived
 * from the record ({@link StringDocumentSerializer}), so a replayed record overwrites itself. It
 * has no transactions and no other mode to switch to.
 */
final class ElasticsearchSinkExternalContext implements DataStreamSinkV2ExternalContext<String> {

    /** Index names start with this, so that a left-over index is recognisable. */
    static final String INDEX_PREFIX = "sink-suite-";

    /** Documents per bulk request: small, so that every case sends several bulk requests. */
    private static final int BULK_MAX_ACTIONS = 50;

    private static final Duration BULK_INTERVAL = Duration.ofMillis(100);

    private final String elasticsearchUrl;
    private final String index;
    private ElasticsearchClient client;
    private boolean indexCreated;

    /** A context whose sink writes to {@code index} (created on first use) on the node at {@code elasticsearchUrl}. */
    ElasticsearchSinkExternalContext(String elasticsearchUrl, String index) {
        this.elasticsearchUrl = elasticsearchUrl;
        this.index = index;
    }

    /** A fresh index name that says which case made it, e.g. {@code sink-suite-test-sink-metrics-1a2b3c4d}. */
    static String indexNameFor(String testName) {
        String readable = testName.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-|-$", "");
        if (readable.length() > 60) {
            readable = readable.substring(0, 60);
        }
        return INDEX_PREFIX + readable + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** The index this context's sink writes to. */
    String index() {
        return index;
    }

    @Override
    public Sink<String> createSink(TestingSinkSettings sinkSettings) {
        createIndex();
        return ElasticsearchSink.<String>builder()
                .setHosts(elasticsearchUrl)
                .setIndex(index)
                .setDocumentSerializer(new StringDocumentSerializer())
                .setBulkFlushMaxActions(BULK_MAX_ACTIONS)
                .setBulkFlushInterval(BULK_INTERVAL)
                .build();
    }

    @Override
    public ElasticsearchIndexReader createSinkDataReader(TestingSinkSettings sinkSettings) {
        createIndex();
        return new ElasticsearchIndexReader(client(), index);
    }

    /**
     * Between 200 and 399 distinct records (the suite compares them as a multiset, so they must be
     * distinct), each a sequence number and 1 to 80 characters drawn from printable ASCII, JSON's
     * special characters, control characters, accented letters, CJK and emoji, so the round trip
     * through JSON and Elasticsearch is checked too.
     */
    @Override
    public List<String> generateTestData(TestingSinkSettings sinkSettings, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int count = 200 + random.nextInt(200);
        List<String> records = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            StringBuilder record = new StringBuilder().append(String.format("%04d ", i));
            int length = 1 + random.nextInt(80);
            for (int c = 0; c < length; c++) {
                record.appendCodePoint(randomCodePoint(random));
            }
            records.add(record.toString());
        }
        return records;
    }

    private static int randomCodePoint(SplittableRandom random) {
        return switch (random.nextInt(8)) {
            case 0 -> "\"\\/{}[]:,".codePointAt(random.nextInt(9));
            case 1 -> "\t\n\r\u0001\u001f".codePointAt(random.nextInt(5));
            case 2 -> 0x00C0 + random.nextInt(0x40); // accented Latin letters
            case 3 -> 0x4E00 + random.nextInt(0x5000); // CJK ideographs
            case 4 -> 0x1F600 + random.nextInt(0x50); // emoji, outside the BMP
            default -> 0x20 + random.nextInt(0x5F); // printable ASCII
        };
    }

    @Override
    public TypeInformation<String> getProducedType() {
        return Types.STRING;
    }

    /** None: the sink is on the test classpath, which the MiniCluster shares. */
    @Override
    public List<URL> getConnectorJarPaths() {
        return List.of();
    }

    @Override
    public void close() throws IOException {
        if (client == null) {
            return;
        }
        try {
            if (indexCreated) {
                client.indices().delete(delete -> delete.index(index));
            }
        } finally {
            client.close();
            client = null;
        }
    }

    @Override
    public String toString() {
        return "Elasticsearch";
    }

    /**
     * Creates the index once, with one shard and a strict mapping: a document with any field the
     * serializer does not write is rejected, and the rejection fails the job.
     */
    private void createIndex() {
        if (indexCreated) {
            return;
        }
        try {
            client().indices().create(create -> create
                    .index(index)
                    .settings(settings -> settings.numberOfShards("1").numberOfReplicas("0"))
                    .mappings(mappings -> mappings
                            .dynamic(DynamicMapping.Strict)
                            .properties(StringDocumentSerializer.ID_FIELD, property -> property.keyword(keyword -> keyword))
                            .properties(StringDocumentSerializer.VALUE_FIELD,
                                    property -> property.text(text -> text.index(false)))));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create index " + index, e);
        }
        indexCreated = true;
    }

    private ElasticsearchClient client() {
        if (client == null) {
            client = ElasticsearchConnection.of(elasticsearchUrl).createClient();
        }
        return client;
    }
}
