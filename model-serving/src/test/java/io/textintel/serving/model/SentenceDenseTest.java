package io.textintel.serving.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.textintel.serving.backend.Backend;
import io.textintel.serving.backend.cpu.CpuBackend;
import io.textintel.serving.backend.cpu.ScalarBackend;
import io.textintel.serving.batch.TokenBatch;
import io.textintel.serving.config.EngineConfig;
import io.textintel.serving.engine.EncoderEngine;
import io.textintel.serving.tensor.Tensor;
import io.textintel.serving.tools.TinyBertSpec;
import io.textintel.serving.tools.TinyModelGenerator;
import io.textintel.serving.weights.CheckpointWeights;
import io.textintel.serving.weights.DType;
import io.textintel.serving.weights.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * sentence-transformers pipelines with Dense modules after pooling (Transformer, Pooling, Dense,
 * Dense, Normalize), run by the engine against a reference computed here in double precision.
 */
class SentenceDenseTest {

    /**
     * Float32 engine against the double reference: the encoder part is within ~3e-7 (see
     * {@link MpnetEncoderTest}); two small Dense layers (32 -> 24 -> 16, sums of 32 float products)
     * add rounding of the same order. 5e-6 leaves room and stays far below the changes a dropped
     * bias, activation or module makes (checked below).
     */
    private static final double TOLERANCE = 5e-6;

    private static final CpuBackend FAST = new CpuBackend(2);
    private static final ScalarBackend SCALAR = new ScalarBackend();
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path models;

    private static Path modelDir;
    private static List<int[]> sequences;

    @BeforeAll
    static void generateModel() throws IOException {
        TinyBertSpec spec = TinyBertSpec.small().withFamily(TinyBertSpec.Family.MPNET).withBiasAndNormStd(0.3)
                .withDenseFeatures(24);
        modelDir = TinyModelGenerator.writeBertEmbedder(models.resolve("mpnet-dense"), spec);
        addIdentityDenseWithoutBias(modelDir, 24, 16);
        Random random = new Random(9);
        sequences = List.of(new int[] {0, 2}, ids(random, 9), ids(random, 30));
    }

    @AfterAll
    static void closeBackend() {
        FAST.close();
    }

    static Stream<Backend> backends() {
        return Stream.of(SCALAR, FAST);
    }

    @Test
    void theEmbeddingDimensionIsTheLastDenseOutput() throws IOException {
        assertThat(EncoderModel.outputDimension(modelDir)).isEqualTo(16);
        assertThat(EncoderModel.load(modelDir, SCALAR).embeddingDimension()).isEqualTo(16);

        Path plain = TinyModelGenerator.writeBertEmbedder(models.resolve("plain"), TinyBertSpec.small());
        assertThat(EncoderModel.outputDimension(plain)).isEqualTo(32);
        Path oneDense = TinyModelGenerator.writeBertEmbedder(models.resolve("bert-dense"),
                TinyBertSpec.small().withDenseFeatures(8));
        assertThat(EncoderModel.outputDimension(oneDense)).isEqualTo(8);
        assertThat(EncoderModel.load(oneDense, SCALAR).embed(TokenBatch.packed(List.of(new int[] {2, 40, 3})))
                .shape()).containsExactly(1, 8);
    }

    @Test
    void theEngineReportsAndReturnsTheSizeAfterDense() throws Exception {
        try (EncoderEngine engine = EncoderEngine.open(modelDir, EngineConfig.builder().threads(1).build())) {
            assertThat(engine.model().embeddingDimension()).isEqualTo(16);
            assertThat(engine.model().hiddenSize()).isEqualTo(32);
            float[] embedding = engine.embed(sequences.get(1)).get(60, TimeUnit.SECONDS);
            double[] expected = reference(sequences.get(1), true, true);
            assertThat(embedding).hasSize(16);
            for (int c = 0; c < 16; c++) {
                assertThat((double) embedding[c]).isCloseTo(expected[c], within(TOLERANCE));
            }
        }
    }

