package io.textintel.serving.model.decoder;

import static org.assertj.core.api.Assertions.assertThat;

import io.textintel.serving.backend.WeightFormat;
import io.textintel.serving.backend.cpu.FastDecoderOps;
import io.textintel.serving.backend.cpu.ScalarDecoderOps;
import io.textintel.serving.tools.TinyDecoderSpec;
import io.textintel.serving.tools.TinyModelGenerator;
import io.textintel.serving.weights.DType;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The decoder with bf16 and int8 linear layers ({@code engine.weights}) on generated Llama and
 * Qwen2 checkpoints, against the f32 model of the same checkpoint. The repository has no real
 * decoder checkpoint (none ships in a package), so quality is measured on random-weight models,
 * whose logits are closer together than a trained model's: a harder case for top-1 agreement.
 *
 * <p>Quality over a fixed greedy run: the f32 model's greedy continuation of a fixed prompt for
 * {@value #STEPS} steps, then every step's logits of each format given the same tokens. Thresholds:
 * <ul>
 *   <li>bf16 (8 significant bits, relative rounding error at most 2^-9 per weight): cosine
 *       >= 0.9999 per step, max |error| <= 1% of the largest |logit|, top-1 agreement on every
 *       step. Measured: cosine >= 0.99999, error 0.38% (Llama) and 0.12% (Qwen2), 24 of 24; the
 *       thresholds leave a factor of about 2.5 for other seeds and shapes.
 *   <li>int8 per output channel (error at most half a step, 1/254 of the row's largest weight, four
 *       times bf16's worst case for a Gaussian row): cosine >= 0.999, max |error| <= 5% of the
 *       largest |logit|, top-1 agreement on at least 90% of the steps (a step whose two best
 *       logits are closer than int8's error may flip, and a random model's often are close).
 *       Measured: cosine >= 0.99991, error 1.2% and 0.37%, 24 of 24.
 * </ul>
 * The fast ops against the scalar reference on the same format: 1e-4 of the largest |logit|, as for
 * f32 ({@link DecoderModelTest}).
 */
class DecoderWeightFormatTest {

    private static final int STEPS = 24;

    @TempDir
    static Path dir;

    static Path llama;
    static Path qwen2;
    static Path llamaBf16;

    @BeforeAll
    static void generate() throws IOException {
        TinyDecoderSpec wide = TinyDecoderSpec.llama().withMerges(100).withSizes(128, 2, 4, 2, 352);
        llama = TinyModelGenerator.writeDecoder(dir.resolve("llama"), wide);
        llamaBf16 = TinyModelGenerator.writeDecoder(dir.resolve("llama-bf16"), wide.withDtype(DType.BF16));
        qwen2 = TinyModelGenerator.writeDecoder(dir.resolve("qwen2"), TinyDecoderSpec.qwen2().withMerges(100));
    }

    /** The f32 model's greedy continuation of {@code prompt}: prompt and {@link #STEPS} tokens. */
    private static int[] greedy(DecoderModel model, int[] prompt) {
        int[] tokens = Arrays.copyOf(prompt, prompt.length + STEPS);
        for (int step = 0; step < STEPS; step++) {
            int length = prompt.length + step;
            float[][] logits = DecoderModelTest.fullForward(model, Arrays.copyOf(tokens, length));
            tokens[length] = argmax(logits[length - 1]);
        }
        return tokens;
    }

    private static int argmax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }

    /** Agreement of {@code actual} with {@code expected} over the logit rows of the greedy steps. */
    record Quality(double minCosine, double maxRelativeError, int top1Agreements) {
        static Quality of(float[][] actual, float[][] expected, int from) {
            double minCosine = 1;
            double maxError = 0;
            double scale = 0;
            int agreements = 0;
            for (int r = from; r < expected.length; r++) {
                double dot = 0;
                double aa = 0;
                double ee = 0;
                for (int i = 0; i < expected[r].length; i++) {
                    dot += (double) actual[r][i] * expected[r][i];
                    aa += (double) actual[r][i] * actual[r][i];
                    ee += (double) expected[r][i] * expected[r][i];
                    maxError = Math.max(maxError, Math.abs(actual[r][i] - expected[r][i]));
                    scale = Math.max(scale, Math.abs(expected[r][i]));
                }
                minCosine = Math.min(minCosine, dot / Math.sqrt(aa * ee));
                agreements += argmax(actual[r]) == argmax(expected[r]) ? 1 : 0;
            }
            return new Quality(minCosine, maxError / scale, agreements);
        }
    }

    private static Quality quality(Path checkpoint, WeightFormat format) throws IOException {
        try (DecoderModel f32 = DecoderModel.load(checkpoint, new FastDecoderOps(2));
                DecoderModel other = DecoderModel.load(checkpoint, new FastDecoderOps(2), format)) {
            int[] prompt = DecoderModelTest.randomTokens(29, 7, f32.vocabSize());
            int[] tokens = greedy(f32, prompt);
            int[] inputs = Arrays.copyOf(tokens, tokens.length - 1); // the last token's logits are not a step
            return Quality.of(DecoderModelTest.fullForward(other, inputs), DecoderModelTest.fullForward(f32, inputs),
                    prompt.length - 1);
        }
    }

    @Test
    void bf16LogitsStayWithinTheirRoundingOfF32AndPickTheSameGreedyTokens() throws IOException {
        for (Path checkpoint : new Path[] {llama, qwen2}) {
            Quality q = quality(checkpoint, WeightFormat.BF16);
            String what = checkpoint.getFileName() + " bf16: " + q;
            assertThat(q.minCosine()).as(what).isGreaterThanOrEqualTo(0.9999);
            assertThat(q.maxRelativeError()).as(what).isLessThanOrEqualTo(0.01);
            assertThat(q.top1Agreements()).as(what).isEqualTo(STEPS);
        }
    }

    @Test
    void int8LogitsStayWithinTheirRoundingOfF32AndMostlyPickTheSameGreedyTokens() throws IOException {
        for (Path checkpoint : new Path[] {llama, qwen2}) {
            Quality q = quality(checkpoint, WeightFormat.INT8);
            String what = checkpoint.getFileName() + " int8: " + q;
            assertThat(q.minCosine()).as(what).isGreaterThanOrEqualTo(0.999);
            assertThat(q.maxRelativeError()).as(what).isLessThanOrEqualTo(0.05);
            assertThat(q.top1Agreements()).as(what).isGreaterThanOrEqualTo((int) Math.ceil(0.9 * STEPS));
        }
    }

    @Test
    void aBf16CheckpointLoadedAsBf16GivesTheF32ModelsLogitsBitForBit() throws IOException {
        // the same weights (bf16 widens exactly) and the same FMA chain per output in every kernel
        try (DecoderModel f32 = DecoderModel.load(llamaBf16, new FastDecoderOps(2));
                DecoderModel bf16 = DecoderModel.load(llamaBf16, new FastDecoderOps(2), WeightFormat.BF16)) {
            int[] tokens = DecoderModelTest.randomTokens(3, 13, f32.vocabSize());
            float[][] expected = DecoderModelTest.fullForward(f32, tokens);
            float[][] actual = DecoderModelTest.fullForward(bf16, tokens);
            for (int r = 0; r < expected.length; r++) {
                assertThat(actual[r]).as("row %d", r).containsExactly(expected[r]);
            }
            assertThat(bf16.weightFormat()).isEqualTo(WeightFormat.BF16);
            assertThat(bf16.toString()).contains("weights bf16");
        }
    }

    @Test
    void fastOpsMatchTheScalarReferenceInEveryFormat() throws IOException {
        for (WeightFormat format : WeightFormat.values()) {
            for (Path checkpoint : new Path[] {llamaBf16, qwen2}) {
                try (DecoderModel reference = DecoderModel.load(checkpoint, new ScalarDecoderOps(), format);
                        DecoderModel fast = DecoderModel.load(checkpoint, new FastDecoderOps(2), format)) {
                    int[] tokens = DecoderModelTest.randomTokens(7, 23, fast.vocabSize());
                    DecoderModelTest.assertClose(DecoderModelTest.fullForward(fast, tokens),
                            DecoderModelTest.fullForward(reference, tokens), 1e-4, checkpoint.getFileName() + " " + format);
                }
            }
        }
    }
}
