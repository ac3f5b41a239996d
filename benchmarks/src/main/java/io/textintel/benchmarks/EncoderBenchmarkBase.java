package io.textintel.benchmarks;

import io.textintel.serving.backend.Backend;
import io.textintel.serving.batch.TokenBatch;
import io.textintel.serving.tensor.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The encoder benchmark that {@link EncoderBenchmark}, {@link EncoderPortableBenchmark} and
 * {@link EncoderBaselineBenchmark} run on their backends: the whole encoder (embeddings, six
 * layers, mean pooling, L2 normalisation) of the {@link EncoderFixture} MiniLM-L6 shape. One
 * operation is one batch of {@code batchSize} sequences of {@code sequenceLength} tokens;
 * {@link RatioReport} turns it into sentences per second.
 */
@State(Scope.Benchmark)
public abstract class EncoderBenchmarkBase {

    @Param({"32", "128"})
    public int sequenceLength;

    @Param({"1", "32"})
    public int batchSize;

    private EncoderFixture fixture;
    private TokenBatch batch;

    /** A new backend for this benchmark; the fixture owns and closes it. */
    abstract Backend newBackend();

    @Setup
    public void setUp() {
        fixture = EncoderFixture.open(newBackend());
        batch = fixture.randomBatch(batchSize, sequenceLength, sequenceLength);
        warmUp(fixture);
    }

    /** Runs before measurement, beyond JMH's warm-up iterations; nothing unless overridden. */
    void warmUp(EncoderFixture encoder) {}

    @TearDown
    public void tearDown() {
        fixture.close();
    }

    @Benchmark
    public Tensor embed() {
        return fixture.model().embed(batch);
    }
}
