package io.textintel.serving.weights;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.ShortBuffer;

/** Bulk conversion of little-endian floating-point tensor bytes to F32. */
final class FloatDecoder {

    /** Elements converted per bulk read; keeps the scratch arrays in L1/L2. */
    private static final int CHUNK = 8192;

    private FloatDecoder() {}

    /**
     * Converts {@code count} elements of {@code dtype} from {@code src} (starting at its position)
     * into {@code dst[dstOffset..]}. Does not move {@code src}'s position.
     */
    static void decode(ByteBuffer src, DType dtype, float[] dst, int dstOffset, int count) {
        ByteBuffer le = src.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        switch (dtype) {
            case F32 -> le.asFloatBuffer().get(dst, dstOffset, count);
            case F16, BF16 -> decodeHalves(le.asShortBuffer(), dtype == DType.F16, dst, dstOffset, count);
            case F64 -> decodeDoubles(le.asDoubleBuffer(), dst, dstOffset, count);
            default -> throw new IllegalArgumentException(
                    "dtype " + dtype + " is not a floating-point type; expected F32, F16, BF16 or F64");
        }
    }

    private static void decodeHalves(ShortBuffer src, boolean ieee, float[] dst, int dstOffset, int count) {
        short[] scratch = new short[Math.min(CHUNK, count)];
        for (int done = 0; done < count; ) {
            int n = Math.min(scratch.length, count - done);
            src.get(scratch, 0, n);
            if (ieee) {
                Float16.toFloats(scratch, 0, dst, dstOffset + done, n);
            } else {
                BFloat16.toFloats(scratch, 0, dst, dstOffset + done, n);
            }
            done += n;
        }
    }

    private static void decodeDoubles(DoubleBuffer src, float[] dst, int dstOffset, int count) {
        double[] scratch = new double[Math.min(CHUNK, count)];
        for (int done = 0; done < count; ) {
            int n = Math.min(scratch.length, count - done);
            src.get(scratch, 0, n);
            for (int i = 0; i < n; i++) {
                dst[dstOffset + done + i] = (float) scratch[i];
            }
            done += n;
        }
    }
}
