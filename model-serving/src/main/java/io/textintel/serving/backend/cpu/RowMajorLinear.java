package io.textintel.serving.backend.cpu;

import io.textintel.serving.backend.Backend;
import io.textintel.serving.backend.LinearWeights;
import io.textintel.serving.tensor.Tensor;
import java.util.Arrays;
import java.util.Objects;

/** A linear layer's parameters kept as HF stores them: weight {@code [out, in]}, bias {@code [out]}. */
final class RowMajorLinear implements LinearWeights {

    private final float[] weight; // [out, in]
    private final float[] bias; // [out] or null
    private final int in;
    private final int out;

    RowMajorLinear(Tensor weight, Tensor bias) {
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
        this.weight = weight.toArray();
        this.bias = bias == null ? null : bias.toArray();
    }

    static RowMajorLinear cast(LinearWeights weights, Backend backend) {
        if (!(weights instanceof RowMajorLinear)) {
            throw new IllegalArgumentException("linear weights " + weights.getClass().getName()
                    + " were not prepared by " + backend.name() + ", expected its own prepareLinear result");
        }
        return (RowMajorLinear) weights;
    }

    float[] weight() {
        return weight;
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
