package io.textintel.serving.weights;

/**
 * IEEE 754 binary16 ("half", safetensors {@code F16}) conversion, exact in both directions.
 *
 * <p>Narrowing rounds to nearest, ties to even; values at or above 65520 become infinity,
 * values below the smallest subnormal (2<sup>-24</sup>) round to a signed zero, and NaN stays NaN
 * (quiet, keeping the top payload bits).
 */
public final class Float16 {

    /** Every binary16 bit pattern widened to float, for bulk decoding without branches. */
    private static final float[] TO_FLOAT = new float[1 << 16];

    static {
        for (int bits = 0; bits < TO_FLOAT.length; bits++) {
            TO_FLOAT[bits] = widen(bits);
        }
    }

    private Float16() {}

    /** Widens binary16 bits (the low 16 bits of {@code bits}) to a float; exact. */
    public static float toFloat(short bits) {
        return TO_FLOAT[bits & 0xFFFF];
    }

    /** Narrows a float to binary16 bits, rounding to nearest even. */
    public static short fromFloat(float value) {
        int bits = Float.floatToRawIntBits(value);
        int sign = (bits >>> 16) & 0x8000;
        int abs = bits & 0x7FFF_FFFF;
        if (abs >= 0x7F80_0000) {
            if (abs == 0x7F80_0000) {
                return (short) (sign | 0x7C00);
            }
            return (short) (sign | 0x7E00 | ((abs >>> 13) & 0x3FF));
        }
        if (abs >= 0x477F_F000) { // 65520: halfway between 65504 (max) and 65536, ties to even -> inf
            return (short) (sign | 0x7C00);
        }
        if (abs < 0x3880_0000) { // below 2^-14: subnormal or zero; scaling by 2^24 is exact
            int mantissa = (int) Math.rint(Float.intBitsToFloat(abs) * 0x1p24f);
            return (short) (sign | mantissa); // 1024 rounds up into the smallest normal, as it should
        }
        int exponent = (abs >>> 23) - 127 + 15;
        int mantissa = abs & 0x7F_FFFF;
        int half = (exponent << 10) | (mantissa >>> 13);
        int rest = mantissa & 0x1FFF;
        if (rest > 0x1000 || (rest == 0x1000 && (half & 1) == 1)) {
            half++; // a carry into the exponent is the correct result
        }
        return (short) (sign | half);
    }

    /** Widens {@code count} binary16 values. */
    static void toFloats(short[] src, int srcOffset, float[] dst, int dstOffset, int count) {
        for (int i = 0; i < count; i++) {
            dst[dstOffset + i] = TO_FLOAT[src[srcOffset + i] & 0xFFFF];
        }
    }

    private static float widen(int bits) {
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >>> 10) & 0x1F;
        int mantissa = bits & 0x3FF;
        if (exponent == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F80_0000 | (mantissa << 13));
        }
        if (exponent == 0) {
            float magnitude = mantissa * 0x1p-24f;
            return sign == 0 ? magnitude : -magnitude;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }
}
