package io.textintel.benchmarks;

import io.textintel.serving.backend.Activation;
import io.textintel.serving.backend.Backend;
import io.textintel.serving.backend.LinearWeights;
import io.textintel.serving.backend.cpu.CpuBackend;
import io.textintel.serving.backend.cpu.CpuKernel;
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
 * A JMH benchmark of one linear layer on one row, {@code y[1, out] = x[1, in] · Wᵀ + b}: the
 * matmul of a batch-1 decode step, on the shapes of {@link DecoderFixture}'s layers (attention
 * 1024→1024, MLP up 1024→2816 and down 2816→1024).
 *
 * <p>A decode pass reads every weight once from memory, so each call takes the next of enough
 * copies of the layer ({@value #STREAMED_BYTES} bytes in all) that its weights are not in any
 * cache. Implementations ({@code impl}): {@code cpu-vector} and {@code cpu-portable}, the
 * {@link CpuBackend} with each {@link CpuKernel} family on all cores; the portable kernels are the
 * baseline that {@link RatioReport} divides by, measured in the same run. One operation is one
 * call; {@link RatioReport} turns operations per second into GB/s of weights ({@link #weightBytes}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx2g"})
public class DecodeLinearBenchmark {

    /** Weight bytes over all copies of the layer that the calls cycle through. */
    public static final long STREAMED_BYTES = 256L << 20;

    /** Layer shape as {@code in x out}. */
    @Param({"1024x1024", "1024x2816", "2816x1024"})
    public String shape;

    /** The implementation measured. */
    @Param({"cpu-vector", "cpu-portable"})
    public String impl;

    private Backend backend;
    private LinearWeights[] copies;
    private Tensor x; // [1, in]
    private Tensor y; // [1, out]
    private int next;

    /** F32 weight bytes one call reads for {@code shape}. */
    public static double weightBytes(String shape) {
        int[] dims = LinearBenchmark.parseShape(shape);
        return 4.0 * dims[0] * dims[1];
    }

    @Setup
    public void setUp() {
        int[] dims = LinearBenchmark.parseShape(shape);
        int in = dims[0];
        int out = dims[1];
        int threads = Runtime.getRuntime().availableProcessors();
        switch (impl) {
            case "cpu-vector":
                backend = new CpuBackend(threads, CpuKernel.VECTOR);
                break;
            case "cpu-portable":
                backend = new CpuBackend(threads, CpuKernel.PORTABLE);
                break;
            default:
                throw new IllegalArgumentException("impl " + impl + ", expected cpu-vector or cpu-portable");
        }
        Random random = new Random(7);
        copies = new LinearWeights[(int) Math.max(1, STREAMED_BYTES / (long) weightBytes(shape))];
        for (int i = 0; i < copies.length; i++) {
            copies[i] = backend.prepareLinear(LinearBenchmark.gaussian(random, out, in),
                    LinearBenchmark.gaussian(random, out));
        }
        x = LinearBenchmark.gaussian(random, 1, in);
        y = Tensor.zeros(1, out);
    }

    @TearDown
    public void tearDown() {
        backend.close();
    }

    @Benchmark
    public Tensor linear() {
        backend.linear(x, copies[next], Activation.NONE, y);
        next = next + 1 == copies.length ? 0 : next + 1;
        return y;
    }
}
