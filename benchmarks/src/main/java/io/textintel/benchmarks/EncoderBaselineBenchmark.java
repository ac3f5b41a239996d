package io.textintel.benchmarks;

import io.textintel.serving.backend.Backend;
import io.textintel.serving.backend.cpu.ScalarBackend;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The baseline of {@link EncoderBenchmark}: the same encoder, shapes and batches on the
 * single-threaded {@link ScalarBackend}.
 *
 * <p>A batch of 32 sequences of 128 tokens takes the reference most of a minute, so this
 * benchmark measures one iteration of at least three seconds in average-time mode, with no JMH
 * warm-up iterations: {@link #warmUp} runs three small batches first, which gets the reference's
 * plain loops compiled by C2.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 0)
@Measurement(iterations = 1, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xmx3g"})
public class EncoderBaselineBenchmark extends EncoderBenchmarkBase {

    @Override
    Backend newBackend() {
        return new ScalarBackend();
    }

    @Override
    void warmUp(EncoderFixture encoder) {
        for (int i = 0; i < 3; i++) {
            encoder.model().embed(encoder.randomBatch(1, 16, i));
        }
    }
}
