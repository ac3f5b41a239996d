package io.textintel.serving.model.decoder;

import io.textintel.serving.backend.cpu.RotaryKernel;
import io.textintel.serving.config.DecoderConfig;
import io.textintel.serving.config.RopeScaling;

/**
 * Rotary position embeddings as transformers computes them for Llama, Mistral and Qwen2: the
 * "rotate half" layout (dimension {@code i} pairs with {@code i + headDim/2}), inverse frequencies
 * {@code theta^(-2i/headDim)}, reshaped by the config's {@link RopeScaling} (linear, dynamic NTK,
 * llama3 bands, YaRN).
 *
 * <p>Frequencies depend on the sequence length only under dynamic scaling; as in transformers,
 * positions already in the KV cache keep the rotation they were written with. Immutable.
 */
public final class RotaryEmbedding {

    /** YaRN's defaults for the rotation counts that bound the interpolated band. */
    static final double YARN_BETA_FAST = 32;
    static final double YARN_BETA_SLOW = 1;

    private final int headDim;
    private final double theta;
    private final RopeScaling scaling; // null = none
    private final double[] staticInverseFrequencies; // [headDim / 2]; null under dynamic scaling
    private final double attentionFactor;

    public RotaryEmbedding(int headDim, double theta, RopeScaling scaling) {
        if (headDim <= 0 || headDim % 2 != 0) {
            throw new IllegalArgumentException("rotary headDim " + headDim + ", expected an even size > 0");
        }
        this.headDim = headDim;
        this.theta = theta;
        this.scaling = scaling;
        this.staticInverseFrequencies = scaling != null && scaling.type().equals("dynamic")
                ? null : computeStatic();
        this.attentionFactor = scaling != null && scaling.type().equals("yarn") && scaling.factor() > 1
                ? 0.1 * Math.log(scaling.factor()) + 1.0
                : 1.0;
    }

    /** The rotary embedding a decoder config asks for. */
    public static RotaryEmbedding of(DecoderConfig config) {
        return new RotaryEmbedding(config.headDim(), config.ropeTheta(), config.ropeScaling());
    }

    /** The factor cos and sin are multiplied by: YaRN's attention temperature, else 1. */
    public double attentionFactor() {
        return attentionFactor;
    }

    /**
     * The inverse frequencies {@code [headDim / 2]} for a sequence of {@code sequenceLength}
     * positions (the length matters only under dynamic scaling). The caller must not modify them.
     */
    public double[] inverseFrequencies(int sequenceLength) {
        if (staticInverseFrequencies != null) {
            return staticInverseFrequencies;
        }
        // dynamic NTK: the base grows once the sequence outgrows the trained context
        int original = scaling.originalMaxPositionEmbeddings();
        double length = Math.max(sequenceLength, original);
        double factor = scaling.factor();
        double base = theta * Math.pow(factor * length / original - (factor - 1), headDim / (headDim - 2.0));
        return plain(base);
    }

    /**
     * Rotates {@code heads} heads of one token in place.
     *
     * @param x {@code [.., heads * headDim]}: the token's row starts at {@code offset}
     * @param inverseFrequencies {@code [headDim / 2]} from {@link #inverseFrequencies(int)}
     */
    public void rotate(float[] x, int offset, int heads, int position, double[] inverseFrequencies) {
        RotaryKernel.rotate(x, offset, heads, headDim, position, inverseFrequencies, attentionFactor);
    }

    private double[] computeStatic() {
        double[] inverse = plain(theta);
        if (scaling == null) {
            return inverse;
        }
        return switch (scaling.type()) {
            case "linear" -> divide(inverse, scaling.factor());
            case "llama3" -> llama3(inverse);
            case "yarn" -> yarn();
            default -> throw new IllegalStateException("rope scaling " + scaling.type()
                    + " passed RopeScaling's check but has no frequencies. This is a bug.");
        };
    }

    /** {@code base^(-2i/headDim)} for i in [0, headDim/2). */
    private double[] plain(double base) {
        double[] inverse = new double[headDim / 2];
        for (int i = 0; i < inverse.length; i++) {
            inverse[i] = 1.0 / Math.pow(base, (2.0 * i) / headDim);
        }
        return inverse;
    }

    private static double[] divide(double[] values, double by) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i] / by;
        }
        return out;
    }

    /** Llama 3.1: long wavelengths interpolated by the factor, short ones kept, a smooth band between. */
    private double[] llama3(double[] inverse) {
        double factor = scaling.factor();
        double low = scaling.lowFreqFactor();
        double high = scaling.highFreqFactor();
        double context = scaling.originalMaxPositionEmbeddings();
        double lowFreqWavelength = context / low;
        double highFreqWavelength = context / high;
        double[] out = new double[inverse.length];
        for (int i = 0; i < inverse.length; i++) {
            double wavelength = 2 * Math.PI / inverse[i];
            if (wavelength < highFreqWavelength) {
                out[i] = inverse[i];
            } else if (wavelength > lowFreqWavelength) {
                out[i] = inverse[i] / factor;
            } else {
                double smooth = (context / wavelength - low) / (high - low);
                out[i] = (1 - smooth) * inverse[i] / factor + smooth * inverse[i];
            }
        }
        return out;
    }

    /** YaRN: interpolation for dimensions below a rotation count, extrapolation above, a linear ramp between. */
    private double[] yarn() {
        double factor = scaling.factor();
        int original = scaling.originalMaxPositionEmbeddings();
        double low = Math.max(Math.floor(correctionDim(YARN_BETA_FAST, original)), 0);
        double high = Math.min(Math.ceil(correctionDim(YARN_BETA_SLOW, original)), headDim - 1);
        if (low == high) {
            high += 0.001;
        }
        double[] out = new double[headDim / 2];
        for (int i = 0; i < out.length; i++) {
            double posFreq = Math.pow(theta, (2.0 * i) / headDim);
            double extrapolation = 1.0 / posFreq;
            double interpolation = 1.0 / (factor * posFreq);
            double ramp = Math.min(1, Math.max(0, (i - low) / (high - low)));
            double extrapolationWeight = 1 - ramp;
            out[i] = interpolation * (1 - extrapolationWeight) + extrapolation * extrapolationWeight;
        }
        return out;
    }

    /** The dimension whose wavelength fits {@code rotations} times into the original context. */
    private double correctionDim(double rotations, int original) {
        return headDim * Math.log(original / (rotations * 2 * Math.PI)) / (2 * Math.log(theta));
    }
}
