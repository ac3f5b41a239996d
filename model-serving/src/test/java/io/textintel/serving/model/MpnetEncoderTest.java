package io.textintel.serving.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.textintel.serving.backend.Backend;
import io.textintel.serving.backend.cpu.CpuBackend;
import io.textintel.serving.backend.cpu.CpuKernel;
import io.textintel.serving.backend.cpu.ScalarBackend;
import io.textintel.serving.backend.cuda.CudaBackend;
import io.textintel.serving.batch.TokenBatch;
import io.textintel.serving.config.EncoderConfig;
import io.textintel.serving.tensor.Tensor;
import io.textintel.serving.tokenizer.TextTokenizer;
import io.textintel.serving.tools.TinyBertSpec;
import io.textintel.serving.tools.TinyModelGenerator;
import io.textintel.serving.weights.CheckpointWeights;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * MPNet end to end: a generated {@code MPNetModel} checkpoint in the real layout, run by the
 * engine on each CPU backend, against {@link MpnetReference}, an independent double-precision
 * forward pass written from the Hugging Face formulas.
 */
class MpnetEncoderTest {

    /**
     * Engine (float32) against the double reference: two post-norm layers of width 32 keep float
     * rounding near 1e-7 per value (LayerNorm outputs of order 1; measured at most ~3e-7). 5e-6
     * leaves room for each backend's accumulation order, and is still 100 times below the smallest
     * change any formula variant below makes.
     */
    private static final double TOLERANCE = 5e-6;

    private static final CpuBackend FAST = new CpuBackend(2);
    private static final CpuBackend PORTABLE = new CpuBackend(2, CpuKernel.PORTABLE);
    private static final ScalarBackend SCALAR = new ScalarBackend();

    @TempDir
    static Path models;

    private static Path modelDir;
    private static EncoderConfig config;
    private static List<int[]> sequences;

    @BeforeAll
    static void generateModel() throws IOException {
        // biases, norms and the relative bias perturbed (std 0.3) so that ignoring or misplacing one shows
        TinyBertSpec spec = TinyBertSpec.small().withFamily(TinyBertSpec.Family.MPNET).withBiasAndNormStd(0.3);
        modelDir = TinyModelGenerator.writeBertEmbedder(models.resolve("mpnet"), spec);
        config = EncoderConfig.read(modelDir);
        Random random = new Random(5);
        sequences = new ArrayList<>();
        // lengths reach distances in every bucket: exact (< 8), logarithmic, and the last (>= 91)
        for (int length : new int[] {1, 3, 17, 40, 128}) {
            int[] ids = new int[length];
            for (int t = 0; t < length; t++) {
                ids[t] = 4 + random.nextInt(config.vocabSize() - 5); // real tokens: not <s>, <pad>, </s>, [UNK], <mask>
            }
            ids[0] = 0; // <s>
            ids[length - 1] = length > 1 ? 2 : ids[length - 1]; // </s>
            sequences.add(ids);
        }
    }

    @AfterAll
    static void closeBackends() {
        FAST.close();
        PORTABLE.close();
    }

    static Stream<Backend> backends() {
        return Stream.of(SCALAR, FAST, PORTABLE);
    }

    @Test
    void bucketsAreT5sBidirectionalBucketsWithTheirClosedFormBoundaries() {
        // 8 exact buckets (distance 0..7), then bucket 8 + k from distance ceil(8 * 16^(k / 8)):
        // 8, 11.3, 16, 22.6, 32, 45.3, 64, 90.5 -> 8, 12, 16, 23, 32, 46, 64, 91; everything farther is 15
        int[] firstDistance = {8, 12, 16, 23, 32, 46, 64, 91};
        for (int distance = 0; distance < 8; distance++) {
            assertThat(RelativePositionBias.bucket(-distance)).as("key %d before", distance).isEqualTo(distance);
            assertThat(RelativePositionBias.bucket(distance)).as("key %d after", distance)
                    .isEqualTo(distance == 0 ? 0 : 16 + distance);
        }
        for (int k = 0; k < firstDistance.length; k++) {
            int d = firstDistance[k];
            assertThat(RelativePositionBias.bucket(-d)).as("key %d before", d).isEqualTo(8 + k);
            assertThat(RelativePositionBias.bucket(d)).as("key %d after", d).isEqualTo(24 + k);
            assertThat(RelativePositionBias.bucket(-(d - 1))).as("key %d before", d - 1).isEqualTo(Math.min(7 + k, 14));
        }
        assertThat(RelativePositionBias.bucket(-100_000)).isEqualTo(15);
        assertThat(RelativePositionBias.bucket(100_000)).isEqualTo(31);
        for (int relative = -2000; relative <= 2000; relative++) {
            assertThat(RelativePositionBias.bucket(relative)).as("relative %d", relative)
                    .isEqualTo(MpnetReference.bucket(relative));
        }
    }

    @Test
    void configReadsMpnetDefaults() {
        assertThat(config.isMpnet()).isTrue();
        assertThat(config.typeVocabSize()).isZero();
        assertThat(config.padTokenId()).isEqualTo(1);
        assertThat(config.positionOffset()).isEqualTo(2);
        assertThat(config.maxPositionEmbeddings()).isEqualTo(130);
        assertThat(config.maxSequenceLength()).isEqualTo(128);
    }

