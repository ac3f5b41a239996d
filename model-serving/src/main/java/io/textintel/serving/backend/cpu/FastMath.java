package io.textintel.serving.backend.cpu;

import io.textintel.serving.backend.Activation;

/**
 * Float activations for the fast CPU path, applied over array ranges in tight loops. Each is the
 * sequence of operations {@link VectorMath} performs per lane, with {@link ReproducibleMath}'s
 * {@code exp} and {@code tanh}, so the results do not depend on the JIT tier, and the portable and
 * Vector API kernels (vector body or scalar tail) give the same bits.
 */
final class FastMath {

    private static final float INV_SQRT2 = (float) (1.0 / Math.sqrt(2.0));
    private static final float SQRT_2_OVER_PI = (float) Math.sqrt(2.0 / Math.PI);

    // Abramowitz & Stegun 7.1.26: |erf(x) - approximation| <= 1.5e-7 for all x
    private static final float P = 0.3275911f;
    private static final float A1 = 0.254829592f;
    private static final float A2 = -0.284496736f;
    private static final float A3 = 1.421413741f;
    private static final float A4 = -1.453152027f;
    private static final float A5 = 1.061405429f;

    private FastMath() {}

    /** Applies {@code activation} to {@code data[from .. to)} in place. */
    static void activate(Activation activation, float[] data, int from, int to) {
        switch (activation) {
            case NONE:
                return;
            case GELU:
                for (int i = from; i < to; i++) {
                    data[i] = gelu(data[i]);
                }
                return;
            case GELU_TANH:
                for (int i = from; i < to; i++) {
                    float x = data[i];
                    float inner = (x * x * x * 0.044715f + x) * SQRT_2_OVER_PI;
                    data[i] = (ReproducibleMath.tanh(inner) + 1f) * x * 0.5f;
                }
                return;
            case RELU:
                for (int i = from; i < to; i++) {
                    data[i] = Math.max(0f, data[i]);
                }
                return;
            case TANH:
                for (int i = from; i < to; i++) {
                    data[i] = ReproducibleMath.tanh(data[i]);
                }
                return;
            case SIGMOID:
                for (int i = from; i < to; i++) {
                    data[i] = 1f / (ReproducibleMath.exp(-data[i]) + 1f);
                }
                return;
            default:
                throw new IllegalArgumentException("unsupported activation " + activation);
        }
    }

    /** {@code 0.5 x (1 + erf(x / sqrt 2))}, as {@link VectorMath#gelu} does it per lane. */
    static float gelu(float x) {
        if (x != x) {
            // NaN in, the same NaN out: which NaN an operation on NaNs returns (sign, payload) depends on
            // the operand order the JIT chose, so a computed NaN's bits could differ between JVM runs
            return x;
        }
        float a = Math.abs(x) * INV_SQRT2;
        float t = 1f / Math.fma(a, P, 1f);
        float polynomial = Math.fma(t, A5, A4);
        polynomial = Math.fma(polynomial, t, A3);
        polynomial = Math.fma(polynomial, t, A2);
        polynomial = Math.fma(polynomial, t, A1) * t;
        float erfAbs = 1f - polynomial * ReproducibleMath.exp(-(a * a));
        float erf = x < 0f ? -erfAbs : erfAbs;
        return (erf + 1f) * x * 0.5f;
    }
}
