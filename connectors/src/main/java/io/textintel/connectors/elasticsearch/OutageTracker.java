package io.textintel.connectors.elasticsearch;

import java.time.Duration;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * One writer's record of outages: spells during which bulk requests or items fail and documents
 * wait for a retry. It writes the outage's log lines and keeps its time for the metrics.
 *
 * <p>An outage starts with the first failed attempt after a healthy spell and ends with the first
 * answer without failures once no batch waits for a retry any more and every request sent during it
 * has been answered (a late failure of one of those continues the outage). Its log lines are rate-limited
 * so that a long outage or a 429 storm gives a handful of lines, not one per retry:
 *
 * <ul>
 *   <li>WARN when an outage starts, then at most once per {@link #LOG_INTERVAL} while it lasts;
 *       an outage starting within that interval of the last WARN (a 429 storm comes and goes) is
 *       counted and reported in the next line instead, unless it lasts {@link #UNREPORTED_GRACE},
 *       which gets it its own WARN then;
 *   <li>INFO when a reported outage ends, with its length, retries and documents retried;
 *   <li>ERROR when the cluster refuses an index for want of a privilege or the index itself, at
 *       most once per {@link #LOG_INTERVAL} and index, naming the index and Elasticsearch's reason
 *       (which names the missing privilege).
 * </ul>
 *
 * <p>Called on the task thread only; the metric getters may be read from any thread.
 */
final class OutageTracker {

    /** The least time between two WARN (or two ERROR) lines about the same outage. */
    static final Duration LOG_INTERVAL = Duration.ofSeconds(60);

    /** How long an outage whose start was not logged may last before it is. */
    static final Duration UNREPORTED_GRACE = Duration.ofSeconds(10);

    private static final long NONE = Long.MIN_VALUE;

    private final Logger log;
    private final LongSupplier nanoClock;
    private final RetryPolicy policy;

    private volatile long outageStartNanos = NONE;
    private volatile long pastOutagesNanos;
    private long lastWarnNanos = NONE;
    private long lastErrorNanos = NONE;
    private String lastErrorIndex;
    private boolean reported;
    private int unreportedOutages;
    private long retries;
    private long documentsRetried;

    OutageTracker(Logger log, LongSupplier nanoClock, RetryPolicy policy) {
        this.log = log;
        this.nanoClock = nanoClock;
        this.policy = policy;
    }

    /**
     * A failed attempt whose documents will be retried.
     *
     * @param kind {@link BulkFailures.Kind#TRANSIENT} or {@link BulkFailures.Kind#BLOCKED}
     * @param index the index of the first document concerned
     * @param reason status, Elasticsearch's error type and reason
     * @param documents how many documents wait for this retry
     * @param batchesWaiting batches waiting for a retry, this one included
     */
    void onRetry(BulkFailures.Kind kind, String index, String reason, int documents, int batchesWaiting) {
        long now = nanoClock.getAsLong();
        retries++;
        documentsRetried += documents;
        if (outageStartNanos == NONE) {
            outageStartNanos = now;
            retries = 1;
            documentsRetried = documents;
            if (lastWarnNanos == NONE || now - lastWarnNanos >= LOG_INTERVAL.toNanos()) {
                reported = true;
                lastWarnNanos = now;
                log.warn("Elasticsearch outage started{}: {} documents for index {} wait for a retry ({}); writes"
                                + " wait while {} batches do (back-pressure); retrying with backoff up to {},"
                                + " budget per document {}",
                        unreportedSince(), documents, index, reason, batchesWaiting, policy.maxBackoff(),
                        policy.describeBudget());
            } else {
                reported = false;
                unreportedOutages++;
            }
        } else if (now - lastWarnNanos >= LOG_INTERVAL.toNanos()
                || (!reported && now - outageStartNanos >= UNREPORTED_GRACE.toNanos())) {
            reported = true;
            lastWarnNanos = now;
            log.warn("Elasticsearch outage goes on for {}{}: {} batches wait for a retry, {} retries ({} documents"
                            + " sent again) so far; latest failure for index {}: {}",
                    Duration.ofNanos(now - outageStartNanos), unreportedSince(), batchesWaiting, retries,
                    documentsRetried, index, reason);
        }
        if (kind == BulkFailures.Kind.BLOCKED && (lastErrorNanos == NONE || !index.equals(lastErrorIndex)
                || now - lastErrorNanos >= LOG_INTERVAL.toNanos())) {
            lastErrorNanos = now;
            lastErrorIndex = index;
            log.error("Elasticsearch refuses writes to index {}: {}. This is no fault of the documents, so none"
                            + " is dead-lettered: {} documents are held, writes wait, and the writer tries again"
                            + " every {}. Grant the missing privilege (for the sink: create_doc, create or index on"
                            + " the index) or create the index, and it resumes without a restart; budget per"
                            + " document {}, after which the job fails.",
                    index, reason, documents, policy.maxBackoff(), policy.describeBudget());
        }
    }

    /**
     * A bulk answer without failures; ends the outage when no batch is still owed by it.
     *
     * @param batchesOwed batches waiting for a retry, plus requests sent during the outage and not
     *     answered yet (one of those may still fail: that is this outage going on, not a new one)
     */
    void onSuccess(int batchesOwed) {
        if (outageStartNanos == NONE || batchesOwed > 0) {
            return;
        }
        long now = nanoClock.getAsLong();
        long length = now - outageStartNanos;
        pastOutagesNanos += length;
        outageStartNanos = NONE;
        if (reported) {
            log.info("Elasticsearch outage over after {}: {} retries ({} documents sent again), all indexed",
                    Duration.ofNanos(length), retries, documentsRetried);
        }
    }

    /** How long the current outage has lasted, in ms; 0 when there is none. */
    long currentOutageMillis() {
        long start = outageStartNanos;
        return start == NONE ? 0L : Duration.ofNanos(nanoClock.getAsLong() - start).toMillis();
    }

    /** The time spent in outages since the writer opened, the current one included, in ms. */
    long totalOutageMillis() {
        return Duration.ofNanos(pastOutagesNanos).toMillis() + currentOutageMillis();
    }

    /** Whether an outage is going on. */
    boolean inOutage() {
        return outageStartNanos != NONE;
    }

    private String unreportedSince() {
        if (unreportedOutages == 0) {
            return "";
        }
        String note = " (after " + unreportedOutages + " shorter outages since the last report)";
        unreportedOutages = 0;
        return note;
    }
}