    @Test
    void generatedTokenizerWrapsTextInMpnetsSpecialTokens() throws IOException {
        try (TextTokenizer tokenizer = TextTokenizer.load(modelDir, 512)) {
            int[] ids = tokenizer.encode("the customer was happy").ids();
            assertThat(ids[0]).isZero(); // <s>
            assertThat(ids[ids.length - 1]).isEqualTo(2); // </s>
            assertThat(ids).doesNotContain(1, 3); // <pad>, [UNK]
            assertThat(tokenizer.maxLength()).isEqualTo(128);
        }
    }

    @ParameterizedTest(autoCloseArguments = false) // the backends are shared and closed once
    @MethodSource("backends")
    void hiddenStatesMatchTheReference(Backend backend) throws IOException {
        try (CheckpointWeights weights = CheckpointWeights.open(modelDir)) {
            BertEncoder encoder = BertEncoder.load(config, weights, backend);
            MpnetReference reference = reference(weights);
            Tensor hidden = encoder.forward(TokenBatch.packed(sequences)); // [rows, hidden]
            int row = 0;
            for (int[] ids : sequences) {
                double[][] expected = reference.forward(ids, MpnetReference.Variant.HF);
                for (double[] token : expected) {
                    for (int c = 0; c < token.length; c++) {
                        assertThat((double) hidden.get(row, c)).as("%s row %d col %d", backend.name(), row, c)
                                .isCloseTo(token[c], within(TOLERANCE));
                    }
                    row++;
                }
            }
        }
    }

    @ParameterizedTest(autoCloseArguments = false) // the backends are shared and closed once
    @MethodSource("backends")
    void embeddingsMatchTheReference(Backend backend) throws IOException {
        EncoderModel model = EncoderModel.load(modelDir, backend);
        assertThat(model.embeddingDimension()).isEqualTo(32);
        Tensor embeddings = model.embed(TokenBatch.packed(sequences)); // [sequences, 32]
        try (CheckpointWeights weights = CheckpointWeights.open(modelDir)) {
            MpnetReference reference = reference(weights);
            for (int s = 0; s < sequences.size(); s++) {
                double[] expected = MpnetReference.meanNormalized(reference.forward(sequences.get(s),
                        MpnetReference.Variant.HF));
                assertThat(maxAbsDiff(embeddings.row(s), expected)).as("%s sequence %d", backend.name(), s)
                        .isLessThanOrEqualTo(TOLERANCE);
            }
        }
    }

    @Test
    void eachWrongFormulaWouldBeNoticed() throws IOException {
        // the test is only as good as its sensitivity: every variant moves the outputs far past TOLERANCE
        try (CheckpointWeights weights = CheckpointWeights.open(modelDir)) {
            MpnetReference reference = reference(weights);
            int[] ids = sequences.get(3);
            double[][] right = reference.forward(ids, MpnetReference.Variant.HF);
            for (MpnetReference.Variant variant : new MpnetReference.Variant[] {
                MpnetReference.Variant.NO_RELATIVE_BIAS, MpnetReference.Variant.MIRRORED_BIAS,
                MpnetReference.Variant.POSITIONS_FROM_ZERO}) {
                double[][] wrong = reference.forward(ids, variant);
                double max = 0;
                for (int t = 0; t < right.length; t++) {
                    max = Math.max(max, maxAbsDiff(right[t], wrong[t]));
                }
                assertThat(max).as("variant %s", variant).isGreaterThan(100 * TOLERANCE);
            }
        }
    }

    @Test
    void aBackendThatCannotAddAnAttentionBiasIsRefused() throws IOException {
        Backend noBias = new ForwardingBackend(SCALAR) {
            @Override
            public boolean supportsAttentionBias() {
                return false;
            }
        };
        try (CheckpointWeights weights = CheckpointWeights.open(modelDir)) {
            assertThatThrownBy(() -> BertEncoder.load(config, weights, noBias))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("model_type mpnet needs an attention bias")
                    .hasMessageContaining("backend forwarding");
        }
    }

    @Test
    void theCudaBackendDeclaresNoAttentionBias() throws NoSuchMethodException {
        // its fused attention kernel has no bias input, so BertEncoder.load refuses MPNet on it (above)
        assertThat(CudaBackend.class.getMethod("supportsAttentionBias").getDeclaringClass()).isEqualTo(Backend.class);
    }

    @Test
    void longerThanThePositionsAllowIsRefused() throws IOException {
        EncoderModel model = EncoderModel.load(modelDir, FAST);
        assertThatThrownBy(() -> model.embed(TokenBatch.packed(List.of(new int[129]))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sequence of 129 tokens, expected at most 128");
    }

    private static MpnetReference reference(CheckpointWeights weights) {
        return new MpnetReference(weights, config.hiddenSize(), config.numAttentionHeads(), config.numHiddenLayers(),
                config.intermediateSize(), config.layerNormEps());
    }

    private static double maxAbsDiff(float[] actual, double[] expected) {
        double max = 0;
        for (int c = 0; c < expected.length; c++) {
            max = Math.max(max, Math.abs(actual[c] - expected[c]));
        }
        return max;
    }

    private static double maxAbsDiff(double[] a, double[] b) {
        double max = 0;
        for (int c = 0; c < a.length; c++) {
            max = Math.max(max, Math.abs(a[c] - b[c]));
        }
        return max;
    }
}
