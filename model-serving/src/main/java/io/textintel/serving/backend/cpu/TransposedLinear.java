package io.textintel.serving.backend.cpu;

import io.textintel.serving.backend.LinearWeights;
import io.textintel.serving.tensor.Tensor;
import java.util.Arrays;
import java.util.Objects;

/**
 * A linear layer's parameters with the weight transposed to {@code [in, out]}, so that the
 * matmul's inner loop runs along contiguous output columns (an axpy, which C2 vectorises) rather
 * than along a dot product (a float reduction, which it does not).
 */
final class TransposedLinear implements LinearWeights {

    private final float[] weightT; // [in, out]
    private final float[] bias; // [out], zeros when the layer has none
    private final int in;
    private final int out;

    TransposedLinear(Tensor weight, Tensor bias) {
        Objects.requireNonNull(weight, "weight");
        if (weight.rank() != 2) {
            throw new IllegalArgumentException(
                    "linear weight has shape " + Arrays.toString(weight.shape()) + ", expected [out, in]");
        }
        this.out = weight.dim(0);
        this.in = weight.dim(1);
        if (bias != null) {
            ShapeChecks.requireVector("bias", bias, out);
        }
        float[] w = weight.data();
        this.weightT = new float[in * out];
        for (int o = 0; o < out; o++) {
            for (int k = 0; k < in; k++) {
                weightT[k * out + o] = w[o * in + k];
            }
        }
        this.bias = bias == null ? new float[out] : bias.toArray();
    }

    static TransposedLinear cast(LinearWeights weights) {
        if (!(weights instanceof TransposedLinear)) {
            throw new IllegalArgumentException("linear weights " + weights.getClass().getName()
                    + " were not prepared by the cpu backend's portable kernels, expected its own prepareLinear result");
        }
        return (TransposedLinear) weights;
    }

    float[] weightT() {
        return weightT;
    }

    float[] bias() {
        return bias;
    }

    @Override
    public int inFeatures() {
        return in;
    }

    @Override
    public int outFeatures() {
        return out;
    }
}
