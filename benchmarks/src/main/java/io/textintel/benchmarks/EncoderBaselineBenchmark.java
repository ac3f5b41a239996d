package io.textintel.benchmarks;

import io.textintel.serving.backend.cpu.ScalarBackend;
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
 * The baseline of {@link EncoderBenchmark}: the same encoder, shapes and batches on the
 * single-threaded {@link ScalarBackend}.
 *
 * <p>A batch of 32 sequences of 128 tokens takes the reference most of a minute, so this
 * benchmark measures one iteration of at least three seconds in average-time mode, with no JMH
 * warm-up iterations: {@link #setUp} runs one small batch first, which gets the reference's plain
 * loops compiled by C2 (they have no vector code whose compilation takes long).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 0)
@Measurement(iterations = 1, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xmx3g"})
public class EncoderBaselineBenchmark {

    @Param({"32", "128"})
    public int sequenceLength;

    @Param({"1", "32"})
    public int batchSize;

    private EncoderFixture fixture;
    private TokenBatch batch;

    @Setup
    public void setUp() {
        fixture = EncoderFixture.open(new ScalarBackend());
        batch = fixture.randomBatch(batchSize, sequenceLength, sequenceLength);
        for (int i = 0; i < 3; i++) {
            fixture.model().embed(fixture.randomBatch(1, 16, i));
        }
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
