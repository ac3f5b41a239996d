package io.textintel.serving.generate;

import java.util.Objects;

/**
 * What one generation request produced.
 *
 * @param tokens the generated tokens (not the prompt), a stop token included
 * @param reason why generation ended
 * @param promptTokens tokens of the prompt
 * @param latencyNanos from submission to completion
 * @param draftProposed draft tokens the proposer offered for this request
 * @param draftAccepted draft tokens the target model accepted
 * @param verifySteps steps whose forward pass verified at least one draft token of this request
 */
public record GenerationResult(int[] tokens, FinishReason reason, int promptTokens, long latencyNanos,
        int draftProposed, int draftAccepted, int verifySteps) {

    public GenerationResult {
        Objects.requireNonNull(tokens, "tokens");
        Objects.requireNonNull(reason, "reason");
    }

    /** Accepted over proposed draft tokens; 0 when none were proposed. */
    public double acceptanceRate() {
        return draftProposed == 0 ? 0.0 : (double) draftAccepted / draftProposed;
    }

    /** Draft tokens accepted per verification step; 0 when nothing was verified. */
    public double acceptedPerVerifyStep() {
        return verifySteps == 0 ? 0.0 : (double) draftAccepted / verifySteps;
    }

    /** Generated tokens per second of latency. */
    public double tokensPerSecond() {
        return latencyNanos <= 0 ? 0.0 : tokens.length * 1e9 / latencyNanos;
    }
}
