package io.textintel.benchmarks;

import io.textintel.serving.backend.cpu.CpuBackend;
import io.textintel.serving.backend.cpu.CpuKernel;
import io.textintel.serving.batch.TokenBatch;
import io.textintel.serving.tensor.Tensor;
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
 * A JMH benchmark of the whole encoder (embeddings, six layers, mean pooling, L2 normalisation)
 * on the MiniLM-L6 shape of {@link EncoderFixture}, on the {@link CpuBackend} with all cores and
 * each {@link CpuKernel} family. One operation is one batch of {@code batchSize} sequences of
 * {@code sequenceLength} tokens; {@link RatioReport} turns it into sentences per second and
 * divides by {@link EncoderBaselineBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx3g"})
public class EncoderBenchmark {

    @Param({"32", "128"})
    public int sequenceLength;

    @Param({"1", "32"})
    public int batchSize;

    @Param({"VECTOR", "PORTABLE"})
    public CpuKernel kernel;

    private EncoderFixture fixture;
    private TokenBatch batch;

    @Setup
    public void setUp() {
        fixture = EncoderFixture.open(new CpuBackend(Runtime.getRuntime().availableProcessors(), kernel));
        batch = fixture.randomBatch(batchSize, sequenceLength, sequenceLength);
    }

    @TearDown
    public void tearDown() {
        fixture.close();
    }

    @Benchmark
    public Tensor embed() {
        return fixture.model().embed(batch);
    }
}
