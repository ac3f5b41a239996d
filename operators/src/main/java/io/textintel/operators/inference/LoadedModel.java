package io.textintel.operators.inference;

import java.util.List;

/**
 * What an operator knows of a model it loaded: the revision it came from and its labels.
 *
 * @param revision the hub revision (or commit) the weights were loaded from; null for a local directory
 * @param labels the classifier's labels in id order; empty for a model without a classification head
 */
public record LoadedModel(String revision, List<String> labels) {

    public LoadedModel {
        labels = List.copyOf(labels);
    }
}
