package io.textintel.serving.backend.cpu;

import io.textintel.serving.backend.DecoderOps;
import io.textintel.serving.backend.WeightFormat;
import io.textintel.serving.backend.WeightMatrix;

/**
 * A bf16 or int8 linear layer packed for {@link FastDecoderOps}: the output columns cut into
 * panels of {@code panelWidth} columns, each stored as its own {@code [in, panelWidth]} block (as
 * {@link PackedLinear} does for f32), so a kernel reads one panel row per reduction step from
 * consecutive memory. A panel width of 1 is plain row-major {@code [out, in]}. The last panel, the
 * bias and the scales are padded with zeros; the value arrays carry {@value #SLACK} elements more,
 * so a vector load of a narrower type than the float lanes may read past the last panel.
 */
final class QuantizedLinear implements DecoderOps.Linear {

    static final int SLACK = 64;

    private final WeightFormat format;
    private final short[] bf16; // [panelCount, in, panelWidth] + SLACK, or null
    private final byte[] int8; // [panelCount, in, panelWidth] + SLACK, or null
    private final float[] scales; // [panelCount * panelWidth]: int8's per-channel scales, zeros past out; or null
    private final float[] bias; // [panelCount * panelWidth], zeros past out and when the layer has none
    private final int out;
    private final int in;
    private final int panelWidth;

    QuantizedLinear(WeightMatrix weight, float[] bias, int panelWidth) {
        this.format = weight.format();
        this.out = weight.out();
        this.in = weight.in();
        this.panelWidth = panelWidth;
        int panelCount = (out + panelWidth - 1) / panelWidth;
        int size = panelCount * in * panelWidth + SLACK;
        this.bias = new float[panelCount * panelWidth];
        if (bias != null) {
            System.arraycopy(bias, 0, this.bias, 0, out);
        }
        if (weight instanceof WeightMatrix.Bf16 b) {
            this.bf16 = new short[size];
            this.int8 = null;
            this.scales = null;
            short[] bits = b.bits();
            for (int o = 0; o < out; o++) {
                int base = panelBase(o);
                for (int k = 0; k < in; k++) {
                    bf16[base + k * panelWidth] = bits[o * in + k];
                }
            }
        } else if (weight instanceof WeightMatrix.Int8 q) {
            this.bf16 = null;
            this.int8 = new byte[size];
            this.scales = new float[panelCount * panelWidth];
            System.arraycopy(q.scales(), 0, scales, 0, out);
            byte[] values = q.values();
            for (int o = 0; o < out; o++) {
                int base = panelBase(o);
                for (int k = 0; k < in; k++) {
                    int8[base + k * panelWidth] = values[o * in + k];
                }
            }
        } else {
            throw new IllegalArgumentException("weight of format " + weight.format()
                    + " is not packed here, expected bf16 or int8 (f32 goes to PackedLinear)");
        }
    }

    private int panelBase(int o) {
        return (o / panelWidth) * in * panelWidth + o % panelWidth;
    }

    WeightFormat format() {
        return format;
    }

    short[] bf16() {
        return bf16;
    }

    byte[] int8() {
        return int8;
    }

    float[] scales() {
        return scales;
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
