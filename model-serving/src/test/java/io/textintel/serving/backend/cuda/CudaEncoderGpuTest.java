package io.textintel.serving.backend.cuda;

import static jcuda.driver.JCudaDriver.cuMemFree;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.textintel.serving.backend.cpu.CpuBackend;
import io.textintel.serving.batch.TokenBatch;
import io.textintel.serving.model.EncoderModel;
import io.textintel.serving.tensor.Tensor;
import io.textintel.serving.tools.TinyBertSpec;
import io.textintel.serving.tools.TinyModelGenerator;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import jcuda.driver.CUdeviceptr;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A whole generated BERT embedder on the CUDA backend against the CPU backend. Tolerance: bf16
 * weights and activations in the linear layers put the unit-norm embeddings within 2e-2 of the
 * CPU's in every component, and at cosine similarity above 0.999. Needs a CUDA device; skipped,
 * saying why, without one.
 */
@Tag("gpu")
class CudaEncoderGpuTest {

    @TempDir
    Path models;

    @Test
    void embeddingsMatchTheCpuBackendAndWeightsAreSharedBetweenBackends() throws Exception {
        assumeTrue(CudaAvailability.probe().available(), "no CUDA device: " + CudaAvailability.probe().reason());
        // head dimension 64 as in BERT-base; perturbed biases and norms so that a dropped one shows
        Path dir = TinyModelGenerator.writeBertEmbedder(models.resolve("bert"),
                TinyBertSpec.small().withSizes(256, 2, 4, 512).withBiasAndNormStd(0.1));
        DeviceWeights<CUdeviceptr> weights =
                new DeviceWeights<>(pointer -> CudaCheck.check(cuMemFree(pointer), "cuMemFree(weights)"));
        try (CpuBackend cpu = new CpuBackend(2);
                CudaBackend cuda = CudaBackend.open(0, weights, false)) {
            EncoderModel onCpu = EncoderModel.load(dir, cpu);
            EncoderModel onCuda = EncoderModel.load(dir, cuda);
            Random random = new Random(5);
            List<int[]> sequences = new ArrayList<>();
            for (int length : new int[] {1, 7, 33, 100, 120}) {
                int[] ids = new int[length];
                for (int t = 0; t < length; t++) {
                    ids[t] = 1 + random.nextInt(onCpu.config().vocabSize() - 1);
                }
                sequences.add(ids);
            }
            TokenBatch batch = TokenBatch.packed(sequences);
            Tensor expected = onCpu.embed(batch);
            Tensor actual = onCuda.embed(batch);
            assertThat(actual.shape()).isEqualTo(expected.shape());
            KernelComparison.Failures failures = new KernelComparison.Failures();
            for (int s = 0; s < sequences.size(); s++) {
                double dot = 0;
                for (int c = 0; c < expected.cols(); c++) {
                    dot += actual.get(s, c) * expected.get(s, c);
                }
                KernelComparison comparison = KernelComparison.of(actual.row(s), expected.row(s));
                String what = "embedding " + s + " (" + sequences.get(s).length + " tokens)";
                failures.requireAtMost(what + " components", comparison.maxAbsError(), 2e-2, comparison);
                failures.require(what + " cosine similarity (both unit norm)", dot > 0.999,
                        String.format("%.6f, expected > 0.999", dot));
            }
            failures.assertNone();

            int entries = weights.residentEntries();
            long bytes = weights.residentBytes();
            assertThat(entries).isPositive();
            try (CudaBackend second = CudaBackend.open(0, weights, false)) {
                EncoderModel again = EncoderModel.load(dir, second);
                assertThat(weights.residentEntries()).as("a second engine shares the device weights").isEqualTo(entries);
                assertThat(weights.residentBytes()).isEqualTo(bytes);
                Tensor fromSecond = again.embed(batch);
                assertThat(fromSecond.toArray()).containsExactly(actual.toArray());
            }
            assertThat(weights.residentEntries()).as("the first engine still holds its weights").isEqualTo(entries);
            for (int i = 0; i < 5; i++) {
                onCuda.embed(batch);
            }
            DeviceAllocator.Stats stats = cuda.allocatorStats();
            assertThat(stats.reused()).as("temporary blocks reused across batches").isGreaterThan(stats.allocations() / 2);
        }
        assertThat(weights.residentEntries()).as("freed when the last backend closes").isZero();
    }
}
