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
 * The encoder on the {@link CpuBackend} with its {@link CpuKernel#VECTOR} kernels on all cores.
 * Three warm-up seconds: the first absorbs C2's compilation of the Vector API code, which runs
 * many times slower until then.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx3g"})
public class EncoderBenchmark extends EncoderBenchmarkBase {

    @Override
    Backend newBackend() {
        return new CpuBackend(Runtime.getRuntime().availableProcessors(), CpuKernel.VECTOR);
    }
}
