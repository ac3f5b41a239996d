package io.textintel.benchmarks;

import io.textintel.serving.backend.Activation;
import io.textintel.serving.backend.Backend;
import io.textintel.serving.backend.LinearWeights;
import io.textintel.serving.backend.cpu.CpuBackend;
import io.textintel.serving.backend.cpu.CpuKernel;
import io.textintel.serving.backend.cpu.ScalarBackend;
import io.textintel.serving.tensor.Tensor;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A JMH benchmark of one linear layer, {@code y[rows, out] = x[rows, in] · Wᵀ + b}, on the two
 * shapes of a MiniLM-L6 feed-forward block (384→1536 and 1536→384) over {@value #ROWS} rows
 * (eight sentences of 32 tokens).
 *
 * <p>Implementations ({@code impl}): {@code cpu-vector} and {@code cpu-portable}, the
 * {@link CpuBackend} with each {@link CpuKernel} family on all cores; {@code cpu-reference}, the
 * single-threaded {@link ScalarBackend} (double accumulation); {@code naive}, the textbook triple
 * loop in float over HF's {@code [out, in]} weight, single-threaded. One operation is one layer;
 * {@link RatioReport} turns operations per second into GFLOP/s ({@link #flops}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx2g"})
public class LinearBenchmark {

    /** Activation rows per layer call. */
    public static final int ROWS = 256;

    /** Layer shape as {@code in x out}. */
    @Param({"384x1536", "1536x384"})
    public String shape;

    /** The implementation measured. */
    @Param({"cpu-vector", "cpu-portable", "cpu-reference", "naive"})
    public String impl;

    private Backend backend; // null for naive
    private LinearWeights prepared;
    private float[] weight; // [out, in], for naive
    private float[] bias; // [out]
    private Tensor x; // [ROWS, in]
    private Tensor y; // [ROWS, out]
    private int in;
    private int out;

    /** Floating-point operations of one layer call of {@code shape} (2 per multiply-add). */
    public static double flops(String shape) {
        int[] dims = parseShape(shape);
        return 2.0 * ROWS * dims[0] * dims[1];
    }

    @Setup
    public void setUp() {
        int[] dims = parseShape(shape);
        in = dims[0];
        out = dims[1];
        Random random = new Random(7);
        Tensor w = gaussian(random, out, in);
        Tensor b = gaussian(random, out);
        weight = w.data();
        bias = b.data();
        x = gaussian(random, ROWS, in);
        y = Tensor.zeros(ROWS, out);
        int threads = Runtime.getRuntime().availableProcessors();
        switch (impl) {
            case "cpu-vector":
                backend = new CpuBackend(threads, CpuKernel.VECTOR);
                break;
            case "cpu-portable":
                backend = new CpuBackend(threads, CpuKernel.PORTABLE);
                break;
            case "cpu-reference":
                backend = new ScalarBackend();
                break;
            case "naive":
                backend = null;
                break;
            default:
                throw new IllegalArgumentException(
                        "impl " + impl + ", expected cpu-vector, cpu-portable, cpu-reference or naive");
        }
        prepared = backend == null ? null : backend.prepareLinear(w, b);
    }

    @TearDown
    public void tearDown() {
        if (backend != null) {
            backend.close();
        }
    }

    @Benchmark
    public Tensor linear() {
        if (backend == null) {
            naive(x.data(), weight, bias, y.data(), ROWS, in, out);
        } else {
            backend.linear(x, prepared, Activation.NONE, y);
        }
        return y;
    }

    /** The triple loop as a textbook writes it: one float dot product per output. */
    static void naive(float[] x, float[] w, float[] b, float[] y, int rows, int in, int out) {
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < out; o++) {
                float sum = b[o];
                for (int k = 0; k < in; k++) {
                    sum += x[r * in + k] * w[o * in + k];
                }
                y[r * out + o] = sum;
            }
        }
    }

    static int[] parseShape(String shape) {
        String[] parts = shape.split("x");
        if (parts.length != 2) {
            throw new IllegalArgumentException("shape " + shape + ", expected <in>x<out> such as 384x1536");
        }
        return new int[] {Integer.parseInt(parts[0]), Integer.parseInt(parts[1])};
    }

    static Tensor gaussian(Random random, int... shape) {
        Tensor tensor = Tensor.zeros(shape);
        float[] data = tensor.data();
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) random.nextGaussian();
        }
        return tensor;
    }
}
