package io.textintel.serving.backend.cpu;

import io.textintel.serving.backend.LinearWeights;
import io.textintel.serving.tensor.Tensor;
import java.util.Arrays;
import java.util.Objects;

/**
 * A linear layer's parameters packed for a register-blocked micro-kernel: the output columns cut
 * into panels of {@code panelWidth} columns, each panel stored as its own {@code [in, panelWidth]}
 * block, so that the kernel reads one panel row per reduction step from consecutive memory. The
 * last panel and the bias are padded with zeros to whole panels.
 */
final class PackedLinear implements LinearWeights {

    private final float[] panels; // [panelCount, in, panelWidth]
    private final float[] bias; // [panelCount * panelWidth], zeros past out and when the layer has none
    private final int in;
    private final int out;
    private final int panelWidth;

    PackedLinear(Tensor weight, Tensor bias, int panelWidth) {
        Objects.requireNonNull(weight, "weight");
        if (weight.rank() != 2) {
            throw new IllegalArgumentException(
                    "linear weight has shape " + Arrays.toString(weight.shape()) + ", expected [out, in]");
        }
        this.out = weight.dim(0);
        this.in = weight.dim(1);
        this.panelWidth = panelWidth;
        if (bias != null) {
            ShapeChecks.requireVector("bias", bias, out);
        }
        int panelCount = (out + panelWidth - 1) / panelWidth;
        float[] w = weight.data(); // [out, in]
        this.panels = new float[panelCount * in * panelWidth];
        for (int o = 0; o < out; o++) {
            int panelBase = (o / panelWidth) * in * panelWidth + o % panelWidth;
            for (int k = 0; k < in; k++) {
                panels[panelBase + k * panelWidth] = w[o * in + k];
            }
        }
        this.bias = new float[panelCount * panelWidth];
        if (bias != null) {
            System.arraycopy(bias.data(), 0, this.bias, 0, out);
        }
    }

    static PackedLinear cast(LinearWeights weights, int panelWidth) {
        if (!(weights instanceof PackedLinear) || ((PackedLinear) weights).panelWidth != panelWidth) {
            throw new IllegalArgumentException("linear weights " + weights.getClass().getName()
                    + " were not prepared by the cpu backend's vector kernels, expected its own prepareLinear result");
        }
        return (PackedLinear) weights;
    }

    float[] panels() {
        return panels;
    }

    float[] bias() {
        return bias;
    }

    int panelWidth() {
        return panelWidth;
    }

    int panelCount() {
        return bias.length / panelWidth;
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
