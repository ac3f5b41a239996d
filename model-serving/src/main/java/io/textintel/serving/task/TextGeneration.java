package io.textintel.serving.task;

import io.textintel.serving.generate.FinishReason;
import java.util.Objects;

/**
 * One chat reply of a {@link DecoderTasks}.
 *
 * @param text the reply, special tokens left out
 * @param promptTokens tokens of the rendered chat prompt
 * @param outputTokens tokens generated, a closing stop token included
 * @param latencyMillis from submission to completion
 * @param draftProposed draft tokens proposed for this reply
 * @param draftAccepted draft tokens the model accepted
 * @param verifySteps the model's forward passes that verified draft tokens of this reply
 * @param reason why generation ended
 */
public record TextGeneration(String text, int promptTokens, int outputTokens, long latencyMillis,
        int draftProposed, int draftAccepted, int verifySteps, FinishReason reason) {

    public TextGeneration {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(reason, "reason");
    }
}
