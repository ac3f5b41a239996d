package io.textintel.connectors.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch.core.BulkResponse;
import co.elastic.clients.elasticsearch.core.bulk.BulkResponseItem;

import org.apache.flink.api.connector.sink2.Committer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.LongSupplier;

/**
 * Indexes the documents of completed checkpoints for a {@link CommittedIndexingSink}.
 *
 * <p>Each commit sends the epoch's documents in bulk requests of at most {@code maxActions} and
 * returns when every one is indexed. Items and requests that failed for a transient reason (429,
 * 5xx, no connection) or for want of a privilege or an index (401, 403, 404
 * {@code index_not_found_exception}) are sent again with the {@link RetryPolicy}'s backoff, blocking
 * the committer (the job back-pressures) until its time budget is spent; then, or at once for a
 * document the cluster refuses for good (a mapping conflict: these documents are the pipeline's own,
 * so a refusal is a deployment error, never bad input), the commit fails the job. The committables
 * stay in the checkpoint, so the restarted job commits them again; ids are deterministic, so a
 * document indexed twice is overwritten, not duplicated.
 */
final class PendingDocumentsCommitter implements Committer<PendingDocuments> {

    private static final Logger LOG = LoggerFactory.getLogger(PendingDocumentsCommitter.class);

    private final ElasticsearchClient client;
    private final int maxActions;
    private final RetryPolicy retryPolicy;
    private final LongSupplier nanoTime;
    private final Sleeper sleeper;
    private final SplittableRandom random = new SplittableRandom();

    /** Waits between attempts; a seam for tests. */
    @FunctionalInterface
    interface Sleeper {
        void sleep(Duration duration) throws InterruptedException;
    }

    PendingDocumentsCommitter(ElasticsearchClient client, int maxActions, RetryPolicy retryPolicy) {
        this(client, maxActions, retryPolicy, System::nanoTime, duration -> Thread.sleep(duration.toMillis()));
    }

    PendingDocumentsCommitter(ElasticsearchClient client, int maxActions, RetryPolicy retryPolicy,
            LongSupplier nanoTime, Sleeper sleeper) {
        this.client = client;
        this.maxActions = maxActions;
        this.retryPolicy = retryPolicy;
        this.nanoTime = nanoTime;
        this.sleeper = sleeper;
    }

    @Override
    public void commit(Collection<CommitRequest<PendingDocuments>> requests) throws IOException, InterruptedException {
        for (CommitRequest<PendingDocuments> request : requests) {
            List<BulkAction> documents = request.getCommittable().documents();
            for (int from = 0; from < documents.size(); from += maxActions) {
                indexAll(documents.subList(from, Math.min(documents.size(), from + maxActions)));
            }
        }
    }

    /** Sends {@code batch} until every document is indexed, within the retry budget. */
    private void indexAll(List<BulkAction> batch) throws IOException, InterruptedException {
        List<BulkAction> remaining = batch;
        long firstFailure = 0;
        for (int retry = 1; ; retry++) {
            String reason;
            try {
                BulkResponse response = client.bulk(BulkAction.bulkRequest(remaining));
                List<BulkAction> failed = new ArrayList<>();
                reason = failedItems(remaining, response.items(), failed);
                if (failed.isEmpty()) {
                    if (retry > 1) {
                        LOG.info("Indexed {} committed documents after {} retries", batch.size(), retry - 1);
                    }
                    return;
                }
                remaining = failed;
            } catch (IOException | RuntimeException e) {
                if (BulkFailures.classifyRequest(e) == BulkFailures.Kind.PERMANENT) {
                    throw new ElasticsearchSinkException("Bulk request of " + remaining.size() + " committed documents"
                            + " (first: " + remaining.get(0).id() + " in index " + remaining.get(0).index()
                            + ") failed and cannot be retried: " + BulkFailures.describe(e), e);
                }
                reason = BulkFailures.describe(e);
            }
            long now = nanoTime.getAsLong();
            firstFailure = retry == 1 ? now : firstFailure;
            Duration failingFor = Duration.ofNanos(now - firstFailure);
            if (retryPolicy.isExhausted(failingFor)) {
                throw new IOException("Committed documents (first: " + remaining.get(0).id() + " in index "
                        + remaining.get(0).index() + ") still fail after " + failingFor.toSeconds()
                        + " s, longer than the retry budget of " + retryPolicy.maxDuration() + ": " + reason);
            }
            Duration backoff = retryPolicy.backoff(retry, random);
            LOG.warn("Retrying {} committed documents in {} (retry {}, failing for {} s): {}", remaining.size(),
                    backoff, retry, failingFor.toSeconds(), reason);
            sleeper.sleep(backoff);
        }
    }

    /**
     * Collects the actions whose items failed for a reason that may pass into {@code failed} and
     * returns one such reason; throws for an item refused for good.
     */
    private static String failedItems(List<BulkAction> sent, List<BulkResponseItem> items, List<BulkAction> failed) {
        String reason = null;
        for (int i = 0; i < items.size(); i++) {
            BulkResponseItem item = items.get(i);
            if (item.error() == null && BulkFailures.isSuccessStatus(item.status())) {
                continue;
            }
            BulkAction action = sent.get(i);
            String description = "status " + item.status() + ": " + BulkFailures.describe(item.error());
            if (BulkFailures.classifyItem(item.status(), item.error()) == BulkFailures.Kind.PERMANENT) {
                throw new ElasticsearchSinkException("Elasticsearch refused committed document " + action.id()
                        + " in index " + action.index() + " for good (" + description + "): the index's mapping"
                        + " does not fit the pipeline's documents; install the pipeline's index templates.");
            }
            failed.add(action);
            reason = reason == null ? description : reason;
        }
        return reason;
    }


    @Override
    public void close() throws Exception {
        client._transport().close();
    }
}
