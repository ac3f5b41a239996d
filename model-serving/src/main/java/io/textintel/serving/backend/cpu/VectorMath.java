package io.textintel.serving.backend.cpu;

import io.textintel.serving.backend.Activation;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Activations on whole vectors for the Vector API kernels: the operations of {@link FastMath} lane
 * by lane, in the same order (exact GELU through the Abramowitz &amp; Stegun 7.1.26 erf, within
 * 1.5e-7), so that vector bodies and scalar tails give the same bits. {@code exp} and {@code tanh}
 * are {@link ReproducibleMath}'s, not the Vector API's {@code EXP} and {@code TANH}, whose
 * intrinsics differ by an ulp from their fallback code and so from one JIT tier to the next.
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
        int bound = from + SPECIES.loopBound(to - from);
        int lanes = SPECIES.length();
        // Each loop calls its function directly and the functions call the Vector API directly: C2 in
        // JDK 17 stops inlining 15 calls deep, and a Vector API call left out there no longer sees its
        // species as a constant, so every vector in the loop is boxed (five times slower GELU).
        switch (activation) {
            case NONE:
                return;
            case GELU:
                for (int i = from; i < bound; i += lanes) {
                    gelu(FloatVector.fromArray(SPECIES, data, i)).intoArray(data, i);
                }
                break;
            case GELU_TANH:
                for (int i = from; i < bound; i += lanes) {
                    FloatVector x = FloatVector.fromArray(SPECIES, data, i);
                    FloatVector inner = x.mul(x).mul(x).mul(0.044715f).add(x).mul(SQRT_2_OVER_PI);
                    tanh(inner).add(1f).mul(x).mul(0.5f).intoArray(data, i);
                }
                break;
            case RELU:
                for (int i = from; i < bound; i += lanes) {
                    FloatVector.fromArray(SPECIES, data, i).max(0f).intoArray(data, i);
                }
                break;
            case TANH:
                for (int i = from; i < bound; i += lanes) {
                    tanh(FloatVector.fromArray(SPECIES, data, i)).intoArray(data, i);
                }
                break;
            case SIGMOID:
                for (int i = from; i < bound; i += lanes) {
                    FloatVector e = exp(FloatVector.fromArray(SPECIES, data, i).neg());
                    FloatVector.broadcast(SPECIES, 1f).div(e.add(1f)).intoArray(data, i);
                }
                break;
            default:
                throw new IllegalArgumentException("unsupported activation " + activation);
        }
        FastMath.activate(activation, data, bound, to);
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

    /** {@code 0.5 x (1 + erf(x / sqrt 2))}, as {@link FastMath#gelu}. */
    static FloatVector gelu(FloatVector x) {
        FloatVector a = x.abs().mul(INV_SQRT2);
        FloatVector t = FloatVector.broadcast(SPECIES, 1f).div(a.fma(P, 1f));
        // Horner: ((((A5 t + A4) t + A3) t + A2) t + A1) t, where v.fma(s, c) is v * s + c
        FloatVector polynomial = t.fma(A5, A4);
        polynomial = polynomial.fma(t, FloatVector.broadcast(SPECIES, A3));
        polynomial = polynomial.fma(t, FloatVector.broadcast(SPECIES, A2));
        polynomial = polynomial.fma(t, FloatVector.broadcast(SPECIES, A1)).mul(t);
        FloatVector erfAbs = FloatVector.broadcast(SPECIES, 1f).sub(polynomial.mul(exp(a.mul(a).neg())));
        VectorMask<Float> negative = x.lt(0f);
        FloatVector erf = erfAbs.blend(erfAbs.neg(), negative);
        // NaN lanes keep their input NaN, as FastMath#gelu: a computed NaN's sign depends on operand order
        return erf.add(1f).mul(x).mul(0.5f).blend(x, x.test(VectorOperators.IS_NAN));
    }

    /** {@code e^x} in every lane, bit for bit {@link ReproducibleMath#exp}. */
    static FloatVector exp(FloatVector x) {
        FloatVector clamped = x.max(ReproducibleMath.EXP_MIN).min(ReproducibleMath.EXP_MAX);
        FloatVector shifted = clamped.fma(ReproducibleMath.LOG2E, ReproducibleMath.ROUND);
        FloatVector k = shifted.sub(ReproducibleMath.ROUND);
        FloatVector r = k.fma(FloatVector.broadcast(SPECIES, -ReproducibleMath.LN2_HI), clamped);
        r = k.fma(FloatVector.broadcast(SPECIES, -ReproducibleMath.LN2_LO), r);
        FloatVector p = r.fma(ReproducibleMath.E7, ReproducibleMath.E6);
        p = p.fma(r, FloatVector.broadcast(SPECIES, ReproducibleMath.E5));
        p = p.fma(r, FloatVector.broadcast(SPECIES, ReproducibleMath.E4));
        p = p.fma(r, FloatVector.broadcast(SPECIES, ReproducibleMath.E3));
        p = p.fma(r, FloatVector.broadcast(SPECIES, ReproducibleMath.E2));
        p = p.fma(r.mul(r), r);
        FloatVector mantissa = p.add(1f);
        IntVector ki = shifted.viewAsIntegralLanes().sub(ReproducibleMath.ROUND_BITS);
        IntVector h = ki.lanewise(VectorOperators.ASHR, 1);
        FloatVector low = h.add(127).lanewise(VectorOperators.LSHL, 23).viewAsFloatingLanes();
        FloatVector high = ki.sub(h).add(127).lanewise(VectorOperators.LSHL, 23).viewAsFloatingLanes();
        return mantissa.mul(low).mul(high);
    }

    /** {@code tanh x} in every lane, bit for bit {@link ReproducibleMath#tanh}. */
    static FloatVector tanh(FloatVector x) {
        FloatVector a = x.abs();
        FloatVector z = a.mul(a);
        FloatVector p = z.fma(ReproducibleMath.T9, ReproducibleMath.T7);
        p = p.fma(z, FloatVector.broadcast(SPECIES, ReproducibleMath.T5));
        p = p.fma(z, FloatVector.broadcast(SPECIES, ReproducibleMath.T3));
        p = p.fma(z, FloatVector.broadcast(SPECIES, ReproducibleMath.T1));
        FloatVector small = p.mul(z).fma(a, a);
        FloatVector two = FloatVector.broadcast(SPECIES, 2f);
        FloatVector large = FloatVector.broadcast(SPECIES, 1f).sub(two.div(exp(a.add(a)).add(1f)));
        FloatVector magnitude = large.blend(small, a.lt(ReproducibleMath.TANH_SMALL));
        IntVector sign = x.viewAsIntegralLanes().and(ReproducibleMath.SIGN_BIT);
        return magnitude.viewAsIntegralLanes().or(sign).viewAsFloatingLanes();
    }
}
