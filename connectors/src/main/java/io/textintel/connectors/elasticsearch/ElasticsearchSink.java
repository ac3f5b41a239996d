package io.textintel.connectors.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchAsyncClient;
import java.io.IOException;
import java.util.Collection;
import java.util.Objects;
import javax.annotation.Nullable;
import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.api.connector.sink2.CommitterInitContext;
import org.apache.flink.api.connector.sink2.CommittingSinkWriter;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SupportsCommitter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.streaming.api.connector.sink2.CommittableMessage;
import org.apache.flink.streaming.api.connector.sink2.CommittableMessageTypeInfo;
import org.apache.flink.streaming.api.connector.sink2.CommittableSummary;
import org.apache.flink.streaming.api.connector.sink2.CommittableWithLineage;
import org.apache.flink.streaming.api.connector.sink2.SupportsPreCommitTopology;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.util.Collector;

/**
 * A Flink sink that indexes elements into Elasticsearch through bulk requests of the official
 * Elasticsearch Java client.
 *
 * <p>Delivery is at least once, and effectively exactly once because document ids are
 * deterministic: before every checkpoint the writer sends everything it buffered and waits for
 * every bulk request, retries included, so a checkpoint covers all documents written before it, and
 * a replay after a failure overwrites the same ids. Documents the cluster rejects for good (a 4xx
 * item other than 429) go to a {@link RejectedDocumentSink} or a {@link RejectedDocumentHandler},
 * or fail the job when there is neither; they are never dropped silently.
 *
 * <p>Rejections exactly once: with a {@link RejectedDocumentSink} the writer is a committing writer
 * whose committable is the {@link RejectedDocuments} seen since the last checkpoint. Flink calls
 * {@link CommittingSinkWriter#prepareCommit()} right after the pre-barrier {@code flush}, which
 * waits for every bulk request, so the rejections of all documents before a checkpoint's barrier
 * leave the writer before that barrier. The sink's pre-commit topology turns them into a stream
 * that the rejection sink consumes (for dead letters, a Kafka sink with exactly-once delivery):
 * there they are written in the transaction of the same checkpoint, committed when it completes,
 * aborted when it does not; a replay from the previous checkpoint resends the documents, which are
 * rejected again and published again, once. The committer that follows receives only empty
 * committables and has nothing to do. A {@link RejectedDocumentHandler} instead publishes from
 * inside the writer, at least once: it is flushed at every checkpoint, but a replay repeats what it
 * published after the last completed one.
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
public final class ElasticsearchSink<T>
        implements Sink<T>, SupportsCommitter<RejectedDocuments>,
                SupportsPreCommitTopology<RejectedDocuments, RejectedDocuments> {

    private static final long serialVersionUID = 1L;

    private final ElasticsearchConnection connection;
    private final DocumentSerializer<T> serializer;
    private final IndexFunction<T> indexFunction;
    private final BulkFlushOptions flushOptions;
    private final RetryPolicy retryPolicy;
    @Nullable private final RejectedDocumentHandler.Factory rejectedHandlerFactory;
    @Nullable private final RejectedDocumentSink rejectedDocumentSink;

    ElasticsearchSink(
            ElasticsearchConnection connection,
            DocumentSerializer<T> serializer,
            IndexFunction<T> indexFunction,
            BulkFlushOptions flushOptions,
            RetryPolicy retryPolicy,
            @Nullable RejectedDocumentHandler.Factory rejectedHandlerFactory,
            @Nullable RejectedDocumentSink rejectedDocumentSink) {
        this.connection = Objects.requireNonNull(connection, "connection");
        this.serializer = Objects.requireNonNull(serializer, "serializer");
        this.indexFunction = Objects.requireNonNull(indexFunction, "indexFunction");
        this.flushOptions = Objects.requireNonNull(flushOptions, "flushOptions");
        this.retryPolicy = Objects.requireNonNull(retryPolicy, "retryPolicy");
        this.rejectedHandlerFactory = rejectedHandlerFactory;
        this.rejectedDocumentSink = rejectedDocumentSink;
        if (rejectedHandlerFactory != null && rejectedDocumentSink != null) {
            throw new IllegalArgumentException(
                    "Both a rejected-document handler and a rejected-document sink were set, expected one.");
        }
    }

    /** A builder for a sink of elements of type {@code T}. */
    public static <T> ElasticsearchSinkBuilder<T> builder() {
        return new ElasticsearchSinkBuilder<>();
    }

    @Override
    public CommittingSinkWriter<T, RejectedDocuments> createWriter(WriterInitContext context)
            throws IOException {
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
        return new ElasticsearchWriter<>(serializer, indexFunction, flushOptions, retryPolicy, client,
                handler, rejectedDocumentSink != null, context);
    }

    /** A committer with nothing to do: rejections were handed on in the pre-commit topology. */
    @Override
    public Committer<RejectedDocuments> createCommitter(CommitterInitContext context) {
        return new NoOpCommitter();
    }

    @Override
    public SimpleVersionedSerializer<RejectedDocuments> getCommittableSerializer() {
        return RejectedDocumentsSerializer.INSTANCE;
    }

    @Override
    public SimpleVersionedSerializer<RejectedDocuments> getWriteResultSerializer() {
        return RejectedDocumentsSerializer.INSTANCE;
    }

    /**
     * Hands the rejections of each checkpoint epoch to the {@link RejectedDocumentSink}, if there is
     * one, and passes on empty committables, with the summaries' counts unchanged, to the committer.
     */
    @Override
    public DataStream<CommittableMessage<RejectedDocuments>> addPreCommitTopology(
            DataStream<CommittableMessage<RejectedDocuments>> committables) {
        if (rejectedDocumentSink != null) {
            DataStream<RejectedDocument> rejections = committables
                    .flatMap(new UnpackRejections())
                    .returns(TypeInformation.of(RejectedDocument.class))
                    .name("rejected-documents")
                    .uid("rejected-documents");
            rejectedDocumentSink.addTo(rejections);
        }
        return committables
                .map(new EmptyCommittables())
                .returns(CommittableMessageTypeInfo.of(() -> RejectedDocumentsSerializer.INSTANCE))
                .name("rejections-handed-on")
                .uid("rejections-handed-on");
    }

    /** Where the sink writes and how it authenticates. */
    public ElasticsearchConnection connection() {
        return connection;
    }

    /** When bulk requests are sent. */
    public BulkFlushOptions flushOptions() {
        return flushOptions;
    }

    /** How retriable failures are retried. */
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

    @Nullable
    RejectedDocumentSink rejectedDocumentSink() {
        return rejectedDocumentSink;
    }

    private static void closeAfterFailure(RejectedDocumentHandler handler, Exception failure) {
        try {
            handler.close();
        } catch (Exception e) {
            failure.addSuppressed(e);
        }
    }

    /** The rejections of every committable, one element each. */
    private static final class UnpackRejections
            implements FlatMapFunction<CommittableMessage<RejectedDocuments>, RejectedDocument> {
        private static final long serialVersionUID = 1L;

        @Override
        public void flatMap(CommittableMessage<RejectedDocuments> message, Collector<RejectedDocument> out) {
            if (message instanceof CommittableWithLineage<RejectedDocuments> committable) {
                committable.getCommittable().documents().forEach(out::collect);
            }
        }
    }

    /** The same message without its rejections, which the committer need not keep in its state. */
    private static final class EmptyCommittables
            implements MapFunction<CommittableMessage<RejectedDocuments>, CommittableMessage<RejectedDocuments>> {
        private static final long serialVersionUID = 1L;

        @Override
        public CommittableMessage<RejectedDocuments> map(CommittableMessage<RejectedDocuments> message) {
            if (message instanceof CommittableWithLineage<RejectedDocuments> committable) {
                return committable.map(rejections -> RejectedDocuments.NONE);
            }
            if (message instanceof CommittableSummary<RejectedDocuments> summary) {
                return summary;
            }
            throw new IllegalStateException("Committable message " + message + " is neither a committable nor"
                    + " a summary. This is a bug.");
        }
    }

    /** Commits nothing: every committable reaching it is empty. */
    private static final class NoOpCommitter implements Committer<RejectedDocuments> {
        @Override
        public void commit(Collection<CommitRequest<RejectedDocuments>> requests) {}

        @Override
        public void close() {}
    }
}
