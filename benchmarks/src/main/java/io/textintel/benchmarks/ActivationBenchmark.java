package io.textintel.benchmarks;

import io.textintel.serving.backend.Activation;
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
 * A JMH benchmark of the {@link CpuBackend}'s element-wise transcendental work on one thread: an
 * activation over the output of a MiniLM feed-forward up-projection ({@value #ROWS} x
 * {@value #COLS}) and a softmax over rows of {@value #COLS}. Each operation first restores the
 * input (a copy of {@value #ROWS} x {@value #COLS} floats, the same in every variant), so that the
 * activation always sees the same values. One operation is one tensor.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx1g"})
public class ActivationBenchmark {

    static final int ROWS = 256;
    static final int COLS = 1536;

    /** The kernel family. */
    @Param({"VECTOR", "PORTABLE"})
    public String kernel;

    /** An {@link Activation} name, or {@code SOFTMAX}. */
    @Param({"GELU", "GELU_TANH", "SIGMOID", "SOFTMAX"})
    public String op;

    private CpuBackend backend;
    private float[] input;
    private Tensor x;

    @Setup
    public void setUp() {
        backend = new CpuBackend(1, CpuKernel.valueOf(kernel));
        Random random = new Random(3);
        input = new float[ROWS * COLS];
        for (int i = 0; i < input.length; i++) {
            input[i] = (float) (random.nextGaussian() * 2);
        }
        x = Tensor.zeros(ROWS, COLS);
    }

    @TearDown
    public void tearDown() {
        backend.close();
    }

    @Benchmark
    public Tensor apply() {
        System.arraycopy(input, 0, x.data(), 0, input.length);
        if (op.equals("SOFTMAX")) {
            backend.softmax(x);
        } else {
            backend.activate(Activation.valueOf(op), x);
        }
        return x;
    }
}
