package io.textintel.serving.model;

import io.textintel.serving.backend.Backend;
import io.textintel.serving.backend.LinearWeights;
import io.textintel.serving.tensor.Tensor;
import io.textintel.serving.weights.TensorInfo;
import io.textintel.serving.weights.WeightLoader;
import java.util.Arrays;
import java.util.List;

/**
 * Reads a checkpoint's tensors onto the heap with the shapes the model expects, and hands linear
 * layers to the backend to prepare. Every mismatch names the tensor, its shape and the expected one.
 */
final class CheckpointTensors {

    private final WeightLoader weights;
    private final Backend backend;

    CheckpointTensors(WeightLoader weights, Backend backend) {
        this.weights = weights;
        this.backend = backend;
    }

    boolean contains(String name) {
        return weights.contains(name);
    }

    /** The tensor {@code name}, which must have shape {@code [rows, cols]}. */
    Tensor matrix(String name, int rows, int cols) {
        requireShape(name, rows, cols);
        return Tensor.of(weights.readFloats(name), rows, cols);
    }

    /** The tensor {@code name}, which must have shape {@code [length]}. */
    Tensor vector(String name, int length) {
        requireShape(name, length);
        return Tensor.of(weights.readFloats(name), length);
    }

    /** The number of rows of the 2-D tensor {@code name}. */
    int rows(String name) {
        TensorInfo info = info(name);
        if (info.rank() != 2) {
            throw new IllegalArgumentException(
                    "tensor " + name + " has shape " + Arrays.toString(info.shape()) + ", expected [out, in]");
        }
        return (int) info.dim(0);
    }

    /** The linear layer {@code base.weight} {@code [out, in]} and {@code base.bias} {@code [out]}, prepared. */
    LinearWeights linear(String base, int out, int in) {
        return backend.prepareLinear(matrix(base + ".weight", out, in), vector(base + ".bias", out));
    }

    /**
     * Several linear layers of the same input stacked into one, outputs side by side: one matmul
     * instead of several (used for the query, key and value projections).
     */
    LinearWeights stackedLinear(List<String> bases, int outEach, int in) {
        float[] weight = new float[bases.size() * outEach * in];
        float[] bias = new float[bases.size() * outEach];
        for (int i = 0; i < bases.size(); i++) {
            System.arraycopy(matrix(bases.get(i) + ".weight", outEach, in).data(), 0, weight, i * outEach * in,
                    outEach * in);
            System.arraycopy(vector(bases.get(i) + ".bias", outEach).data(), 0, bias, i * outEach, outEach);
        }
        return backend.prepareLinear(Tensor.of(weight, bases.size() * outEach, in), Tensor.of(bias, bases.size() * outEach));
    }

    /**
     * The LayerNorm {@code base}: its scale and shift, named {@code weight}/{@code bias} or, in
     * checkpoints converted from TensorFlow, {@code gamma}/{@code beta}.
     */
    Tensor[] layerNorm(String base, int length) {
        if (!weights.contains(base + ".weight") && weights.contains(base + ".gamma")) {
            return new Tensor[] {vector(base + ".gamma", length), vector(base + ".beta", length)};
        }
        return new Tensor[] {vector(base + ".weight", length), vector(base + ".bias", length)};
    }

    private void requireShape(String name, long... expected) {
        TensorInfo info = info(name);
        if (!info.hasShape(expected)) {
            throw new IllegalArgumentException("tensor " + name + " has shape " + Arrays.toString(info.shape())
                    + ", expected " + Arrays.toString(expected));
        }
    }

    private TensorInfo info(String name) {
        if (!weights.contains(name)) {
            throw new IllegalArgumentException("checkpoint has no tensor " + name + ", expected it for this model");
        }
        return weights.info(name);
    }
}
