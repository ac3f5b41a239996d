package io.textintel.operators.inference;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The settings of a {@link TaskKind#FEW_SHOT_TAG} task: the labelled examples its head is fitted on
 * when the operator opens, and the fit's regularisation.
 *
 * <p>The examples travel inside the task (they are read when the configuration is, see
 * {@link LabelledExamples}), so every TaskManager fits its head on the same examples, in the same
 * order, and so the same head.
 *
 * @param labels the labels, in the order they are scored; empty to take them from the examples in
 *     order of first appearance. When given, an example with another label is refused, and so is a
 *     label without examples.
 * @param examples the example texts with their labels
 * @param source where the examples were read from, for messages
 * @param regularization the L2 penalty λ of the fit (on unit-length embeddings; see
 *     {@code LogisticRegression})
 * @param multiLabel one independent (one-vs-rest) logistic regression per label instead of one
 *     softmax over the labels
 * @param minExamplesPerLabel fewest examples a label may have
 */
public record FewShotSettings(List<String> labels, List<LabelledExample> examples, String source,
        float regularization, boolean multiLabel, int minExamplesPerLabel) implements TaskOptions {

    public static final float DEFAULT_REGULARIZATION = 1e-3f;
    public static final int DEFAULT_MIN_EXAMPLES_PER_LABEL = 2;

    public FewShotSettings {
        examples = List.copyOf(examples);
        source = source == null ? "the configuration" : source;
        if (!(regularization > 0f) || Float.isInfinite(regularization)) {
            throw new IllegalArgumentException("regularization is " + regularization
                    + ", expected a number > 0 (e.g. " + DEFAULT_REGULARIZATION + ")");
        }
        if (minExamplesPerLabel < 1) {
            throw new IllegalArgumentException("min-examples-per-label is " + minExamplesPerLabel
                    + ", expected 1 or more");
        }
        if (examples.isEmpty()) {
            throw new IllegalArgumentException("examples in " + source + " are empty, expected labelled texts");
        }
        labels = resolveLabels(labels == null ? List.of() : labels, examples, source, multiLabel);
        checkCounts(labels, examples, source, minExamplesPerLabel);
    }

    private static List<String> resolveLabels(List<String> configured, List<LabelledExample> examples, String source,
            boolean multiLabel) {
        Set<String> declared = new LinkedHashSet<>();
        for (String label : configured) {
            if (label == null || label.isBlank()) {
                throw new IllegalArgumentException("labels contain a blank label, expected names");
            }
            if (!declared.add(label)) {
                throw new IllegalArgumentException("labels contain '" + label + "' twice, expected distinct labels");
            }
        }
        Set<String> seen = new LinkedHashSet<>();
        for (LabelledExample example : examples) {
            if (!multiLabel && example.labels().size() > 1) {
                throw new IllegalArgumentException("example '" + LabelledExample.abbreviate(example.text())
                        + "' in " + source + " has labels " + example.labels()
                        + ", expected one label (or multi-label: true)");
            }
            for (String label : example.labels()) {
                if (!declared.isEmpty() && !declared.contains(label)) {
                    throw new IllegalArgumentException("example '" + LabelledExample.abbreviate(example.text())
                            + "' in " + source + " has label '" + label + "', which is not among labels "
                            + declared + ", expected one of them");
                }
                seen.add(label);
            }
        }
        List<String> labels = List.copyOf(declared.isEmpty() ? seen : declared);
        if (labels.size() < 2 && !multiLabel) {
            throw new IllegalArgumentException("examples in " + source + " have only label " + labels
                    + ", expected at least two labels (or multi-label: true)");
        }
        return labels;
    }

    private static void checkCounts(List<String> labels, List<LabelledExample> examples, String source, int min) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        labels.forEach(label -> counts.put(label, 0));
        for (LabelledExample example : examples) {
            example.labels().forEach(label -> counts.merge(label, 1, Integer::sum));
        }
        List<String> tooFew = new ArrayList<>();
        counts.forEach((label, count) -> {
            if (count < min) {
                tooFew.add(label + " (" + count + ")");
            }
        });
        if (!tooFew.isEmpty()) {
            throw new IllegalArgumentException("examples in " + source + " have too few texts for labels "
                    + String.join(", ", tooFew) + ", expected at least " + min + " per label");
        }
    }

    /** Single-label settings at the default regularisation, labels in order of first appearance. */
    public static FewShotSettings of(List<LabelledExample> examples) {
        return new FewShotSettings(List.of(), examples, null, DEFAULT_REGULARIZATION, false,
                DEFAULT_MIN_EXAMPLES_PER_LABEL);
    }
}
