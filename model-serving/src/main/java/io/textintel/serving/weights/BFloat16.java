package io.textintel.serving.weights;

/**
 * bfloat16 (safetensors {@code BF16}) conversion: the upper 16 bits of an IEEE 754 float.
 *
 * <p>Widening is exact. Narrowing rounds to nearest, ties to even (as PyTorch does); NaN stays a
 * quiet NaN of the same sign.
 */
public final class BFloat16 {

    private BFloat16() {}

    /** Widens bfloat16 bits to a float; exact. */
    public static float toFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** Narrows a float to bfloat16 bits, rounding to nearest even. */
    public static short fromFloat(float value) {
        int bits = Float.floatToRawIntBits(value);
        if ((bits & 0x7FFF_FFFF) > 0x7F80_0000) {
            return (short) ((bits >>> 16) | 0x0040);
        }
        int roundingBias = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + roundingBias) >>> 16);
    }

    /** Widens {@code count} bfloat16 values. */
    static void toFloats(short[] src, int srcOffset, float[] dst, int dstOffset, int count) {
        for (int i = 0; i < count; i++) {
            dst[dstOffset + i] = Float.intBitsToFloat((src[srcOffset + i] & 0xFFFF) << 16);
        }
    }
}
