package io.textintel.serving.backend.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.textintel.serving.backend.DecoderOps;
import io.textintel.serving.backend.WeightFormat;
import io.textintel.serving.backend.WeightMatrix;
import io.textintel.serving.weights.BFloat16;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * bf16 and int8 linear layers of the fast ops. Exact where the kernels promise the same
 * arithmetic: bf16 against the f32 kernels on the widened weights (the same FMA chain), the Vector
 * API against the portable kernel, a row alone against the same row in any batch (the replay
 * guarantee). Against the double-sum reference {@code 1e-4} relative to the row's largest output:
 * float sums of up to a few hundred terms of order 1.
 */
class QuantizedLinearTest {

    private static final FastDecoderOps VECTOR = new FastDecoderOps(2, CpuKernel.VECTOR);
    private static final FastDecoderOps PORTABLE = new FastDecoderOps(2, CpuKernel.PORTABLE);
    private static final ScalarDecoderOps SCALAR = new ScalarDecoderOps();

    @AfterAll
    static void close() {
        VECTOR.close();
        PORTABLE.close();
    }

    private static float[] random(Random random, int count) {
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }

    private static float[] run(DecoderOps ops, DecoderOps.Linear linear, float[] x, int rows) {
        float[] y = new float[rows * linear.outFeatures()];
        ops.linear(x, rows, linear, y);
        return y;
    }

