package io.textintel.benchmarks;

import io.textintel.serving.backend.Backend;
import io.textintel.serving.backend.cpu.CpuBackend;
import io.textintel.serving.backend.cpu.CpuKernel;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The encoder on the {@link CpuBackend} with its plain-Java {@link CpuKernel#PORTABLE} kernels on
 * all cores: what a JVM without {@code jdk.incubator.vector} gets. One warm-up and two measured
 * iterations, since a batch of 32 sequences of 128 tokens takes it over ten seconds.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1, time = 1)
@Measurement(iterations = 2, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx3g"})
public class EncoderPortableBenchmark extends EncoderBenchmarkBase {

    @Override
    Backend newBackend() {
        return new CpuBackend(Runtime.getRuntime().availableProcessors(), CpuKernel.PORTABLE);
    }
}
