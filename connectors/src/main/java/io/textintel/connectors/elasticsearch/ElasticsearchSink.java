package io.textintel.connectors.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchAsyncClient;
import java.io.IOException;
import java.util.Objects;
import javax.annotation.Nullable;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/**
 * A Flink sink that indexes elements into Elasticsearch through bulk requests of the official
 * Elasticsearch Java client.
 *
 * <p>Delivery is at least once, and effectively exactly once because document ids are
 * deterministic: before every checkpoint the writer sends everything it buffered and waits for
 * every bulk request, retries included, so a checkpoint covers all documents written before it, and
 * a replay after a failure overwrites the same ids. Documents the cluster rejects for good (a 4xx
 * item other than 429, and other than 401, 403 and 404 {@code index_not_found_exception}, which
 * are held and retried like an outage) go to the {@link RejectedDocumentHandler}, or fail the job
 * when there is none; they are never dropped silently. Outages are retried within the
 * {@link RetryPolicy}'s time budget while the writer back-pressures.
 *
 * <p>Build one with {@link #builder()}:
 *
 * <pre>{@code
 * ElasticsearchSink<EnrichedDocument> sink = ElasticsearchSink.<EnrichedDocument>builder()
 *         .setHosts("http://localhost:9200")
 *         .setIndex("textintel-documents")
 *         .setDocumentSerializer(new EnrichedDocumentSerializer())
 *         .setBulkFlushMaxActions(500)
 *         .setRejectedDocumentHandler(deadLetters)
 *         .build();
 * stream.sinkTo(sink);
 * }</pre>
 *
 * @param <T> the element type
 */
public final class ElasticsearchSink<T> implements Sink<T> {

    private static final long serialVersionUID = 1L;

    private final ElasticsearchConnection connection;
    private final DocumentSerializer<T> serializer;
    private final IndexFunction<T> indexFunction;
    private final BulkFlushOptions flushOptions;
    private final RetryPolicy retryPolicy;
    @Nullable private final RejectedDocumentHandler.Factory rejectedHandlerFactory;

    ElasticsearchSink(
            ElasticsearchConnection connection,
            DocumentSerializer<T> serializer,
            IndexFunction<T> indexFunction,
            BulkFlushOptions flushOptions,
            RetryPolicy retryPolicy,
            @Nullable RejectedDocumentHandler.Factory rejectedHandlerFactory) {
        this.connection = Objects.requireNonNull(connection, "connection");
        this.serializer = Objects.requireNonNull(serializer, "serializer");
        this.indexFunction = Objects.requireNonNull(indexFunction, "indexFunction");
        this.flushOptions = Objects.requireNonNull(flushOptions, "flushOptions");
        this.retryPolicy = Objects.requireNonNull(retryPolicy, "retryPolicy");
        this.rejectedHandlerFactory = rejectedHandlerFactory;
    }

    /** A builder for a sink of elements of type {@code T}. */
    public static <T> ElasticsearchSinkBuilder<T> builder() {
        return new ElasticsearchSinkBuilder<>();
    }

    @Override
    public SinkWriter<T> createWriter(WriterInitContext context) throws IOException {
        RejectedDocumentHandler handler = null;
        if (rejectedHandlerFactory != null) {
            handler = Objects.requireNonNull(rejectedHandlerFactory.create(),
                    "Rejected-document handler factory returned null, expected a handler.");
            try {
                handler.open(context);
            } catch (Exception e) {
                closeAfterFailure(handler, e);
                throw new IOException("Rejected-document handler " + handler + " failed to open.", e);
            }
        }
        ElasticsearchAsyncClient client = connection.createAsyncClient();
        return new ElasticsearchWriter<>(
                serializer, indexFunction, flushOptions, retryPolicy, client, handler, context);
    }

    /** Where the sink writes and how it authenticates. */
    public ElasticsearchConnection connection() {
        return connection;
    }

    /** When bulk requests are sent. */
    public BulkFlushOptions flushOptions() {
        return flushOptions;
    }

    /** How retriable failures are retried, and for how long. */
    public RetryPolicy retryPolicy() {
        return retryPolicy;
    }

    IndexFunction<T> indexFunction() {
        return indexFunction;
    }

    @Nullable
    RejectedDocumentHandler.Factory rejectedHandlerFactory() {
        return rejectedHandlerFactory;
    }

    private static void closeAfterFailure(RejectedDocumentHandler handler, Exception failure) {
        try {
            handler.close();
        } catch (Exception e) {
            failure.addSuppressed(e);
        }
    }
}
