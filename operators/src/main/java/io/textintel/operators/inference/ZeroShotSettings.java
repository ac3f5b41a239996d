package io.textintel.operators.inference;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The settings of a {@link TaskKind#ZERO_SHOT_TAG} task: its labels, the descriptions whose
 * embeddings stand for them, and how similarities become scores.
 *
 * <p>Scores: a label's similarity is the cosine between the text's embedding and the centroid of the
 * embeddings of its descriptions, the label's own name (with {@code _} as space) always among them.
 * Single-label, the scores are a softmax over the labels of similarity /
 * {@code temperature}: they sum to 1 and {@code min-score} is a share of that. Multi-label, each
 * label's score is its similarity clipped to [0, 1], on its own: {@code min-score} is then a cosine
 * threshold.
 *
 * @param labels the label names, in configuration order
 * @param descriptions per label (same order) its descriptions, starting with its name with {@code _}
 *     as space, which is added where the configuration did not write it
 * @param labelPrefix prepended to every description before tokenization (e.g. an instruction some
 *     embedders expect); empty for none
 * @param temperature divides the cosines before the softmax; small values sharpen the scores
 * @param multiLabel whether labels are scored independently (see above)
 */
public record ZeroShotSettings(List<String> labels, List<List<String>> descriptions, String labelPrefix,
        float temperature, boolean multiLabel) implements TaskOptions {

    /** The temperature when none is configured: cosines 0.05 apart differ by a factor e in score. */
    public static final float DEFAULT_TEMPERATURE = 0.05f;

    public ZeroShotSettings {
        labels = List.copyOf(labels);
        labelPrefix = labelPrefix == null ? "" : labelPrefix;
        if (labels.isEmpty()) {
            throw new IllegalArgumentException("labels are empty, expected at least two labels");
        }
        if (labels.size() < 2 && !multiLabel) {
            throw new IllegalArgumentException("labels has one label, expected at least two (single-label scores"
                    + " compare labels) or multi-label: true");
        }
        if (descriptions.size() != labels.size()) {
            throw new IllegalArgumentException("labels has " + labels.size() + " labels but " + descriptions.size()
                    + " description lists, expected one per label");
        }
        Set<String> seen = new HashSet<>();
        List<List<String>> resolved = new ArrayList<>(labels.size());
        for (int i = 0; i < labels.size(); i++) {
            String label = labels.get(i);
            if (label == null || label.isBlank()) {
                throw new IllegalArgumentException("labels contain a blank label, expected names");
            }
            if (!seen.add(label)) {
                throw new IllegalArgumentException("labels contain '" + label + "' twice, expected distinct labels");
            }
            List<String> own = descriptions.get(i) == null ? List.of() : List.copyOf(descriptions.get(i));
            for (String description : own) {
                if (description.isBlank()) {
                    throw new IllegalArgumentException("label '" + label + "' has a blank description, expected words");
                }
            }
            String name = label.replace('_', ' ');
            List<String> withName = new ArrayList<>(own.size() + 1);
            withName.add(name);
            own.stream().filter(description -> !description.equals(name)).forEach(withName::add);
            resolved.add(List.copyOf(withName));
        }
        descriptions = List.copyOf(resolved);
        if (!(temperature > 0f) || Float.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature is " + temperature
                    + ", expected a number > 0 (e.g. " + DEFAULT_TEMPERATURE + ")");
        }
    }

    /** Labels described by their names, single-label, at the default temperature. */
    public static ZeroShotSettings ofLabels(List<String> labels) {
        return new ZeroShotSettings(labels, labels.stream().<List<String>>map(label -> List.of()).toList(), "",
                DEFAULT_TEMPERATURE, false);
    }
}
