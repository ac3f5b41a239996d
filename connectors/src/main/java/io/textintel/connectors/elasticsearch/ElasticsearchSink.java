package io.textintel.connectors.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchAsyncClient;
import java.io.IOException;
import java.util.Collection;
import java.util.Objects;
import javax.annotation.Nullable;
import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.api.connector.sink2.CommitterInitContext;
import org.apache.flink.api.connector.sink2.CommittingSinkWriter;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SupportsCommitter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.streaming.api.connector.sink2.CommittableMessageTypeInfo;
import org.apache.flink.streaming.api.connector.sink2.CommittableWithLineage;
import org.apache.flink.streaming.api.connector.sink2.CommittableMessage;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.runtime.operators.sink.SinkWriterOperatorFactory;
import org.apache.flink.util.Collector;

/**
 * A Flink sink that indexes elements into Elasticsearch through bulk requests of the official
 * Elasticsearch Java client.
 *
 * <p>Delivery is at least once, and effectively exactly once because document ids are
 * deterministic: before every checkpoint the writer sends everything it buffered and waits for
 * every bulk request, retries included, so a checkpoint covers all documents written before it, and
 * a replay after a failure overwrites the same ids. Documents the cluster rejects for good (a 4xx
 * item other than 429, and other than 401, 403 and 404 {@code index_not_found_exception}, which
 * are held and retried like an outage) go to a {@link RejectedDocumentSink} or a
 * {@link RejectedDocumentHandler}, or fail the job when there is neither; they are never dropped
 * silently. Outages are retried within the {@link RetryPolicy}'s time budget while the writer
 * back-pressures.
 *
 * <p>Rejections exactly once: with a {@link RejectedDocumentSink} the writer is a committing writer
 * whose committable is the {@link RejectedDocuments} seen since the last checkpoint. Add such a sink
 * with {@link #addTo}, which puts the writer's operator in the job graph and the rejection sink
 * behind it (for dead letters, a Kafka sink with exactly-once delivery). Flink calls
 * {@link CommittingSinkWriter#prepareCommit()} right after the pre-barrier {@code flush}, which
 * waits for every bulk request, and emits its result before the checkpoint's barrier: the
 * rejections of all documents before a barrier reach the rejection sink in that checkpoint's epoch,
 * are written in its transaction, committed when the checkpoint completes and aborted when it does
 * not; a replay from the previous checkpoint resends the documents, which are rejected again and
 * published again, once. ({@code SupportsPreCommitTopology} would do the same inside {@code sinkTo},
 * but Flink 2.2's sink translator fails with a {@code ConcurrentModificationException} on a sink
 * nested in a sink's pre-commit topology; {@link #addTo} uses Flink's own writer operator,
 * {@code SinkWriterOperatorFactory}, which is marked internal.) A sink with a rejected-document sink
 * added with {@code sinkTo} fails when its first rejection reaches the committer, instead of
 * dropping it. A
 * {@link RejectedDocumentHandler} instead publishes from inside the writer, at least once: it is
 * flushed at every checkpoint, but a replay repeats what it published after the last completed one.
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
public final class ElasticsearchSink<T> implements Sink<T>, SupportsCommitter<RejectedDocuments> {

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

    /** A committer with nothing to do: the writer's effects are the bulk requests it waited for. */
    @Override
    public Committer<RejectedDocuments> createCommitter(CommitterInitContext context) {
        return new NoOpCommitter();
    }

    @Override
    public SimpleVersionedSerializer<RejectedDocuments> getCommittableSerializer() {
        return RejectedDocumentsSerializer.INSTANCE;
    }

    /**
     * Adds this sink's writer behind {@code documents} and hands the documents it rejects for good to
     * the {@link RejectedDocumentSink}: the way to add a sink that has one. The writer's operator
     * gets {@code uid} as uid and name, as {@code sinkTo(sink).uid(uid)} would give it; the operator
     * that unpacks the rejections {@code <uid>-rejected-documents}.
     *
     * @throws IllegalStateException when the sink has no rejected-document sink
     */
    public void addTo(DataStream<T> documents, String uid) {
        if (rejectedDocumentSink == null) {
            throw new IllegalStateException(
                    "Sink has no rejected-document sink, expected stream.sinkTo(sink).");
        }
        DataStream<RejectedDocument> rejections = documents
                .transform(uid, CommittableMessageTypeInfo.of(() -> RejectedDocumentsSerializer.INSTANCE),
                        new SinkWriterOperatorFactory<T, RejectedDocuments>(this))
                .uid(uid)
                .flatMap(new UnpackRejections())
                .returns(TypeInformation.of(RejectedDocument.class))
                .name(uid + "-rejected-documents")
                .uid(uid + "-rejected-documents");
        rejectedDocumentSink.addTo(rejections);
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

    /**
     * Commits nothing. Committables reach it only when the sink was added with {@code sinkTo}: they
     * are empty unless a rejected-document sink was set, which {@link #addTo} must then attach.
     */
    private static final class NoOpCommitter implements Committer<RejectedDocuments> {
        @Override
        public void commit(Collection<CommitRequest<RejectedDocuments>> requests) {
            for (CommitRequest<RejectedDocuments> request : requests) {
                if (!request.getCommittable().isEmpty()) {
                    throw new IllegalStateException(String.format(
                            "%d rejected documents reached the committer (first: %s): a sink with a"
                                    + " rejected-document sink must be added with ElasticsearchSink#addTo,"
                                    + " not sinkTo.",
                            request.getCommittable().documents().size(),
                            request.getCommittable().documents().get(0).message()));
                }
            }
        }

        @Override
        public void close() {}
    }
}
