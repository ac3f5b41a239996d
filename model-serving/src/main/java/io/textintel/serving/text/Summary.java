package io.textintel.serving.text;

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
 */
public record Summary(String text, int inputTokens, int outputTokens, long latencyMillis, int chunks,
        int draftProposed, int draftAccepted) {

    public Summary {
        Objects.requireNonNull(text, "text");
    }
}
