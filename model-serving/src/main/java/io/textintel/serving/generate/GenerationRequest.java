package io.textintel.serving.generate;

import io.textintel.serving.sampling.SamplingParams;
import io.textintel.serving.spec.Speculation;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * One caller's generation request as handed to the scheduler.
 *
 * @param promptIds the prompt's token ids; not copied, so the caller hands over a private array
 * @param params how tokens are chosen and when generation stops
 * @param speculation the engine's kind of speculation to use it, or {@link Speculation#NONE} for plain decoding
 * @param future receives the result; the caller cancelling it drops the request
 * @param submittedNanos {@link System#nanoTime()} at submission
 */
public record GenerationRequest(int[] promptIds, SamplingParams params, Speculation speculation,
        CompletableFuture<GenerationResult> future, long submittedNanos) implements SchedulerRequest {

    public GenerationRequest {
        Objects.requireNonNull(promptIds, "promptIds");
        Objects.requireNonNull(params, "params");
        Objects.requireNonNull(speculation, "speculation");
        Objects.requireNonNull(future, "future");
    }
}
