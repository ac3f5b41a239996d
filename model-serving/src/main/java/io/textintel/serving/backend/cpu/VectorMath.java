package io.textintel.serving.backend.cpu;

import io.textintel.serving.backend.Activation;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Activations on whole vectors for the Vector API kernels: the same formulas as {@link FastMath}
 * (exact GELU through the Abramowitz &amp; Stegun 7.1.26 erf, within 1.5e-7), with {@code exp} and
 * {@code tanh} from the Vector API's lane-wise operators (SVML on x86).
 */
final class VectorMath {

    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

    private static final float INV_SQRT2 = (float) (1.0 / Math.sqrt(2.0));
    private static final float SQRT_2_OVER_PI = (float) Math.sqrt(2.0 / Math.PI);
    private static final float P = 0.3275911f;
    private static final float A1 = 0.254829592f;
    private static final float A2 = -0.284496736f;
    private static final float A3 = 1.421413741f;
    private static final float A4 = -1.453152027f;
    private static final float A5 = 1.061405429f;

    private VectorMath() {}

    /** Applies {@code activation} to {@code data[from .. to)} in place. */
    static void activate(Activation activation, float[] data, int from, int to) {
        if (activation == Activation.NONE) {
            return;
        }
        int i = from;
        int bound = from + SPECIES.loopBound(to - from);
        if (activation == Activation.GELU) {
            // its own loop, so that C2 inlines gelu rather than passing boxed vectors to activate
            for (; i < bound; i += SPECIES.length()) {
                gelu(FloatVector.fromArray(SPECIES, data, i)).intoArray(data, i);
            }
        } else {
            for (; i < bound; i += SPECIES.length()) {
                activate(activation, FloatVector.fromArray(SPECIES, data, i)).intoArray(data, i);
            }
        }
        FastMath.activate(activation, data, i, to);
    }

    /** {@code activation} applied to every lane of {@code x}. */
    static FloatVector activate(Activation activation, FloatVector x) {
        switch (activation) {
            case NONE:
                return x;
            case GELU:
                return gelu(x);
            case GELU_TANH: {
                FloatVector inner = x.mul(x).mul(x).mul(0.044715f).add(x).mul(SQRT_2_OVER_PI);
                return inner.lanewise(VectorOperators.TANH).add(1f).mul(x).mul(0.5f);
            }
            case RELU:
                return x.max(0f);
            case TANH:
                return x.lanewise(VectorOperators.TANH);
            case SIGMOID:
                return FloatVector.broadcast(SPECIES, 1f).div(x.neg().lanewise(VectorOperators.EXP).add(1f));
            default:
                throw new IllegalArgumentException("unsupported activation " + activation);
        }
    }

    /**
     * One row of {@code LayerNorm(x + residual) * gamma + beta}, as
     * {@link DenseKernels#layerNormRow}: sums in sixteen (or eight) float lanes, each of a few
     * dozen values for BERT widths, then reduced; a centred second pass for the variance.
     */
    static void layerNormRow(float[] x, float[] residual, int offset, int cols, float[] gamma, float[] beta,
            float epsilon, float[] out) {
        float[] sum = new float[cols];
        int bound = SPECIES.loopBound(cols);
        int lanes = SPECIES.length();
        FloatVector totals = FloatVector.zero(SPECIES);
        int c = 0;
        for (; c < bound; c += lanes) {
            FloatVector v = FloatVector.fromArray(SPECIES, x, offset + c);
            if (residual != null) {
                v = v.add(FloatVector.fromArray(SPECIES, residual, offset + c));
            }
            v.intoArray(sum, c);
            totals = totals.add(v);
        }
        float total = totals.reduceLanes(VectorOperators.ADD);
        for (; c < cols; c++) {
            sum[c] = residual == null ? x[offset + c] : x[offset + c] + residual[offset + c];
            total += sum[c];
        }
        float mean = total / cols;
        FloatVector squares = FloatVector.zero(SPECIES);
        for (c = 0; c < bound; c += lanes) {
            FloatVector centred = FloatVector.fromArray(SPECIES, sum, c).sub(mean);
            squares = centred.fma(centred, squares);
        }
        float variance = squares.reduceLanes(VectorOperators.ADD);
        for (; c < cols; c++) {
            variance += (sum[c] - mean) * (sum[c] - mean);
        }
        float scale = (float) (1.0 / Math.sqrt((double) variance / cols + epsilon));
        for (c = 0; c < bound; c += lanes) {
            FloatVector normalised = FloatVector.fromArray(SPECIES, sum, c).sub(mean).mul(scale);
            normalised.fma(FloatVector.fromArray(SPECIES, gamma, c), FloatVector.fromArray(SPECIES, beta, c))
                    .intoArray(out, offset + c);
        }
        for (; c < cols; c++) {
            out[offset + c] = (sum[c] - mean) * scale * gamma[c] + beta[c];
        }
    }

    /** {@code 0.5 x (1 + erf(x / sqrt 2))}. */
    static FloatVector gelu(FloatVector x) {
        FloatVector a = x.abs().mul(INV_SQRT2);
        FloatVector t = FloatVector.broadcast(SPECIES, 1f).div(a.fma(P, 1f));
        // Horner: ((((A5 t + A4) t + A3) t + A2) t + A1) t, where v.fma(s, c) is v * s + c
        FloatVector polynomial = t.fma(A5, A4);
        polynomial = polynomial.mul(t).add(A3);
        polynomial = polynomial.mul(t).add(A2);
        polynomial = polynomial.mul(t).add(A1).mul(t);
        FloatVector erfAbs = polynomial.mul(a.mul(a).neg().lanewise(VectorOperators.EXP)).neg().add(1f);
        VectorMask<Float> negative = x.lt(0f);
        FloatVector erf = erfAbs.blend(erfAbs.neg(), negative);
        return erf.add(1f).mul(x).mul(0.5f);
    }
}
