package io.textintel.serving.model;

import io.textintel.serving.backend.Activation;
import io.textintel.serving.backend.Backend;
import io.textintel.serving.backend.LinearWeights;
import io.textintel.serving.config.EncoderConfig;
import io.textintel.serving.config.PoolingMode;
import io.textintel.serving.tensor.SequenceSpans;
import io.textintel.serving.tensor.Tensor;
import io.textintel.serving.weights.WeightLoader;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The classification head of a {@code *ForSequenceClassification} checkpoint: the first token's
 * state through a dense layer and an activation, then the classifier, then softmax (or a sigmoid
 * per label for {@code multi_label_classification}).
 *
 * <ul>
 *   <li>BERT: {@code <prefix>pooler.dense} + tanh, then {@code classifier}.
 *   <li>RoBERTa / XLM-R: {@code classifier.dense} + tanh, then {@code classifier.out_proj}.
 *   <li>DistilBERT: {@code pre_classifier} + ReLU, then {@code classifier}.
 * </ul>
 */
public final class SequenceClassificationHead {

    private final Backend backend;
    private final LinearWeights dense; // [hidden] -> [hidden]
    private final Activation denseActivation;
    private final LinearWeights classifier; // [hidden] -> [labels]
    private final List<String> labels;
    private final boolean multiLabel;

    private SequenceClassificationHead(Backend backend, LinearWeights dense, Activation denseActivation,
            LinearWeights classifier, List<String> labels, boolean multiLabel) {
        this.backend = backend;
        this.dense = dense;
        this.denseActivation = denseActivation;
        this.classifier = classifier;
        this.labels = List.copyOf(labels);
        this.multiLabel = multiLabel;
    }

    /**
     * Reads the head from a checkpoint.
     *
     * @return empty when the checkpoint has no classifier tensors
     * @throws IllegalArgumentException if the head is incomplete or disagrees with {@code id2label}
     */
    public static Optional<SequenceClassificationHead> load(EncoderConfig config, WeightLoader weights, Backend backend) {
        CheckpointTensors tensors = new CheckpointTensors(weights, backend);
        EncoderTensorNames names = EncoderTensorNames.detect(config, weights);
        int hidden = config.hiddenSize();
        String denseName;
        String classifierName;
        Activation activation;
        if (weights.contains("classifier.out_proj.weight")) {
            denseName = "classifier.dense";
            classifierName = "classifier.out_proj";
            activation = Activation.TANH;
        } else if (weights.contains("pre_classifier.weight")) {
            denseName = "pre_classifier";
            classifierName = "classifier";
            activation = Activation.RELU;
        } else if (weights.contains("classifier.weight")) {
            denseName = names.pooler();
            classifierName = "classifier";
            activation = Activation.TANH;
            if (!weights.contains(denseName + ".weight")) {
                throw new IllegalArgumentException("checkpoint has classifier.weight but no " + denseName
                        + ".weight, expected the BERT pooler that feeds the classifier");
            }
        } else {
            return Optional.empty();
        }
        int labelCount = tensors.rows(classifierName + ".weight");
        List<String> labels = config.labels();
        if (labels.isEmpty()) {
            labels = new ArrayList<>();
            for (int i = 0; i < labelCount; i++) {
                labels.add("LABEL_" + i); // what transformers names labels when config.json has none
            }
        } else if (labels.size() != labelCount) {
            throw new IllegalArgumentException("config.json: id2label has " + labels.size() + " labels, but "
                    + classifierName + ".weight has " + labelCount + " rows; expected them to agree");
        }
        return Optional.of(new SequenceClassificationHead(backend, tensors.linear(denseName, hidden, hidden), activation,
                tensors.linear(classifierName, labelCount, hidden), labels, config.multiLabel()));
    }

    /** The label names, index = label id. */
    public List<String> labels() {
        return labels;
    }

    /** Whether scores are independent sigmoids rather than one softmax. */
    public boolean multiLabel() {
        return multiLabel;
    }

    /**
     * Scores each sequence of a batch.
     *
     * @param hidden the encoder's output, {@code [rows, hidden]}
     * @return {@code [sequences, labels]}: softmax probabilities, or sigmoids for multi-label
     */
    public Tensor classify(Tensor hidden, SequenceSpans spans) {
        int count = spans.count();
        Tensor first = Tensor.zeros(count, hidden.cols()); // [sequences, hidden]: [CLS] / <s>
        backend.pool(hidden, spans, PoolingMode.CLS, false, first);
        Tensor pooled = Tensor.zeros(count, hidden.cols()); // [sequences, hidden]
        backend.linear(first, dense, denseActivation, pooled);
        Tensor scores = Tensor.zeros(count, labels.size()); // [sequences, labels]
        backend.linear(pooled, classifier, multiLabel ? Activation.SIGMOID : Activation.NONE, scores);
        if (!multiLabel) {
            backend.softmax(scores);
        }
        return scores;
    }
}
