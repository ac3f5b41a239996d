package io.textintel.serving.batch;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * One caller's request: the token ids of one sequence, what to compute for it, and the future
 * that receives the result.
 */
public final class InferenceRequest {

    /** What a request asks the model for. */
    public enum Task {
        /** The pooled, L2-normalised sentence embedding. */
        EMBED,
        /** The class scores of the classification head. */
        CLASSIFY
    }

    private final Task task;
    private final int[] ids;
    private final CompletableFuture<float[]> future;
    private final long enqueuedNanos;

    /**
     * @param ids the sequence's token ids; not copied, so the caller must hand over a private array
     * @param enqueuedNanos {@link System#nanoTime()} when the request arrived
     */
    public InferenceRequest(Task task, int[] ids, CompletableFuture<float[]> future, long enqueuedNanos) {
        this.task = Objects.requireNonNull(task, "task");
        this.ids = Objects.requireNonNull(ids, "ids");
        this.future = Objects.requireNonNull(future, "future");
        this.enqueuedNanos = enqueuedNanos;
        if (ids.length == 0) {
            throw new IllegalArgumentException("request has no token ids, expected at least one");
        }
    }

    public Task task() {
        return task;
    }

    /** The token ids (the array itself: do not modify). */
    public int[] ids() {
        return ids;
    }

    public int length() {
        return ids.length;
    }

    public CompletableFuture<float[]> future() {
        return future;
    }

    public long enqueuedNanos() {
        return enqueuedNanos;
    }

    /** Whether the caller gave up (cancelled the future) or it was completed otherwise. */
    public boolean abandoned() {
        return future.isDone();
    }
}
