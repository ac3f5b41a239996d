package io.textintel.operators.inference;

import java.io.Serializable;
import java.util.List;

/**
 * One example text of a few-shot tagging task with the labels it has (one for single-label tasks).
 *
 * @param text the example as a document would carry it
 * @param labels its labels, at least one
 */
public record LabelledExample(String text, List<String> labels) implements Serializable {

    public LabelledExample {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("example text is " + (text == null ? "missing" : "blank")
                    + ", expected the text of a document");
        }
        labels = List.copyOf(labels);
        if (labels.isEmpty()) {
            throw new IllegalArgumentException("example '" + abbreviate(text) + "' has no label, expected one");
        }
    }

    public LabelledExample(String text, String label) {
        this(text, List.of(label));
    }

    static String abbreviate(String text) {
        return text.length() <= 40 ? text : text.substring(0, 37) + "...";
    }
}
