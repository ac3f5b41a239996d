package io.textintel.serving.backend.cpu;

/**
 * Float {@code exp} and {@code tanh} built only from IEEE-exact operations (add, multiply, divide,
 * fused multiply-add, comparisons and bit moves), so that their bits depend on neither the JIT tier
 * nor the CPU: a replay in a fresh JVM writes the same vectors as the warmed-up JVM it replaces.
 *
 * <p>{@code Math.exp} and the Vector API's {@code EXP} and {@code TANH} are intrinsics whose
 * results may differ by an ulp from their fallback code, which runs until the JIT compiles the
 * caller. {@link VectorMath#exp} and {@link VectorMath#tanh} perform exactly the operations of
 * {@link #exp} and {@link #tanh}, lane by lane and in the same order, so that a kernel's vector body
 * and its scalar tail agree bit for bit, whatever the vector width.
 *
 * <p>Accuracy against the correctly rounded result (checked on every float of the ranges):
 * {@code exp} within 1.06 ulp on [-104, 89] (subnormal results included, 0 below, infinity above);
 * {@code tanh} within 1.34 ulp everywhere.
 */
public final class ReproducibleMath {

    // exp: x = k ln2 + r with |r| <= ln2 / 2, k = rint(x log2 e) taken from the low bits of x log2 e + ROUND
    static final float EXP_MIN = -104f; // exp(-104) < 2^-150: every smaller input rounds to 0
    static final float EXP_MAX = 89f; // exp(89) > Float.MAX_VALUE: every larger input overflows to infinity
    static final float LOG2E = 1.44269504088896341f;
    static final float ROUND = 12582912f; // 1.5 * 2^23: adding it rounds a float below 2^22 to an integer
    static final int ROUND_BITS = 0x4B400000; // bits of ROUND; bits(ROUND + k) - ROUND_BITS = k
    // Cody-Waite split of ln 2: LN2_HI has 16 significant bits, so k * LN2_HI is exact for |k| < 256
    static final float LN2_HI = 0.693145751953125f;
    static final float LN2_LO = 1.428606765330187045e-06f;
    // Taylor coefficients of e^r - 1 - r - r^2 / 2 after r^2: 1/7! .. 1/2!; truncation below 0.12 ulp on |r| <= ln2 / 2
    static final float E7 = 1.98412698e-4f;
    static final float E6 = 1.38888889e-3f;
    static final float E5 = 8.33333333e-3f;
    static final float E4 = 4.16666667e-2f;
    static final float E3 = 1.66666667e-1f;
    static final float E2 = 0.5f;

    // tanh: odd minimax polynomial on |x| < TANH_SMALL (Cephes tanhf), 1 - 2 / (e^2|x| + 1) beyond
    static final float TANH_SMALL = 0.625f;
    static final float T9 = -5.70498872745e-3f;
    static final float T7 = 2.06390887954e-2f;
    static final float T5 = -5.37397155531e-2f;
    static final float T3 = 1.33314422036e-1f;
    static final float T1 = -3.33332819422e-1f;
    static final int SIGN_BIT = 0x80000000;

    private ReproducibleMath() {}

    /** {@code e^x} within 1.06 ulp; NaN for NaN. */
    public static float exp(float x) {
        float clamped = Math.min(Math.max(x, EXP_MIN), EXP_MAX);
        float shifted = Math.fma(clamped, LOG2E, ROUND);
        float k = shifted - ROUND;
        float r = Math.fma(k, -LN2_HI, clamped);
        r = Math.fma(k, -LN2_LO, r);
        float p = Math.fma(E7, r, E6);
        p = Math.fma(p, r, E5);
        p = Math.fma(p, r, E4);
        p = Math.fma(p, r, E3);
        p = Math.fma(p, r, E2);
        p = Math.fma(p, r * r, r);
        float mantissa = p + 1f;
        // 2^k as 2^h * 2^(k - h): both normal for k in [-150, 128], so subnormal results are rounded once
        int ki = Float.floatToRawIntBits(shifted) - ROUND_BITS;
        int h = ki >> 1;
        float low = Float.intBitsToFloat((h + 127) << 23);
        float high = Float.intBitsToFloat((ki - h + 127) << 23);
        return mantissa * low * high;
    }

    /** {@code tanh x} within 1.34 ulp; NaN for NaN. */
    public static float tanh(float x) {
        float a = Math.abs(x);
        float magnitude;
        if (a < TANH_SMALL) {
            float z = a * a;
            float p = Math.fma(T9, z, T7);
            p = Math.fma(p, z, T5);
            p = Math.fma(p, z, T3);
            p = Math.fma(p, z, T1);
            magnitude = Math.fma(p * z, a, a);
        } else {
            magnitude = 1f - 2f / (exp(a + a) + 1f);
        }
        // the sign bit of x on a non-negative magnitude, as the vector form does it
        return Float.intBitsToFloat(Float.floatToRawIntBits(magnitude) | (Float.floatToRawIntBits(x) & SIGN_BIT));
    }
}
