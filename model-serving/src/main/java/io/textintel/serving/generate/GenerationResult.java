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
 */
public record GenerationResult(int[] tokens, FinishReason reason, int promptTokens, long latencyNanos,
        int draftProposed, int draftAccepted) {

    public GenerationResult {
        Objects.requireNonNull(tokens, "tokens");
        Objects.requireNonNull(reason, "reason");
    }

    /** Accepted over proposed draft tokens; 0 when none were proposed. */
    public double acceptanceRate() {
        return draftProposed == 0 ? 0.0 : (double) draftAccepted / draftProposed;
    }

    /** Generated tokens per second of latency. */
    public double tokensPerSecond() {
        return latencyNanos <= 0 ? 0.0 : tokens.length * 1e9 / latencyNanos;
    }
}
