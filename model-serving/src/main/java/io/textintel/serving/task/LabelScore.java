package io.textintel.serving.task;

import java.util.Objects;

/**
 * A label and how probable the model finds it.
 *
 * @param label one of the configured labels
 * @param probability in [0, 1]; see {@link GenerativeTagger} for what it is in single- and multi-label mode
 */
public record LabelScore(String label, double probability) {

    public LabelScore {
        Objects.requireNonNull(label, "label");
        if (!(probability >= 0 && probability <= 1)) {
            throw new IllegalArgumentException("probability of label " + label + " is " + probability
                    + ", expected 0..1");
        }
    }
}
