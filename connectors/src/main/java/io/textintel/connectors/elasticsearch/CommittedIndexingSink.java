package io.textintel.connectors.elasticsearch;

import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.api.connector.sink2.CommitterInitContext;
import org.apache.flink.api.connector.sink2.CommittingSinkWriter;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SupportsCommitter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.core.io.SimpleVersionedSerializer;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A sink that indexes each element only once the checkpoint that holds it has completed, as a Kafka
 * transaction is committed: what a replay after a failure produces replaces what the failed attempt
 * produced, instead of being added beside it.
 *
 * <p>The {@link ElasticsearchSink} writes at once and relies on deterministic ids, which makes it
 * exactly once for elements that a replay reproduces identically. Some outputs are not reproduced
 * identically: the drift monitor's reference profile, built from the first documents to arrive, gets
 * another version when a replay delivers them in another order, and so do the ids of the reports
 * computed against it. For those, this sink's writer only collects the serialized documents of the
 * current checkpoint epoch, hands them to Flink as the epoch's committable, and the committer
 * ({@link PendingDocumentsCommitter}) indexes them when the checkpoint completes. An epoch that fails
 * is never indexed; its replay is, once. A commit interrupted by a failure is retried from the
 * committer's state after the restart and overwrites the same ids.
 *
 * <p>Documents become visible one checkpoint interval late, and every document of an epoch waits in
 * the writer and in the checkpoint: meant for low-volume outputs (drift reports, reference
 * profiles), not for the documents stream. Build one with {@link ElasticsearchSinkBuilder#buildCommitted()}.
 *
 * @param <T> the element type
 */
public final class CommittedIndexingSink<T> implements Sink<T>, SupportsCommitter<PendingDocuments> {

    private static final long serialVersionUID = 1L;

    private final ElasticsearchConnection connection;
    private final DocumentSerializer<T> serializer;
    private final IndexFunction<T> indexFunction;
    private final int maxActions;
    private final RetryPolicy retryPolicy;

    CommittedIndexingSink(ElasticsearchConnection connection, DocumentSerializer<T> serializer,
            IndexFunction<T> indexFunction, int maxActions, RetryPolicy retryPolicy) {
        this.connection = Objects.requireNonNull(connection, "connection");
        this.serializer = Objects.requireNonNull(serializer, "serializer");
        this.indexFunction = Objects.requireNonNull(indexFunction, "indexFunction");
        this.retryPolicy = Objects.requireNonNull(retryPolicy, "retryPolicy");
        if (maxActions < 1) {
            throw new IllegalArgumentException("Bulk max actions is " + maxActions + ", expected 1 or more.");
        }
        this.maxActions = maxActions;
    }

    @Override
    public CommittingSinkWriter<T, PendingDocuments> createWriter(WriterInitContext context) {
        return new PendingDocumentsWriter<>(serializer, indexFunction);
    }

    @Override
    public Committer<PendingDocuments> createCommitter(CommitterInitContext context) {
        return new PendingDocumentsCommitter(connection.createClient(), maxActions, retryPolicy);
    }

    @Override
    public SimpleVersionedSerializer<PendingDocuments> getCommittableSerializer() {
        return PendingDocumentsSerializer.INSTANCE;
    }

    /** Where the sink writes and how it authenticates. */
    public ElasticsearchConnection connection() {
        return connection;
    }

    /** Collects the documents of the current epoch; {@link #prepareCommit} hands them on. */
    static final class PendingDocumentsWriter<T> implements CommittingSinkWriter<T, PendingDocuments> {

        private final DocumentSerializer<T> serializer;
        private final IndexFunction<T> indexFunction;
        private List<BulkAction> pending = new ArrayList<>();

        PendingDocumentsWriter(DocumentSerializer<T> serializer, IndexFunction<T> indexFunction) {
            this.serializer = serializer;
            this.indexFunction = indexFunction;
        }

        @Override
        public void write(T element, Context context) {
            ElasticsearchDocument document = serializer.serialize(element);
            pending.add(new BulkAction(indexFunction.indexFor(element), document.id(), document.source()));
        }

        @Override
        public void flush(boolean endOfInput) {
            // Nothing is sent here: the documents leave with the epoch's committable.
        }

        @Override
        public List<PendingDocuments> prepareCommit() {
            if (pending.isEmpty()) {
                return List.of();
            }
            PendingDocuments epoch = new PendingDocuments(pending);
            pending = new ArrayList<>();
            return List.of(epoch);
        }

        @Override
        public void close() {
            pending = new ArrayList<>();
        }
    }
}
