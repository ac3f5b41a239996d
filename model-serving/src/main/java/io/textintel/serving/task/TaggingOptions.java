package io.textintel.serving.task;

import java.io.Serializable;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What a {@link GenerativeTagger} chooses from and how.
 *
 * @param labels the label set, in the order the prompt lists them; distinct, not blank
 * @param multiLabel whether the model may name several labels ({@code a,b}), or exactly one
 * @param temperature for multi-label generation: 0 for greedy decoding, above 0 sampled with {@code seed}
 * @param topP nucleus mass of sampled generation, in (0, 1]
 * @param seed seed of sampled generation
 */
public record TaggingOptions(List<String> labels, boolean multiLabel, float temperature, float topP, long seed)
        implements Serializable {

    private static final long serialVersionUID = 1L;

    public TaggingOptions {
        if (labels == null || labels.isEmpty()) {
            throw new IllegalArgumentException("labels are empty, expected at least one label");
        }
        labels = List.copyOf(labels);
        Set<String> seen = new HashSet<>();
        for (String label : labels) {
            if (label.isBlank()) {
                throw new IllegalArgumentException("labels " + labels + " contain a blank label, expected words");
            }
            if (!seen.add(label.strip())) {
                throw new IllegalArgumentException("label '" + label + "' appears twice in " + labels
                        + ", expected distinct labels");
            }
        }
        if (!(temperature >= 0f) || Float.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature is " + temperature + ", expected a finite value >= 0");
        }
        if (!(topP > 0f && topP <= 1f)) {
            throw new IllegalArgumentException("top-p is " + topP + ", expected 0 < top-p <= 1");
        }
    }

    /** Greedy tagging over {@code labels}. */
    public static TaggingOptions greedy(List<String> labels, boolean multiLabel) {
        return new TaggingOptions(labels, multiLabel, 0f, 1f, 0L);
    }
}
