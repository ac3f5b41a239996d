package io.textintel.serving.task;

import java.util.Objects;

/**
 * A summary and what it cost.
 *
 * @param text the summary
 * @param inputTokens tokens of the summarised text (without the instruction)
 * @param outputTokens tokens generated for the final summary
 * @param latencyMillis from the call to the summary
 * @param chunks pieces the input was split into: 1 when it fit the context at once
 * @param draftProposed draft tokens proposed over every generation of the summary
 * @param draftAccepted draft tokens accepted over every generation of the summary
 * @param verifySteps target forward passes that checked draft tokens, over every generation of the
 *     summary: each piece of every map-reduce round counts its own, so
 *     {@link #acceptedPerVerifyStep()} is the document's mean over all of them
 * @param summarizedTokens tokens of the text that were summarised: {@code inputTokens}, or less when
 *     the text was cut to {@link SummaryOptions#maxInputTokens()}
 */
public record Summary(String text, int inputTokens, int outputTokens, long latencyMillis, int chunks,
        int draftProposed, int draftAccepted, int verifySteps, int summarizedTokens) {

    /** A summary of the whole text: {@code summarizedTokens} is {@code inputTokens}. */
    public Summary(String text, int inputTokens, int outputTokens, long latencyMillis, int chunks,
            int draftProposed, int draftAccepted, int verifySteps) {
        this(text, inputTokens, outputTokens, latencyMillis, chunks, draftProposed, draftAccepted, verifySteps,
                inputTokens);
    }

    /** Whether the text was longer than the summary input cap and only its beginning was summarised. */
    public boolean inputCapped() {
        return summarizedTokens < inputTokens;
    }

    public Summary {
        Objects.requireNonNull(text, "text");
        if (draftAccepted < 0 || draftAccepted > draftProposed || verifySteps < 0 || verifySteps > draftProposed) {
            throw new IllegalArgumentException("summary accepted " + draftAccepted + " of " + draftProposed
                    + " draft tokens in " + verifySteps + " verify steps, expected 0 <= accepted <= proposed and"
                    + " 0 <= steps <= proposed (a step checks at least one draft token)");
        }
        if (summarizedTokens < 0 || summarizedTokens > inputTokens) {
            throw new IllegalArgumentException("summary read " + summarizedTokens + " of " + inputTokens
                    + " input tokens, expected 0 <= summarized <= input");
        }
    }

    /** Draft tokens accepted per verify step over the whole summary; 0 when nothing was verified. */
    public double acceptedPerVerifyStep() {
        return verifySteps == 0 ? 0.0 : (double) draftAccepted / verifySteps;
    }
}
