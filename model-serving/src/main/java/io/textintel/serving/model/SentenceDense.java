package io.textintel.serving.model;

import io.textintel.serving.backend.Activation;
import io.textintel.serving.backend.Backend;
import io.textintel.serving.backend.LinearWeights;
import io.textintel.serving.config.DenseConfig;
import io.textintel.serving.tensor.Tensor;
import io.textintel.serving.weights.CheckpointWeights;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A sentence-transformers {@code Dense} module ready to run: {@code activation(W · x + b)} over
 * pooled sentence vectors, its weights prepared on the backend.
 */
final class SentenceDense {

    private final LinearWeights linear; // [in] -> [out]
    private final Activation activation;
    private final int outFeatures;

    private SentenceDense(LinearWeights linear, Activation activation, int outFeatures) {
        this.linear = linear;
        this.activation = activation;
        this.outFeatures = outFeatures;
    }

    /**
     * Reads each module's {@code linear.weight} (and {@code linear.bias} where it has one) and
     * prepares them on {@code backend}.
     *
     * @throws UncheckedIOException if a weights file cannot be read
     * @throws IllegalArgumentException naming the tensor whose shape does not fit the module's config
     */
    static List<SentenceDense> load(List<DenseConfig> modules, Backend backend) {
        List<SentenceDense> loaded = new ArrayList<>();
        for (DenseConfig module : modules) {
            try (CheckpointWeights weights = CheckpointWeights.open(module.weights().getParent())) {
                CheckpointTensors tensors = new CheckpointTensors(weights, backend);
                Tensor weight = tensors.matrix("linear.weight", module.outFeatures(), module.inFeatures());
                Tensor bias = module.bias() ? tensors.vector("linear.bias", module.outFeatures()) : null;
                loaded.add(new SentenceDense(backend.prepareLinear(weight, bias), activation(module.activation()),
                        module.outFeatures()));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read Dense module weights " + module.weights(), e);
            }
        }
        return List.copyOf(loaded);
    }

    private static Activation activation(DenseConfig.DenseActivation activation) {
        return switch (activation) {
            case IDENTITY -> Activation.NONE;
            case TANH -> Activation.TANH;
            case RELU -> Activation.RELU;
            case GELU -> Activation.GELU;
            case SIGMOID -> Activation.SIGMOID;
        };
    }

    /** {@code activation(x · Wᵀ + b)}: {@code [sequences, in]} to a new {@code [sequences, out]}. */
    Tensor apply(Backend backend, Tensor x) {
        Tensor y = Tensor.zeros(x.rows(), outFeatures); // [sequences, out]
        backend.linear(x, linear, activation, y);
        return y;
    }
}
