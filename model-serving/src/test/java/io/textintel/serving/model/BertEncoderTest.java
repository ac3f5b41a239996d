package io.textintel.serving.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.textintel.serving.backend.Backend;
import io.textintel.serving.backend.cpu.CpuBackend;
import io.textintel.serving.backend.cpu.CpuKernel;
import io.textintel.serving.backend.cpu.ScalarBackend;
import io.textintel.serving.batch.TokenBatch;
import io.textintel.serving.config.EncoderConfig;
import io.textintel.serving.config.PoolingConfig;
import io.textintel.serving.config.PoolingMode;
import io.textintel.serving.tensor.Tensor;
import io.textintel.serving.tools.TinyBertSpec;
import io.textintel.serving.tools.TinyModelGenerator;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BertEncoderTest {

    private static final CpuBackend FAST = new CpuBackend(2);
    private static final ScalarBackend REFERENCE = new ScalarBackend();

    @TempDir
    static Path models;

    private static Path embedderDir;

    @BeforeAll
    static void generateModels() throws IOException {
        // biases and norm parameters perturbed so that ignoring one would change the outputs
        embedderDir = TinyModelGenerator.writeBertEmbedder(models.resolve("embedder"),
                TinyBertSpec.small().withBiasAndNormStd(0.1));
    }

    @AfterAll
    static void closeBackend() {
        FAST.close();
    }

    static EncoderConfig config(String type, int vocab, int hidden, int layers, int heads, int intermediate, String act,
            int positions, int types, int pad) {
        return new EncoderConfig(type, List.of(), hidden, layers, heads, intermediate, act, positions, types, vocab,
                1e-12, pad, List.of(), null, "absolute");
    }

    @Test
    void referenceForwardMatchesHandComputedTinyModel() {
        // hidden 4, one layer, one head, ReLU. Query and key weights are zero, so attention is
        // uniform and each token's context is the mean of the value (= identity) rows; the FFN
        // is identity -> ReLU -> identity. Expected numbers were worked out by hand in closed form
        // (LayerNorm, mean, ReLU of known vectors) in plain Python, not with this code.
        float[] identity = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
        float[] zeros16 = new float[16];
        float[] zeros4 = new float[4];
        float[] ones4 = {1, 1, 1, 1};
        MapWeights weights = new MapWeights()
                .put("embeddings.word_embeddings.weight", new float[] {0, 0, 0, 0, 1, -1, 1, -1, 2, -2, 0, 0}, 3, 4)
                .put("embeddings.position_embeddings.weight", new float[16], 4, 4)
                .put("embeddings.token_type_embeddings.weight", zeros4, 1, 4)
                .put("embeddings.LayerNorm.weight", ones4, 4)
                .put("embeddings.LayerNorm.bias", zeros4, 4);
        String layer = "encoder.layer.0.";
        weights.put(layer + "attention.self.query.weight", zeros16, 4, 4).put(layer + "attention.self.query.bias", zeros4, 4)
                .put(layer + "attention.self.key.weight", zeros16, 4, 4).put(layer + "attention.self.key.bias", zeros4, 4)
                .put(layer + "attention.self.value.weight", identity, 4, 4).put(layer + "attention.self.value.bias", zeros4, 4)
                .put(layer + "attention.output.dense.weight", identity, 4, 4)
                .put(layer + "attention.output.dense.bias", zeros4, 4)
                .put(layer + "attention.output.LayerNorm.weight", ones4, 4)
                .put(layer + "attention.output.LayerNorm.bias", zeros4, 4)
                .put(layer + "intermediate.dense.weight", identity, 4, 4).put(layer + "intermediate.dense.bias", zeros4, 4)
                .put(layer + "output.dense.weight", identity, 4, 4).put(layer + "output.dense.bias", zeros4, 4)
                .put(layer + "output.LayerNorm.weight", ones4, 4).put(layer + "output.LayerNorm.bias", zeros4, 4);
        EncoderConfig config = config("bert", 3, 4, 1, 1, 4, "relu", 4, 1, 0);
        EncoderModel model = EncoderModel.load("hand", config, Optional.empty(), weights, REFERENCE);

        Tensor hidden = model.encoder().forward(TokenBatch.packed(List.of(new int[] {1, 2})));
        assertThat(hidden.toArray()).containsExactly(new float[] {
                1.2297149820078246f, -1.1050475205100188f, 0.731045136016601f, -0.8557125975144069f,
                1.5495689034659008f, -1.1812471602680887f, 0.07628193067465194f, -0.44460367387246413f},
                within(1e-6f));
        Tensor embedding = model.embed(TokenBatch.packed(List.of(new int[] {1, 2})));
        assertThat(embedding.toArray()).containsExactly(new float[] {
                0.7106734170799615f, -0.5846142100605786f, 0.20643658900242948f, -0.33249579602181245f},
                within(1e-6f));
    }

    @Test
    void fastBackendMatchesReferenceOnGeneratedCheckpoint() throws IOException {
        EncoderModel fast = EncoderModel.load(embedderDir, FAST);
        EncoderModel reference = EncoderModel.load(embedderDir, REFERENCE);
        TokenBatch batch = TokenBatch.packed(randomSequences(new Random(1), fast.config(), 1, 7, 33, 100));
        // two layers of hidden 32: float32 rounding of sums over <= 64 terms (~1e-6 relative) passes
        // through LayerNorms that rescale by up to ~10; 1e-4 on unit-scale states leaves room
        assertThat(maxAbsDiff(fast.encoder().forward(batch), reference.encoder().forward(batch))).isLessThan(1e-4);
        assertThat(maxAbsDiff(fast.embed(batch), reference.embed(batch))).isLessThan(1e-5);
    }

    @Test
    void aSequenceGetsBitForBitTheSameEmbeddingAloneAndAtAnyPlaceInABatch() throws IOException {
        // No tolerance: a replay after a failure batches documents differently and must write the same
        // vectors, so every kernel must reduce a row in the same order whatever rows surround it.
        for (CpuKernel kernel : CpuKernel.values()) {
            if (!kernel.isAvailable()) {
                continue;
            }
            try (CpuBackend backend = new CpuBackend(2, kernel)) {
                EncoderModel model = EncoderModel.load(embedderDir, backend);
                List<int[]> sequences = randomSequences(new Random(5), model.config(), 9, 3, 17, 1, 12, 6, 30, 2);
                Tensor batched = model.embed(TokenBatch.packed(sequences));
                for (int i = 0; i < sequences.size(); i++) {
                    Tensor alone = model.embed(TokenBatch.packed(List.of(sequences.get(i))));
                    assertThat(batched.row(i)).as("%s kernel, sequence %d", kernel, i).isEqualTo(alone.row(0));
                }
            }
        }
    }

    @Test
    void batchedMixedLengthsEqualOneAtATimeInBothLayouts() throws IOException {
        EncoderModel model = EncoderModel.load(embedderDir, FAST);
        List<int[]> sequences = randomSequences(new Random(2), model.config(), 5, 1, 128, 17, 3, 64);
        Tensor packed = model.embed(TokenBatch.packed(sequences));
        Tensor padded = model.embed(TokenBatch.padded(sequences, model.config().padTokenId()));
        for (int i = 0; i < sequences.size(); i++) {
            Tensor alone = model.embed(TokenBatch.packed(List.of(sequences.get(i))));
            // same kernels on the same rows: only the tiling of the matmul differs, float sums in
            // the same k order, so differences are at most a few ulps
            assertThat(maxAbsDiff(Tensor.of(packed.row(i), 1, 32), alone)).as("sequence %d packed", i)
                    .isLessThan(1e-6);
            assertThat(maxAbsDiff(Tensor.of(padded.row(i), 1, 32), alone)).as("sequence %d padded", i)
                    .isLessThan(1e-6);
        }
    }

    @Test
    void embeddingsHaveUnitNormAndTheHiddenDimension() throws IOException {
        EncoderModel model = EncoderModel.load(embedderDir, FAST);
        assertThat(model.embeddingDimension()).isEqualTo(32);
        assertThat(model.pooling()).contains(PoolingMode.MEAN);
        Tensor embeddings = model.embed(TokenBatch.packed(randomSequences(new Random(3), model.config(), 2, 9, 40)));
        assertThat(embeddings.shape()).containsExactly(3, 32);
        for (int i = 0; i < 3; i++) {
            double norm = 0;
            for (float v : embeddings.row(i)) {
                norm += v * v;
            }
            assertThat(Math.sqrt(norm)).isCloseTo(1.0, within(1e-6));
        }
    }

    @Test
    void robertaPositionsStartAfterThePaddingIndex() {
        // RoBERTa's position of token t is padding_idx + 1 + t: with pad id 1, row t + 2 of the
        // table. A BERT model whose table is the RoBERTa table minus its first two rows must agree.
        Random random = new Random(4);
        MapWeights roberta = new MapWeights().randomBert(random, "roberta.", 50, 16, 2, 32, 20, 1);
        float[] table = roberta.get("roberta.embeddings.position_embeddings.weight");
        float[] shifted = java.util.Arrays.copyOfRange(table, 2 * 16, 20 * 16);
        MapWeights bert = roberta.renamed("roberta.", "bert.")
                .put("bert.embeddings.position_embeddings.weight", shifted, 18, 16);
        EncoderModel robertaModel = EncoderModel.load("r", config("roberta", 50, 16, 2, 4, 32, "gelu", 20, 1, 1),
                Optional.empty(), roberta, REFERENCE);
        EncoderModel bertModel = EncoderModel.load("b", config("bert", 50, 16, 2, 4, 32, "gelu", 18, 1, 1),
                Optional.empty(), bert, REFERENCE);
        assertThat(robertaModel.config().maxSequenceLength()).isEqualTo(18);
        TokenBatch batch = TokenBatch.packed(List.of(new int[] {0, 5, 9, 2}, new int[] {0, 7, 2}));
        assertThat(maxAbsDiff(robertaModel.encoder().forward(batch), bertModel.encoder().forward(batch))).isZero();
    }

    @Test
    void distilbertNamesMapOntoTheSameComputation() {
        Random random = new Random(5);
        MapWeights bert = new MapWeights().randomBert(random, "", 50, 16, 2, 32, 20, 0);
        MapWeights distil = bert.renamed(
                "encoder.layer.", "distilbert.transformer.layer.",
                "attention.self.query", "attention.q_lin",
                "attention.self.key", "attention.k_lin",
                "attention.self.value", "attention.v_lin",
                "attention.output.dense", "attention.out_lin",
                "attention.output.LayerNorm", "sa_layer_norm",
                "intermediate.dense", "ffn.lin1",
                "output.dense", "ffn.lin2",
                "output.LayerNorm", "output_layer_norm")
                .renamed("embeddings.", "distilbert.embeddings.");
        EncoderModel bertModel = EncoderModel.load("b", config("bert", 50, 16, 2, 4, 32, "gelu", 20, 0, 0),
                Optional.empty(), bert, REFERENCE);
        EncoderModel distilModel = EncoderModel.load("d", config("distilbert", 50, 16, 2, 4, 32, "gelu", 20, 0, 0),
                Optional.empty(), distil, REFERENCE);
        TokenBatch batch = TokenBatch.packed(List.of(new int[] {1, 5, 9, 2}));
        assertThat(maxAbsDiff(distilModel.embed(batch), bertModel.embed(batch))).isZero();
    }

    @Test
    void poolingConfigSelectsClsAndMax() {
        Random random = new Random(6);
        MapWeights weights = new MapWeights().randomBert(random, "", 50, 16, 1, 32, 20, 2);
        EncoderConfig config = config("bert", 50, 16, 1, 4, 32, "gelu", 20, 2, 0);
        TokenBatch batch = TokenBatch.packed(List.of(new int[] {1, 5, 9, 2}));
        Tensor hidden = EncoderModel.load("m", config, Optional.empty(), weights, REFERENCE).encoder().forward(batch);
        EncoderModel cls = EncoderModel.load("m", config, Optional.of(new PoolingConfig(PoolingMode.CLS, 16, true)),
                weights, REFERENCE);
        float[] first = hidden.row(0);
        double norm = 0;
        for (float v : first) {
            norm += v * v;
        }
        float[] expected = new float[16];
        for (int i = 0; i < 16; i++) {
            expected[i] = (float) (first[i] / Math.sqrt(norm));
        }
        assertThat(cls.embed(batch).toArray()).containsExactly(expected, within(1e-6f));
        EncoderModel max = EncoderModel.load("m", config, Optional.of(new PoolingConfig(PoolingMode.MAX, 16, true)),
                weights, REFERENCE);
        assertThat(max.embed(batch).toArray()).isNotEqualTo(cls.embed(batch).toArray());
    }

    @Test
    void missingOrMisshapenTensorsAreNamed() {
        Random random = new Random(7);
        EncoderConfig config = config("bert", 50, 16, 1, 4, 32, "gelu", 20, 2, 0);
        MapWeights missing = new MapWeights().randomBert(random, "bert.", 50, 16, 1, 32, 20, 2)
                .without("bert.encoder.layer.0.output.dense.bias");
        assertThatThrownBy(() -> BertEncoder.load(config, missing, REFERENCE))
                .hasMessageContaining("bert.encoder.layer.0.output.dense.bias");
        MapWeights wrong = new MapWeights().randomBert(random, "", 50, 16, 1, 32, 20, 2)
                .random(random, "encoder.layer.0.intermediate.dense.weight", 0.1, 31, 16);
        assertThatThrownBy(() -> BertEncoder.load(config, wrong, REFERENCE))
                .hasMessage("tensor encoder.layer.0.intermediate.dense.weight has shape [31, 16], expected [32, 16]");
        assertThatThrownBy(() -> BertEncoder.load(config("bert", 50, 16, 1, 4, 32, "swish", 20, 2, 0),
                        new MapWeights().randomBert(random, "", 50, 16, 1, 32, 20, 2), REFERENCE))
                .hasMessageContaining("unsupported activation swish");
    }

    static List<int[]> randomSequences(Random random, EncoderConfig config, int... lengths) {
        List<int[]> sequences = new ArrayList<>();
        for (int length : lengths) {
            int[] ids = new int[length];
            for (int t = 0; t < length; t++) {
                ids[t] = 1 + random.nextInt(config.vocabSize() - 1);
            }
            sequences.add(ids);
        }
        return sequences;
    }

    static double maxAbsDiff(Tensor a, Tensor b) {
        assertThat(a.shape()).isEqualTo(b.shape());
        double max = 0;
        for (int i = 0; i < a.size(); i++) {
            max = Math.max(max, Math.abs((double) a.data()[i] - b.data()[i]));
        }
        return max;
    }
}
