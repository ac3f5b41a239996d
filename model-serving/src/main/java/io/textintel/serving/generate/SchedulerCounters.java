package io.textintel.serving.generate;

import io.textintel.serving.spec.DraftLengthPolicy.StandDown;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The generation scheduler's counters and gauges. Written by the scheduler's thread only; any
 * thread may take a {@link #snapshot()}, which reads each value once (volatile reads, no lock: a
 * snapshot taken during a step may show part of it).
 */
final class SchedulerCounters {

    private volatile long requests;
    private volatile long completed;
    private volatile long cancelled;
    private volatile long failed;
    private volatile long steps;
    private volatile long prefillTokens;
    private volatile long generatedTokens;
    private volatile long preemptions;
    private volatile long verifySteps;
    private volatile long draftProposed;
    private volatile long draftAccepted;
    private volatile long forwardNanos;
    private volatile long unspeculatedSteps;
    private volatile long offForBatchSize;
    private volatile long offForAcceptance;
    private final AtomicLongArray draftLengths; // [maxDraftTokens + 1]: decode steps by chosen γ
    private volatile int running;
    private volatile int waiting;
    private volatile int freeKvBlocks;

    /** @param maxDraftTokens the longest draft length a decode step may choose, at least 0 */
    SchedulerCounters(int maxDraftTokens) {
        if (maxDraftTokens < 0) {
            throw new IllegalArgumentException("maxDraftTokens is " + maxDraftTokens + ", expected >= 0");
        }
        this.draftLengths = new AtomicLongArray(maxDraftTokens + 1);
    }

    void requestAdded() {
        requests++;
    }

    /** Counted before the request's future completes, so that a caller who sees it done sees it counted. */
    void requestCompleted() {
        completed++;
    }

    /** A request counted as completed whose caller cancelled it before its result could be delivered. */
    void completedWasCancelled() {
        completed--;
        cancelled++;
    }

    void requestsCancelled(int count) {
        cancelled += count;
    }

    void requestFailed() {
        failed++;
    }

    void stepRan(long forwardNanos) {
        steps++;
        this.forwardNanos += forwardNanos;
    }

    void prefilled(int tokens) {
        prefillTokens += tokens;
    }

    void tokenGenerated() {
        generatedTokens++;
    }

    void preempted() {
        preemptions++;
    }

    /** A decode step of a speculating sequence that ran without drafts, after the policy chose {@code draftLength}. */
    void unspeculatedStep(int draftLength, StandDown standDown) {
        countChoice(draftLength, standDown);
        unspeculatedSteps++;
    }

    /** A decode step that verified {@code proposed} drafts (at least 1), {@code accepted} of them kept. */
    void verifiedStep(int draftLength, StandDown standDown, int proposed, int accepted) {
        countChoice(draftLength, standDown);
        verifySteps++;
        draftProposed += proposed;
        draftAccepted += accepted;
    }

    /** Sets the gauges: sequences running and waiting, KV blocks free. */
    void publish(int running, int waiting, int freeKvBlocks) {
        this.running = running;
        this.waiting = waiting;
        this.freeKvBlocks = freeKvBlocks;
    }

    /** The counters now; any thread may call it. */
    GenerationMetrics snapshot() {
        return new GenerationMetrics(requests, completed, cancelled, failed, steps, prefillTokens, generatedTokens,
                preemptions, verifySteps, draftProposed, draftAccepted, running, waiting, freeKvBlocks,
                forwardNanos, unspeculatedSteps, offForBatchSize, offForAcceptance, histogram());
    }

    private void countChoice(int draftLength, StandDown standDown) {
        if (draftLength < 0 || draftLength >= draftLengths.length()) {
            throw new IllegalStateException("draft length " + draftLength + ", expected 0 <= length <= "
                    + (draftLengths.length() - 1) + ". This is a bug.");
        }
        draftLengths.incrementAndGet(draftLength);
        if (standDown == StandDown.BATCH_SIZE) {
            offForBatchSize++;
        } else if (standDown == StandDown.ACCEPTANCE) {
            offForAcceptance++;
        }
    }

    private long[] histogram() {
        long[] counts = new long[draftLengths.length()];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = draftLengths.get(i);
        }
        return counts;
    }
}
