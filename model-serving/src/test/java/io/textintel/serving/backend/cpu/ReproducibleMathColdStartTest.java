package io.textintel.serving.backend.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import io.textintel.serving.backend.Activation;
import io.textintel.serving.backend.WeightFormat;
import io.textintel.serving.backend.WeightMatrix;
import io.textintel.serving.tensor.SequenceSpans;
import io.textintel.serving.tensor.Tensor;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Vector API kernels' activations, attention and layer norm in a cold JVM against the same JVM code after warm-up, bit for bit: a
 * replay in a fresh TaskManager must write the vectors the failed one wrote. The cold side is a
 * forked JVM run with {@code -Xint}, where every Vector API operation runs its Java fallback, which
 * is what a fresh JVM runs before C2 compiles the kernels; the warm side is this JVM after the same
 * work has run many times over.
 */
class ReproducibleMathColdStartTest {

    private static final int WARM_UP_ROUNDS = 40;

    @Test
    void coldInterpretedRunGivesTheWarmBits(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("cold.bin");
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xint", "--add-modules=jdk.incubator.vector", "-cp", System.getProperty("java.class.path"),
                ReproducibleMathColdStartTest.class.getName(), file.toString())
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(5, TimeUnit.MINUTES)).as("the cold JVM finished").isTrue();
        assertThat(process.exitValue()).as("exit status of the cold JVM, which said: %s", output).isZero();

        List<float[]> warm = results();
        for (int round = 1; round < WARM_UP_ROUNDS; round++) {
            warm = results();
        }
        List<float[]> cold = read(file, warm.size());
        for (int r = 0; r < warm.size(); r++) {
            float[] w = warm.get(r);
            float[] c = cold.get(r);
            assertThat(c).as("length of result %d", r).hasSameSizeAs(w);
            for (int i = 0; i < w.length; i++) {
                assertThat(Float.floatToRawIntBits(c[i])).as("%s, value %d", NAMES[r], i)
                        .isEqualTo(Float.floatToRawIntBits(w[i]));
            }
        }
    }

    private static final String[] NAMES = {
        "ReproducibleMath.exp", "ReproducibleMath.tanh", "VectorMath GELU", "VectorMath GELU_TANH",
        "VectorMath TANH", "VectorMath SIGMOID", "VectorMatmulKernel linear + GELU", "VectorAttentionKernel",
        "VectorMath layerNormRow", "QuantizedVectorKernel bf16", "QuantizedVectorKernel int8"};

    /** Every result the test compares, in the order of {@link #NAMES}. */
    static List<float[]> results() {
        float[] x = ReproducibleMathTest.grid();
        List<float[]> results = new ArrayList<>();
        float[] exp = new float[x.length];
        float[] tanh = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            exp[i] = ReproducibleMath.exp(x[i]);
            tanh[i] = ReproducibleMath.tanh(x[i]);
        }
        results.add(exp);
        results.add(tanh);
        for (Activation activation : new Activation[] {
                Activation.GELU, Activation.GELU_TANH, Activation.TANH, Activation.SIGMOID}) {
            float[] y = x.clone();
            VectorMath.activate(activation, y, 0, y.length - 3); // a scalar tail too
            results.add(y);
        }
        results.add(linearWithGelu());
        results.add(attention());
        results.add(layerNorm());
        results.add(quantizedLinear(WeightFormat.BF16));
        results.add(quantizedLinear(WeightFormat.INT8));
        return results;
    }

    // softmax through VectorMath.exp, and float sums through reduceLanes, whose lane order the Vector API leaves open
    private static float[] attention() {
        int heads = 3;
        int hidden = heads * 32;
        SequenceSpans spans = SequenceSpans.packed(5, 37, 70);
        float[] qkv = new float[spans.rows() * 3 * hidden];
        fill(new Random(13), qkv);
        float[] out = new float[spans.rows() * hidden];
        try (ParallelRange parallel = new ParallelRange(1, "cold-start-probe")) {
            VectorAttentionKernel.attention(qkv, hidden, heads, spans, null, 0, out, parallel);
        }
        return out;
    }

    private static float[] layerNorm() {
        int cols = 384 + 5;
        Random random = new Random(19);
        float[] x = new float[cols];
        float[] residual = new float[cols];
        float[] gamma = new float[cols];
        float[] beta = new float[cols];
        fill(random, x);
        fill(random, residual);
        fill(random, gamma);
        fill(random, beta);
        float[] out = new float[cols];
        VectorMath.layerNormRow(x, residual, 0, cols, gamma, beta, 1e-12f, out);
        return out;
    }

    // bf16 widened by a shift and int8 converted in registers: a six-row tile, then a row by whole groups of panels
    private static float[] quantizedLinear(WeightFormat format) {
        int in = 48;
        int out = 5 * QuantizedVectorKernel.PANEL_WIDTH + 3;
        int rows = QuantizedVectorKernel.TILE_ROWS + 1;
        Random random = new Random(format.ordinal() + 23);
        float[] weight = new float[out * in];
        float[] bias = new float[out];
        float[] x = new float[rows * in];
        fill(random, weight);
        fill(random, bias);
        fill(random, x);
        QuantizedLinear linear = new QuantizedLinear(new WeightMatrix.F32(weight, out, in).to(format), bias,
                QuantizedVectorKernel.PANEL_WIDTH);
        float[] y = new float[rows * out];
        for (int g = 0; g < QuantizedVectorKernel.groups(linear); g++) {
            QuantizedVectorKernel.group(x, rows, linear, g, y);
        }
        return y;
    }

    private static float[] linearWithGelu() {
        int in = 64;
        int out = 3 * VectorMatmulKernel.PANEL_WIDTH + 5;
        int rows = 7;
        Random random = new Random(11);
        Tensor weight = Tensor.zeros(out, in);
        Tensor bias = Tensor.zeros(out);
        fill(random, weight.data());
        fill(random, bias.data());
        float[] x = new float[rows * in];
        fill(random, x);
        float[] y = new float[rows * out];
        try (ParallelRange parallel = new ParallelRange(1, "cold-start-probe")) {
            VectorMatmulKernel.linear(x, rows, new PackedLinear(weight, bias, VectorMatmulKernel.PANEL_WIDTH),
                    Activation.GELU, y, parallel);
        }
        return y;
    }

    private static void fill(Random random, float[] data) {
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) random.nextGaussian();
        }
    }

    private static List<float[]> read(Path file, int count) throws IOException {
        List<float[]> results = new ArrayList<>();
        try (DataInputStream in = new DataInputStream(Files.newInputStream(file))) {
            for (int r = 0; r < count; r++) {
                float[] values = new float[in.readInt()];
                for (int i = 0; i < values.length; i++) {
                    values[i] = Float.intBitsToFloat(in.readInt());
                }
                results.add(values);
            }
        }
        return results;
    }

    /** The cold side: computes {@link #results()} once and writes their bits to the file {@code args[0]}. */
    public static void main(String[] args) throws IOException {
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(Path.of(args[0])))) {
            for (float[] values : results()) {
                out.writeInt(values.length);
                for (float value : values) {
                    out.writeInt(Float.floatToRawIntBits(value));
                }
            }
        }
    }
}
