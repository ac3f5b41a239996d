package io.textintel.serving.generate;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * One caller's request for logit rows after a prompt and continuations of it, as handed to the
 * scheduler: what it asks for comes from its {@link ContinuationDriver}.
 *
 * @param promptIds the prompt's token ids; not copied, so the caller hands over a private array
 * @param driver names the continuations and turns their rows into the result; called on the scheduler thread
 * @param future receives the driver's result; the caller cancelling it drops the request
 * @param submittedNanos {@link System#nanoTime()} at submission
 */
public record ContinuationRequest<T>(int[] promptIds, ContinuationDriver<T> driver, CompletableFuture<T> future,
        long submittedNanos) implements SchedulerRequest {

    public ContinuationRequest {
        Objects.requireNonNull(promptIds, "promptIds");
        Objects.requireNonNull(driver, "driver");
        Objects.requireNonNull(future, "future");
    }
}
