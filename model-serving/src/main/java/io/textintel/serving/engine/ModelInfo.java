package io.textintel.serving.engine;

import java.util.List;

/**
 * What an engine's model is and what it can compute.
 *
 * @param name the model's name (its directory name)
 * @param architecture the checkpoint's first {@code architectures} entry, or its {@code model_type}
 * @param hiddenSize the encoder's width
 * @param maxSequenceLength the longest input, special tokens included
 * @param embeddingDimension length of {@code embed} results; 0 if the model is not an embedder
 * @param labels label names in id order; empty if the model has no classification head
 */
public record ModelInfo(
        String name,
        String architecture,
        int hiddenSize,
        int maxSequenceLength,
        int embeddingDimension,
        List<String> labels) {

    public ModelInfo {
        labels = List.copyOf(labels);
    }

    /** Whether {@code embed} works. */
    public boolean embedder() {
        return embeddingDimension > 0;
    }

    /** Whether {@code classify} works. */
    public boolean classifier() {
        return !labels.isEmpty();
    }
}
