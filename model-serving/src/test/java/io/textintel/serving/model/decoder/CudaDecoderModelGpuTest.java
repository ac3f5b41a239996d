package io.textintel.serving.model.decoder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.textintel.serving.backend.cpu.ScalarDecoderOps;
import io.textintel.serving.backend.cuda.CudaAvailability;
import io.textintel.serving.backend.cuda.CudaDecoderOps;
import io.textintel.serving.backend.cuda.DeviceWeights;
import io.textintel.serving.kv.PagedKvCache;
import io.textintel.serving.model.SequenceChunk;
import io.textintel.serving.tools.TinyDecoderSpec;
import io.textintel.serving.tools.TinyModelGenerator;
import io.textintel.serving.weights.DType;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tiny generated Llama end to end on {@link CudaDecoderOps} against {@link ScalarDecoderOps}: a
 * prefill of 300 tokens, then 32 greedy decode steps through the paged cache (blocks of 16, so the
 * context crosses many blocks and the decode kernel's partition of 512 keys).
 *
 * <p>Tolerance: logits within 1e-2 of the largest |logit| (bf16 tol: the weights are stored in
 * bf16, so both sides multiply the same weights and only the device's bf16 rounding of each linear
 * layer's input differs); the greedy tokens must be equal at every step (each step feeds the
 * reference's token to both, so a difference shows at the step it happens). Needs a CUDA device;
 * skipped, saying why, without one.
 */
@Tag("gpu")
class CudaDecoderModelGpuTest {

    private static final double BF16_TOLERANCE = 1e-2;

    @TempDir
    Path dir;

    private static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    @Test
    void prefillAndThirtyTwoGreedyStepsMatchTheScalarReference() throws IOException {
        CudaAvailability cuda = CudaAvailability.probe();
        assumeTrue(cuda.available(), "no CUDA device: " + cuda.reason());
        Path llama = TinyModelGenerator.writeDecoder(dir.resolve("llama"), TinyDecoderSpec.llama().withMerges(100)
                .withMaxPositions(512).withDtype(DType.BF16));
        try (DecoderModel reference = DecoderModel.load(llama, new ScalarDecoderOps());
                DecoderModel device = DecoderModel.load(llama, CudaDecoderOps.open(0, DeviceWeights.jvm()));
                PagedKvCache referenceCache = new PagedKvCache(reference.kvLayout(), 16, 64);
                PagedKvCache deviceCache = new PagedKvCache(device.kvLayout(), 16, 64)) {
            int[] prompt = DecoderModelTest.randomTokens(5, 300, reference.vocabSize());
            assertThat(referenceCache.reserve(1, 300 + 32)).isTrue();
            assertThat(deviceCache.reserve(1, 300 + 32)).isTrue();
            SequenceChunk prefill = new SequenceChunk(1, prompt, 0, prompt.length);
            float[][] expected = reference.forward(List.of(prefill), referenceCache);
            float[][] actual = device.forward(List.of(prefill), deviceCache);
            DecoderModelTest.assertClose(actual, expected, BF16_TOLERANCE, "prefill of 300 tokens");
            referenceCache.commit(1, 300);
            deviceCache.commit(1, 300);
            int token = argmax(expected[expected.length - 1]);
            assertThat(argmax(actual[actual.length - 1])).as("greedy token after the prompt").isEqualTo(token);
            for (int step = 0; step < 32; step++) {
                SequenceChunk next = new SequenceChunk(1, new int[] {token}, 300 + step, 1);
                float[][] expectedStep = reference.forward(List.of(next), referenceCache);
                float[][] actualStep = device.forward(List.of(next), deviceCache);
                DecoderModelTest.assertClose(actualStep, expectedStep, BF16_TOLERANCE, "decode step " + step);
                referenceCache.commit(1, 301 + step);
                deviceCache.commit(1, 301 + step);
                token = argmax(expectedStep[0]);
                assertThat(argmax(actualStep[0])).as("greedy token of decode step %d", step).isEqualTo(token);
            }
        }
    }
}
