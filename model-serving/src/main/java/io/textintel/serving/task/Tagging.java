package io.textintel.serving.task;

import java.util.List;
import java.util.Objects;

/**
 * The labels a {@link GenerativeTagger} gave one text, and what the work cost.
 *
 * @param labels the labels with their probabilities, best first
 * @param draftProposed draft tokens the draft model proposed for the constrained answer (0 without speculation)
 * @param draftAccepted of those, the ones the target accepted
 * @param verifySteps target passes that checked a proposal
 * @param targetPasses forward passes of the target model, the prompt's included
 */
public record Tagging(List<LabelScore> labels, int draftProposed, int draftAccepted, int verifySteps,
        int targetPasses) {

    public Tagging {
        labels = List.copyOf(Objects.requireNonNull(labels, "labels"));
        if (draftAccepted < 0 || draftAccepted > draftProposed || verifySteps < 0 || verifySteps > draftProposed
                || (verifySteps == 0) != (draftProposed == 0) || targetPasses < 1 + verifySteps) {
            throw new IllegalArgumentException("tagging accepted " + draftAccepted + " of " + draftProposed
                    + " draft tokens in " + verifySteps + " verify steps and " + targetPasses + " target passes,"
                    + " expected 0 <= accepted <= proposed, steps > 0 exactly when something was proposed,"
                    + " steps <= proposed, and passes >= 1 + steps (the prompt's and one per step)");
        }
    }

    /** Draft tokens accepted per verify step; 0 when nothing was verified. */
    public double acceptedPerVerifyStep() {
        return verifySteps == 0 ? 0.0 : (double) draftAccepted / verifySteps;
    }
}
