package io.textintel.serving.generate;

/**
 * A snapshot of a generation scheduler's counters since it started.
 *
 * @param requests requests accepted
 * @param completed requests that finished with a result
 * @param cancelled requests dropped because their caller cancelled them
 * @param failed requests completed exceptionally (a failed forward pass, or close)
 * @param steps forward passes run
 * @param prefillTokens prompt (and recomputed) tokens computed
 * @param generatedTokens tokens generated
 * @param preemptions times a running sequence lost its KV blocks and was requeued to recompute
 * @param verifySteps sequence-steps that verified at least one draft token
 * @param draftProposed draft tokens proposed
 * @param draftAccepted draft tokens accepted
 * @param running sequences running now
 * @param waiting sequences waiting now
 * @param freeKvBlocks KV cache blocks free now
 * @param forwardNanos time spent in forward passes
 */
public record GenerationMetrics(long requests, long completed, long cancelled, long failed, long steps,
        long prefillTokens, long generatedTokens, long preemptions, long verifySteps, long draftProposed,
        long draftAccepted, int running, int waiting, int freeKvBlocks, long forwardNanos) {

    /** Accepted over proposed draft tokens; 0 when none were proposed. */
    public double acceptanceRate() {
        return draftProposed == 0 ? 0.0 : (double) draftAccepted / draftProposed;
    }

    /** Draft tokens accepted per verification step of one sequence. */
    public double acceptedPerVerifyStep() {
        return verifySteps == 0 ? 0.0 : (double) draftAccepted / verifySteps;
    }

    /** Generated tokens per second spent in forward passes. */
    public double tokensPerSecond() {
        return forwardNanos == 0 ? 0.0 : generatedTokens * 1e9 / forwardNanos;
    }
}
