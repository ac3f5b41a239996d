package io.textintel.serving.batch;

import io.textintel.serving.backend.BatchLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Forms batches from waiting requests under a request-count and a token budget.
 *
 * <p>Loop contract, run by one thread that owns this object:
 * <pre>
 *   add(request) for everything that arrived
 *   if nanosUntilDue(now) &gt; 0: wait that long (or until a request arrives), then loop
 *   batch = schedule(now)          // may be null when every waiting request was abandoned
 *   one forward pass over batch.tokens(), then complete batch.requests()
 * </pre>
 *
 * <p>Choice of a batch: the oldest waiting request is always in it, so no request starves. The
 * others come from a window of the oldest {@code 4 * maxBatchSize} requests, sorted by length,
 * taken outward from the oldest one's length while the batch stays under {@code maxBatchSize}
 * sequences and {@code maxBatchTokens} rows; grouping similar lengths keeps padding (padded
 * layout) and per-sequence attention imbalance (packed layout) small. Requests whose future is
 * already done (cancelled by the caller) are dropped when a batch is formed.
 *
 * <p>Not thread-safe; {@link #waiting()} and {@link #dropped()} may be read from other threads.
 */
public final class BatchScheduler {

    private static final int WINDOW_FACTOR = 4;

    private final int maxBatchSize;
    private final int maxBatchTokens;
    private final long maxDelayNanos;
    private final BatchLayout layout;
    private final int padId;
    private final List<InferenceRequest> waiting = new ArrayList<>(); // arrival order
    private long waitingTokens;
    private volatile int waitingCount;
    private volatile long dropped;

    public BatchScheduler(int maxBatchSize, int maxBatchTokens, Duration maxDelay, BatchLayout layout, int padId) {
        if (maxBatchSize < 1 || maxBatchTokens < 1) {
            throw new IllegalArgumentException("batch limits are " + maxBatchSize + " sequences and " + maxBatchTokens
                    + " tokens, expected both >= 1");
        }
        this.maxBatchSize = maxBatchSize;
        this.maxBatchTokens = maxBatchTokens;
        this.maxDelayNanos = maxDelay.toNanos();
        this.layout = layout;
        this.padId = padId;
    }

    /** Queues a request. */
    public void add(InferenceRequest request) {
        waiting.add(request);
        waitingTokens += request.length();
        waitingCount = waiting.size();
    }

    /** Requests waiting, including abandoned ones not yet dropped. */
    public int waiting() {
        return waitingCount;
    }

    /** Requests dropped so far because their future was done before they ran. */
    public long dropped() {
        return dropped;
    }

    /**
     * How long to wait for more requests before scheduling: 0 when a full batch is waiting or the
     * oldest request has waited {@code maxDelay}; {@link Long#MAX_VALUE} when nothing waits.
     */
    public long nanosUntilDue(long nowNanos) {
        if (waiting.isEmpty()) {
            return Long.MAX_VALUE;
        }
        if (waiting.size() >= maxBatchSize || waitingTokens >= maxBatchTokens) {
            return 0;
        }
        return Math.max(0, maxDelayNanos - (nowNanos - waiting.get(0).enqueuedNanos()));
    }

    /** Takes the next batch out of the waiting requests; null when none is left after dropping abandoned ones. */
    public ScheduledBatch schedule() {
        dropAbandoned();
        if (waiting.isEmpty()) {
            return null;
        }
        List<InferenceRequest> window = new ArrayList<>(waiting.subList(0, Math.min(waiting.size(),
                WINDOW_FACTOR * maxBatchSize)));
        InferenceRequest oldest = window.get(0);
        window.sort(Comparator.comparingInt(InferenceRequest::length)); // stable: arrival order among equals
        int at = indexOf(window, oldest);
        int low = at - 1;
        int high = at + 1;
        int longest = oldest.length();
        long total = oldest.length();
        List<InferenceRequest> chosen = new ArrayList<>();
        chosen.add(oldest);
        while (chosen.size() < maxBatchSize && (low >= 0 || high < window.size())) {
            InferenceRequest shorter = low >= 0 ? window.get(low) : null;
            InferenceRequest longer = high < window.size() ? window.get(high) : null;
            boolean preferShorter = longer == null
                    || (shorter != null && oldest.length() - shorter.length() <= longer.length() - oldest.length());
            InferenceRequest first = preferShorter ? shorter : longer;
            InferenceRequest second = preferShorter ? longer : shorter;
            InferenceRequest pick = fits(chosen.size(), longest, total, first) ? first
                    : fits(chosen.size(), longest, total, second) ? second : null;
            if (pick == null) {
                break;
            }
            if (pick == shorter) {
                low--;
            } else {
                high++;
            }
            chosen.add(pick);
            longest = Math.max(longest, pick.length());
            total += pick.length();
        }
        chosen.sort(Comparator.comparingInt(InferenceRequest::length));
        remove(chosen);
        List<int[]> sequences = new ArrayList<>(chosen.size());
        for (InferenceRequest request : chosen) {
            sequences.add(request.ids());
        }
        return new ScheduledBatch(chosen, TokenBatch.of(sequences, layout, padId));
    }

    /** Takes every waiting request out, e.g. to fail them when the engine closes. */
    public List<InferenceRequest> drain() {
        List<InferenceRequest> all = new ArrayList<>(waiting);
        waiting.clear();
        waitingTokens = 0;
        waitingCount = 0;
        return all;
    }

    private boolean fits(int count, int longest, long total, InferenceRequest candidate) {
        return candidate != null
                && TokenBatch.rows(layout, count + 1, Math.max(longest, candidate.length()), total + candidate.length())
                        <= maxBatchTokens;
    }

    private void dropAbandoned() {
        int before = waiting.size();
        waiting.removeIf(InferenceRequest::abandoned);
        if (waiting.size() != before) {
            dropped += before - waiting.size();
            recount();
        }
    }

    private void remove(List<InferenceRequest> taken) {
        Map<InferenceRequest, Boolean> set = new IdentityHashMap<>();
        for (InferenceRequest request : taken) {
            set.put(request, Boolean.TRUE);
        }
        waiting.removeIf(set::containsKey);
        recount();
    }

    private void recount() {
        long tokens = 0;
        for (InferenceRequest request : waiting) {
            tokens += request.length();
        }
        waitingTokens = tokens;
        waitingCount = waiting.size();
    }

    private static int indexOf(List<InferenceRequest> list, InferenceRequest request) {
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i) == request) {
                return i;
            }
        }
        throw new IllegalStateException("oldest request is missing from its own window. This is a bug.");
    }

    List<InferenceRequest> waitingSnapshot() {
        return Collections.unmodifiableList(new ArrayList<>(waiting));
    }
}