    @ParameterizedTest(autoCloseArguments = false) // the backends are shared and closed once
    @MethodSource("backends")
    void embeddingsMatchPoolingThenDenseThenNormalize(Backend backend) throws IOException {
        EncoderModel model = EncoderModel.load(modelDir, backend);
        Tensor embeddings = model.embed(TokenBatch.packed(sequences)); // [3, 16]
        assertThat(embeddings.shape()).containsExactly(3, 16);
        for (int s = 0; s < sequences.size(); s++) {
            double[] expected = reference(sequences.get(s), true, true);
            double max = 0;
            double norm = 0;
            for (int c = 0; c < 16; c++) {
                max = Math.max(max, Math.abs(embeddings.get(s, c) - expected[c]));
                norm += (double) embeddings.get(s, c) * embeddings.get(s, c);
            }
            assertThat(max).as("%s sequence %d", backend.name(), s).isLessThanOrEqualTo(TOLERANCE);
            assertThat(Math.sqrt(norm)).isCloseTo(1.0, within(1e-6));
        }
    }

    @Test
    void droppingTheActivationOrTheBiasWouldBeNoticed() throws IOException {
        int[] ids = sequences.get(2);
        double[] right = reference(ids, true, true);
        for (double[] wrong : List.of(reference(ids, false, true), reference(ids, true, false))) {
            double max = 0;
            for (int c = 0; c < right.length; c++) {
                max = Math.max(max, Math.abs(right[c] - wrong[c]));
            }
            assertThat(max).isGreaterThan(100 * TOLERANCE);
        }
    }

    /**
     * MPNet (the independent reference), mean pooling, Dense 1 ({@code tanh(W1 x + b1)}, or without
     * tanh / bias when asked), Dense 2 ({@code W2 x}, identity, no bias), unit L2 norm.
     */
    private static double[] reference(int[] ids, boolean tanh, boolean bias) throws IOException {
        double[] pooled;
        try (CheckpointWeights weights = CheckpointWeights.open(modelDir)) {
            MpnetReference mpnet = new MpnetReference(weights, 32, 4, 2, 64, 1e-5);
            double[][] states = mpnet.forward(ids, MpnetReference.Variant.HF);
            pooled = new double[32];
            for (double[] row : states) {
                for (int c = 0; c < 32; c++) {
                    pooled[c] += row[c] / states.length;
                }
            }
        }
        double[] first;
        try (CheckpointWeights dense = CheckpointWeights.open(modelDir.resolve("2_Dense"))) {
            first = dense(pooled, dense.readFloats("linear.weight"), bias ? dense.readFloats("linear.bias") : null, 24);
        }
        if (tanh) {
            for (int c = 0; c < first.length; c++) {
                first[c] = Math.tanh(first[c]);
            }
        }
        try (CheckpointWeights dense = CheckpointWeights.open(modelDir.resolve("3_Dense"))) {
            return MpnetReference.normalized(dense(first, dense.readFloats("linear.weight"), null, 16));
        }
    }

    private static double[] dense(double[] x, float[] weight, float[] bias, int out) {
        double[] y = new double[out];
        for (int o = 0; o < out; o++) {
            y[o] = bias == null ? 0 : bias[o];
            for (int i = 0; i < x.length; i++) {
                y[o] += weight[o * x.length + i] * x[i];
            }
        }
        return y;
    }

    /** Inserts a second Dense module (identity, no bias) between 2_Dense and Normalize. */
    private static void addIdentityDenseWithoutBias(Path dir, int in, int out) throws IOException {
        Path module = Files.createDirectories(dir.resolve("3_Dense"));
        JSON.writeValue(module.resolve("config.json").toFile(), JSON.createObjectNode()
                .put("in_features", in).put("out_features", out).put("bias", false)
                .put("activation_function", "torch.nn.modules.linear.Identity"));
        Random random = new Random(3);
        float[] weight = new float[out * in];
        for (int i = 0; i < weight.length; i++) {
            weight[i] = (float) (random.nextGaussian() / Math.sqrt(in));
        }
        new SafetensorsWriter().add("linear.weight", DType.F32, new long[] {out, in}, weight)
                .write(module.resolve("model.safetensors"));
        ArrayNode modules = (ArrayNode) JSON.readTree(dir.resolve("modules.json").toFile());
        ObjectNode normalize = (ObjectNode) modules.remove(modules.size() - 1);
        modules.addObject().put("idx", 3).put("name", "3").put("path", "3_Dense")
                .put("type", "sentence_transformers.models.Dense");
        modules.add(normalize.put("idx", 4).put("name", "4"));
        JSON.writeValue(dir.resolve("modules.json").toFile(), modules);
    }

    private static int[] ids(Random random, int length) {
        int[] ids = new int[length];
        for (int t = 1; t < length - 1; t++) {
            ids[t] = 4 + random.nextInt(2000);
        }
        ids[length - 1] = 2;
        return ids;
    }
}
