package io.textintel.serving.backend;

import io.textintel.serving.weights.BFloat16;
import java.util.Objects;

/**
 * A linear layer's weight {@code [out, in]}, row-major as HF {@code nn.Linear} stores it, in one of
 * the {@link WeightFormat}s. Every {@link DecoderOps} computes with the values this holds (the
 * rounding to bf16 or int8 is made here, once), so the fast kernels and the reference see the same
 * weights and differ only in how they sum.
 */
public sealed interface WeightMatrix {

    /** Output features (rows). */
    int out();

    /** Input features (columns). */
    int in();

    /** The format of the values. */
    WeightFormat format();

    /** Bytes the values take in memory. */
    long byteSize();

    /** The weight of row {@code o}, column {@code i}, as the kernels compute with it. */
    float value(int o, int i);

    /**
     * f32 weights.
     *
     * @param values {@code [out, in]}
     */
    record F32(float[] values, int out, int in) implements WeightMatrix {
        public F32 {
            checkShape("f32", values == null ? -1 : values.length, out, in);
        }

        @Override
        public WeightFormat format() {
            return WeightFormat.F32;
        }

        @Override
        public long byteSize() {
            return 4L * values.length;
        }

        @Override
        public float value(int o, int i) {
            return values[o * in + i];
        }
    }

    /**
     * bfloat16 weights: the upper 16 bits of each f32 ({@link BFloat16}); widening is a shift.
     *
     * @param bits {@code [out, in]}
     */
    record Bf16(short[] bits, int out, int in) implements WeightMatrix {
        public Bf16 {
            checkShape("bf16", bits == null ? -1 : bits.length, out, in);
        }

        @Override
        public WeightFormat format() {
            return WeightFormat.BF16;
        }

        @Override
        public long byteSize() {
            return 2L * bits.length;
        }

        @Override
        public float value(int o, int i) {
            return BFloat16.toFloat(bits[o * in + i]);
        }
    }

    /**
     * Symmetric int8 weights with one scale per output channel: {@code w[o][i] ≈ values[o][i] * scales[o]}.
     * A layer computes {@code y[o] = (Σ x[i] · values[o][i]) · scales[o] + bias[o]}: the scale is
     * applied once to the f32 sum, not to each weight.
     *
     * @param values {@code [out, in]}, in -127 .. 127
     * @param scales {@code [out]}, {@code max |w[o][i]| / 127} (1 for a row of zeros)
     */
    record Int8(byte[] values, float[] scales, int out, int in) implements WeightMatrix {
        public Int8 {
            checkShape("int8", values == null ? -1 : values.length, out, in);
            if (scales == null || scales.length != out) {
                throw new IllegalArgumentException("int8 weight has " + (scales == null ? "no" : scales.length)
                        + " scales, expected one per output channel: " + out);
            }
        }

        @Override
        public WeightFormat format() {
            return WeightFormat.INT8;
        }

        @Override
        public long byteSize() {
            return values.length + 4L * scales.length;
        }

        /** The dequantized weight {@code values[o][i] * scales[o]}; the kernels scale the sum instead. */
        @Override
        public float value(int o, int i) {
            return values[o * in + i] * scales[o];
        }
    }

    /**
     * This weight in {@code format}: itself when it already is; f32 to bf16 rounds to nearest even;
     * f32 or bf16 to int8 quantizes ({@link #quantizeInt8}); bf16 or int8 to f32 widens (exactly
     * for bf16, as {@code values * scale} for int8).
     */
    default WeightMatrix to(WeightFormat format) {
        if (format == format()) {
            return this;
        }
        return switch (format) {
            case F32 -> new F32(widen(this), out(), in());
            case BF16 -> {
                short[] bits = new short[out() * in()];
                for (int o = 0; o < out(); o++) {
                    for (int i = 0; i < in(); i++) {
                        bits[o * in() + i] = BFloat16.fromFloat(value(o, i));
                    }
                }
                yield new Bf16(bits, out(), in());
            }
            case INT8 -> quantizeInt8(this);
        };
    }

    /** All weights as f32 {@code [out, in]}: {@link #value} of each. */
    static float[] widen(WeightMatrix weight) {
        if (weight instanceof F32 f32) {
            return f32.values();
        }
        float[] values = new float[weight.out() * weight.in()];
        for (int o = 0; o < weight.out(); o++) {
            for (int i = 0; i < weight.in(); i++) {
                values[o * weight.in() + i] = weight.value(o, i);
            }
        }
        return values;
    }

    /**
     * Symmetric per-output-channel int8: {@code scale[o] = max_i |w[o][i]| / 127},
     * {@code q[o][i] = rint(w[o][i] / scale[o])} (nearest, ties to even), so the largest weight of
     * each row maps to ±127. Per channel rather than per block along {@code in}: the scale then
     * multiplies a row's finished f32 sum once, so the kernels' inner loop is the f32 kernel's
     * with a byte load in place of a float load and nothing more (one FMA chain per output, as the
     * replay guarantee needs); per-block scales would cut the error of rows with outliers, at an
     * extra multiply and scale load per block.
     *
     * @throws IllegalArgumentException if a weight is not finite, naming its row and column
     */
    static Int8 quantizeInt8(WeightMatrix weight) {
        int out = weight.out();
        int in = weight.in();
        byte[] values = new byte[out * in];
        float[] scales = new float[out];
        float[] row = new float[in];
        for (int o = 0; o < out; o++) {
            float max = 0;
            for (int i = 0; i < in; i++) {
                float w = weight.value(o, i);
                if (!Float.isFinite(w)) {
                    throw new IllegalArgumentException("weight [" + o + ", " + i + "] is " + w
                            + ", expected a finite value to quantize to int8");
                }
                row[i] = w;
                max = Math.max(max, Math.abs(w));
            }
            float scale = max == 0 ? 1f : max / 127f;
            scales[o] = scale;
            for (int i = 0; i < in; i++) {
                double q = Math.rint((double) row[i] / scale);
                values[o * in + i] = (byte) Math.max(-127, Math.min(127, (int) q));
            }
        }
        return new Int8(values, scales, out, in);
    }

    private static void checkShape(String format, int length, int out, int in) {
        if (out <= 0 || in <= 0 || length != (long) out * in) {
            throw new IllegalArgumentException(format + " weight has " + (length < 0 ? "no" : String.valueOf(length))
                    + " values, expected [" + out + ", " + in + "] = " + (long) out * in);
        }
    }
}
