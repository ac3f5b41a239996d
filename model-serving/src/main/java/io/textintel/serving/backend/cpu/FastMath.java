package io.textintel.serving.backend.cpu;

import io.textintel.serving.backend.Activation;

/** Float activations for the fast CPU path, applied over array ranges in tight loops. */
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
                    float x = data[i];
                    data[i] = 0.5f * x * (1f + erf(x * INV_SQRT2));
                }
                return;
            case GELU_TANH:
                for (int i = from; i < to; i++) {
                    float x = data[i];
                    data[i] = 0.5f * x * (1f + (float) Math.tanh(SQRT_2_OVER_PI * (x + 0.044715f * x * x * x)));
                }
                return;
            case RELU:
                for (int i = from; i < to; i++) {
                    data[i] = Math.max(0f, data[i]);
                }
                return;
            case TANH:
                for (int i = from; i < to; i++) {
                    data[i] = (float) Math.tanh(data[i]);
                }
                return;
            case SIGMOID:
                for (int i = from; i < to; i++) {
                    data[i] = 1f / (1f + (float) Math.exp(-data[i]));
                }
                return;
            default:
                throw new IllegalArgumentException("unsupported activation " + activation);
        }
    }

    static float erf(float x) {
        float a = Math.abs(x);
        float t = 1f / (1f + P * a);
        float polynomial = ((((A5 * t + A4) * t + A3) * t + A2) * t + A1) * t;
        return Math.copySign(1f - polynomial * (float) Math.exp(-a * a), x);
    }
}