    private static void assertSameBits(float[] actual, float[] expected, String what) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < expected.length; i++) {
            assertThat(Float.floatToRawIntBits(actual[i])).as("%s, element %d (%s vs %s)", what, i, actual[i],
                    expected[i]).isEqualTo(Float.floatToRawIntBits(expected[i]));
        }
    }

    // out 3 panels + 5 (a partial last panel and a group of fewer than four), 4 groups + 1 panel, and 1 column
    @ParameterizedTest
    @CsvSource({"37, 101, 1", "37, 101, 7", "64, 288, 2", "128, 32, 13", "5, 1, 3"})
    void bf16MatchesTheF32KernelsOnTheWidenedWeightsBitForBit(int in, int out, int rows) {
        Random random = new Random(in * 31 + out);
        WeightMatrix bf16 = new WeightMatrix.F32(random(random, out * in), out, in).to(WeightFormat.BF16);
        float[] bias = random(random, out);
        float[] x = random(random, rows * in);
        float[] widened = WeightMatrix.widen(bf16);
        // the f32 kernels' single-row and row-pair kernels share the bf16 kernel's order
        for (int r = 0; r < rows; r++) {
            float[] row = Arrays.copyOfRange(x, r * in, (r + 1) * in);
            float[] f32 = run(VECTOR, VECTOR.prepareLinear("w", widened, bias, out, in), row, 1);
            float[] quantized = run(VECTOR, VECTOR.prepareLinear("w", bf16, bias), row, 1);
            assertSameBits(quantized, f32, "row " + r);
        }
    }

    @ParameterizedTest
    @CsvSource({"37, 101, 1", "37, 101, 7", "64, 288, 2", "128, 32, 13", "5, 1, 3"})
    void vectorAndPortableKernelsAgreeBitForBitAndWithTheReference(int in, int out, int rows) {
        Random random = new Random(in * 17 + out);
        WeightMatrix f32 = new WeightMatrix.F32(random(random, out * in), out, in);
        float[] bias = random(random, out);
        float[] x = random(random, rows * in);
        for (WeightFormat format : new WeightFormat[] {WeightFormat.BF16, WeightFormat.INT8}) {
            WeightMatrix weight = f32.to(format);
            float[] vector = run(VECTOR, VECTOR.prepareLinear("w", weight, bias), x, rows);
            float[] portable = run(PORTABLE, PORTABLE.prepareLinear("w", weight, bias), x, rows);
            float[] reference = run(SCALAR, SCALAR.prepareLinear("w", weight, bias), x, rows);
            assertSameBits(vector, portable, format + " vector vs portable");
            for (int r = 0; r < rows; r++) {
                double largest = 0;
                for (int o = 0; o < out; o++) {
                    largest = Math.max(largest, Math.abs(reference[r * out + o]));
                }
                for (int o = 0; o < out; o++) {
                    assertThat((double) vector[r * out + o]).as("%s row %d column %d", format, r, o)
                            .isCloseTo(reference[r * out + o], within(1e-4 * Math.max(1, largest)));
                }
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"BF16, VECTOR", "INT8, VECTOR", "BF16, PORTABLE", "INT8, PORTABLE"})
    void aRowGivesTheSameBitsAloneAndInAnyBatch(WeightFormat format, CpuKernel kernel) {
        FastDecoderOps ops = kernel == CpuKernel.VECTOR ? VECTOR : PORTABLE;
        int in = 70;
        int out = 4 * QuantizedVectorKernel.PANEL_WIDTH + 9;
        Random random = new Random(5);
        DecoderOps.Linear linear = ops.prepareLinear("w",
                new WeightMatrix.F32(random(random, out * in), out, in).to(format), random(random, out));
        float[] x = random(random, 9 * in);
        float[] batch = run(ops, linear, x, 9);
        for (int r = 0; r < 9; r++) {
            float[] alone = run(ops, linear, Arrays.copyOfRange(x, r * in, (r + 1) * in), 1);
            assertSameBits(Arrays.copyOfRange(batch, r * out, (r + 1) * out), alone, format + " row " + r);
        }
        for (int rows : new int[] {2, 5, 6}) {
            float[] part = run(ops, linear, Arrays.copyOf(x, rows * in), rows);
            assertSameBits(part, Arrays.copyOf(batch, rows * out), format + " batch of " + rows);
        }
    }

    @Test
    void int8QuantizationIsWithinHalfAStepOfEachWeightAndMapsTheLargestToPlusMinus127() {
        Random random = new Random(3);
        int out = 40;
        int in = 300;
        float[] w = random(random, out * in);
        Arrays.fill(w, 0, in, 0f); // a row of zeros: scale 1, all zero
        WeightMatrix.Int8 q = WeightMatrix.quantizeInt8(new WeightMatrix.F32(w, out, in));
        assertThat(q.scales()[0]).isEqualTo(1f);
        for (int o = 1; o < out; o++) {
            float scale = q.scales()[o];
            int largest = 0;
            for (int i = 0; i < in; i++) {
                assertThat((double) q.value(o, i)).as("weight [%d, %d]", o, i)
                        .isCloseTo(w[o * in + i], within(scale / 2 * 1.0001));
                largest = Math.max(largest, Math.abs(q.values()[o * in + i]));
            }
            assertThat(largest).as("row %d", o).isEqualTo(127);
        }
    }

    @Test
    void bf16RoundsToNearestEvenAndWidensExactly() {
        float[] w = {1f, 1f + 0x1p-8f, 1f + 0x3p-8f, -2.5f};
        WeightMatrix bf16 = new WeightMatrix.F32(w, 2, 2).to(WeightFormat.BF16);
        // 1 + 2^-8 is the tie between 1 and 1 + 2^-7: even is 1; 1 + 3·2^-8 ties up to 1 + 2^-6
        assertThat(WeightMatrix.widen(bf16)).containsExactly(1f, 1f, 1f + 0x1p-6f, -2.5f);
        assertThat(BFloat16.toFloat(((WeightMatrix.Bf16) bf16).bits()[3])).isEqualTo(-2.5f);
    }

    @Test
    void badInputIsNamed() {
        assertThatThrownBy(() -> WeightFormat.parse("fp8")).hasMessageContaining("engine.weights is fp8")
                .hasMessageContaining("[f32, bf16, int8]");
        float[] w = {1f, Float.NaN};
        assertThatThrownBy(() -> new WeightMatrix.F32(w, 1, 2).to(WeightFormat.INT8))
                .hasMessageContaining("weight [0, 1] is NaN");
        assertThatThrownBy(() -> VECTOR.prepareLinear("layer.q", new WeightMatrix.Bf16(new short[4], 2, 2),
                new float[3])).hasMessageContaining("linear layer.q: bias has 3 values, expected [2]");
    }
}
