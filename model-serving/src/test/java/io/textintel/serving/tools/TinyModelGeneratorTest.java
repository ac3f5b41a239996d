package io.textintel.serving.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.textintel.serving.tokenizer.TextTokenizer;
import io.textintel.serving.tokenizer.TokenizedText;
import io.textintel.serving.weights.CheckpointWeights;
import io.textintel.serving.weights.DType;
import io.textintel.serving.weights.TensorInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TinyModelGeneratorTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String ENGLISH = "The central bank raised interest rates on Tuesday, and stocks fell as"
            + " investors worried that inflation would slow economic growth. Analysts said the company's new"
            + " software product could help customers protect their personal data online.";

    @TempDir
    Path dir;

    /** The tensors of a BertModel with {@code spec}, by name, as transformers saves them. */
    static Map<String, long[]> expectedBertTensors(TinyBertSpec spec, int vocab, String prefix) {
        long h = spec.hiddenSize();
        long i = spec.intermediateSize();
        Map<String, long[]> expected = new HashMap<>();
        expected.put("embeddings.word_embeddings.weight", new long[] {vocab, h});
        expected.put("embeddings.position_embeddings.weight", new long[] {spec.maxPositions(), h});
        expected.put("embeddings.token_type_embeddings.weight", new long[] {spec.typeVocabSize(), h});
        expected.put("embeddings.LayerNorm.weight", new long[] {h});
        expected.put("embeddings.LayerNorm.bias", new long[] {h});
        for (int layer = 0; layer < spec.layers(); layer++) {
            String base = "encoder.layer." + layer + ".";
            for (String projection : List.of("attention.self.query", "attention.self.key", "attention.self.value",
                    "attention.output.dense")) {
                expected.put(base + projection + ".weight", new long[] {h, h});
                expected.put(base + projection + ".bias", new long[] {h});
            }
            expected.put(base + "intermediate.dense.weight", new long[] {i, h});
            expected.put(base + "intermediate.dense.bias", new long[] {i});
            expected.put(base + "output.dense.weight", new long[] {h, i});
            expected.put(base + "output.dense.bias", new long[] {h});
            for (String norm : List.of("attention.output.LayerNorm", "output.LayerNorm")) {
                expected.put(base + norm + ".weight", new long[] {h});
                expected.put(base + norm + ".bias", new long[] {h});
            }
        }
        expected.put("pooler.dense.weight", new long[] {h, h});
        expected.put("pooler.dense.bias", new long[] {h});
        Map<String, long[]> prefixed = new HashMap<>();
        expected.forEach((name, shape) -> prefixed.put(prefix + name, shape));
        return prefixed;
    }

    private static void assertTensors(CheckpointWeights weights, Map<String, long[]> expected, DType dtype) {
        assertThat(weights.tensorNames()).containsExactlyInAnyOrderElementsOf(expected.keySet());
        expected.forEach((name, shape) ->
                assertThat(weights.info(name)).as(name).isEqualTo(new TensorInfo(name, dtype, shape)));
    }

    @Test
    void writesABertEmbedderInTheHuggingFaceLayout() throws IOException {
        TinyBertSpec spec = TinyBertSpec.small().withSizes(48, 3, 6, 96).withDtype(DType.F16);
        Path model = TinyModelGenerator.writeBertEmbedder(dir.resolve("emb"), spec);

        JsonNode config = JSON.readTree(model.resolve("config.json").toFile());
        assertThat(config.get("model_type").asText()).isEqualTo("bert");
        assertThat(config.get("architectures").get(0).asText()).isEqualTo("BertModel");
        assertThat(config.get("hidden_size").asInt()).isEqualTo(48);
        assertThat(config.get("num_hidden_layers").asInt()).isEqualTo(3);
        assertThat(config.get("num_attention_heads").asInt()).isEqualTo(6);
        assertThat(config.get("intermediate_size").asInt()).isEqualTo(96);
        assertThat(config.get("max_position_embeddings").asInt()).isEqualTo(128);
        assertThat(config.get("layer_norm_eps").asDouble()).isEqualTo(1e-12);
        assertThat(config.get("torch_dtype").asText()).isEqualTo("float16");
        int vocab = config.get("vocab_size").asInt();
        assertThat(vocab).isGreaterThan(3000);
        assertThat(Files.readAllLines(model.resolve("vocab.txt"))).hasSize(vocab);

        try (CheckpointWeights weights = CheckpointWeights.open(model)) {
            assertTensors(weights, expectedBertTensors(spec, vocab, ""), DType.F16);
            float[] words = weights.readFloats("embeddings.word_embeddings.weight");
            for (int k = 0; k < 48; k++) {
                assertThat(words[k]).as("padding row").isZero();
            }
            assertThat(standardDeviation(words, 48)).as("N(0, 0.02) init").isCloseTo(0.02, within(0.001));
            assertThat(weights.readFloats("encoder.layer.2.output.LayerNorm.weight")).containsOnly(1f);
            assertThat(weights.readFloats("encoder.layer.2.output.dense.bias")).containsOnly(0f);
        }

        JsonNode modules = JSON.readTree(model.resolve("modules.json").toFile());
        assertThat(modules).hasSize(3);
        assertThat(modules.get(1).get("path").asText()).isEqualTo("1_Pooling");
        assertThat(modules.get(2).get("type").asText()).isEqualTo("sentence_transformers.models.Normalize");
        JsonNode pooling = JSON.readTree(model.resolve("1_Pooling/config.json").toFile());
        assertThat(pooling.get("word_embedding_dimension").asInt()).isEqualTo(48);
        assertThat(pooling.get("pooling_mode_mean_tokens").asBoolean()).isTrue();
        assertThat(pooling.get("pooling_mode_cls_token").asBoolean()).isFalse();
        assertThat(model.resolve("config_sentence_transformers.json")).isRegularFile();
        assertThat(JSON.readTree(model.resolve("tokenizer_config.json").toFile()).get("model_max_length").asInt())
                .isEqualTo(128);
    }

    private static double standardDeviation(float[] values, int skip) {
        double sum = 0;
        double squares = 0;
        int n = values.length - skip;
        for (int k = skip; k < values.length; k++) {
            sum += values[k];
            squares += values[k] * (double) values[k];
        }
        double mean = sum / n;
        return Math.sqrt(squares / n - mean * mean);
    }

    @Test
    void writesClsPoolingAndPerturbedNormsWhenAsked() throws IOException {
        TinyBertSpec spec = TinyBertSpec.small().withPooling(TinyBertSpec.Pooling.CLS).withBiasAndNormStd(0.1);
        Path model = TinyModelGenerator.writeBertEmbedder(dir.resolve("cls"), spec);
        JsonNode pooling = JSON.readTree(model.resolve("1_Pooling/config.json").toFile());
        assertThat(pooling.get("pooling_mode_cls_token").asBoolean()).isTrue();
        assertThat(pooling.get("pooling_mode_mean_tokens").asBoolean()).isFalse();
        try (CheckpointWeights weights = CheckpointWeights.open(model)) {
            assertThat(weights.readFloats("embeddings.LayerNorm.weight")).doesNotContain(1f);
            assertThat(weights.readFloats("encoder.layer.0.attention.self.query.bias")).doesNotContain(0f);
        }
    }

    @Test
    void writesABertClassifier() throws IOException {
        TinyBertSpec spec = TinyBertSpec.small().withDtype(DType.BF16);
        List<String> labels = List.of("business", "sports", "science");
        Path model = TinyModelGenerator.writeBertClassifier(dir.resolve("clf"), spec, labels);
        JsonNode config = JSON.readTree(model.resolve("config.json").toFile());
        assertThat(config.get("architectures").get(0).asText()).isEqualTo("BertForSequenceClassification");
        assertThat(config.get("id2label").get("2").asText()).isEqualTo("science");
        assertThat(config.get("label2id").get("sports").asInt()).isEqualTo(1);
        assertThat(config.get("problem_type").asText()).isEqualTo("single_label_classification");
        int vocab = config.get("vocab_size").asInt();
        Map<String, long[]> expected = expectedBertTensors(spec, vocab, "bert.");
        expected.put("classifier.weight", new long[] {3, 32});
        expected.put("classifier.bias", new long[] {3});
        try (CheckpointWeights weights = CheckpointWeights.open(model)) {
            assertTensors(weights, expected, DType.BF16);
        }
        assertThat(model.resolve("modules.json")).doesNotExist();

        Path multi = TinyModelGenerator.writeBertClassifier(dir.resolve("multi"), spec, labels, true);
        assertThat(JSON.readTree(multi.resolve("config.json").toFile()).get("problem_type").asText())
                .isEqualTo("multi_label_classification");
        assertThatThrownBy(() -> TinyModelGenerator.writeBertClassifier(dir.resolve("bad"), spec, List.of("a", "a")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[a, a]");
    }

    @Test
    void tokenizesEnglishWithoutUnknownsAndFewPieces() throws IOException {
        Path model = TinyModelGenerator.writeBertEmbedder(dir.resolve("tok"), TinyBertSpec.small());
        try (TextTokenizer tokenizer = TextTokenizer.load(model, 512)) {
            TokenizedText text = tokenizer.encode(ENGLISH);
            int words = ENGLISH.split("\\s+").length;
            assertThat(text.unknownTokens()).isZero();
            // common words are whole tokens: at most ~1.5 tokens per word including punctuation
            assertThat(text.length()).isLessThan((int) (words * 1.5));
            assertThat(tokenizer.vocabularySize())
                    .isEqualTo(JSON.readTree(model.resolve("config.json").toFile()).get("vocab_size").asInt());
        }
    }

    @Test
    void isDeterministicForASeedAndSharesTheEncoderAcrossHeads() throws IOException {
        TinyBertSpec spec = TinyBertSpec.small().withSeed(7);
        Path first = TinyModelGenerator.writeBertEmbedder(dir.resolve("a"), spec);
        Path second = TinyModelGenerator.writeBertEmbedder(dir.resolve("b"), spec);
        Path other = TinyModelGenerator.writeBertEmbedder(dir.resolve("c"), spec.withSeed(8));
        for (String file : List.of("model.safetensors", "tokenizer.json", "config.json", "1_Pooling/config.json")) {
            assertThat(Files.readAllBytes(first.resolve(file))).as(file)
                    .isEqualTo(Files.readAllBytes(second.resolve(file)));
        }
        assertThat(Files.readAllBytes(first.resolve("model.safetensors")))
                .isNotEqualTo(Files.readAllBytes(other.resolve("model.safetensors")));

        Path classifier = TinyModelGenerator.writeBertClassifier(dir.resolve("d"), spec, List.of("no", "yes"));
        try (CheckpointWeights embedder = CheckpointWeights.open(first);
                CheckpointWeights head = CheckpointWeights.open(classifier)) {
            assertThat(head.readFloats("bert.encoder.layer.1.attention.self.key.weight"))
                    .containsExactly(embedder.readFloats("encoder.layer.1.attention.self.key.weight"));
        }
    }

    @Test
    void commandLineWritesTheRequestedModel() throws IOException {
        Path model = TinyModelGenerator.run(new String[] {"classifier", dir.resolve("cli").toString(), "--hidden", "16",
                "--heads", "2", "--layers", "1", "--intermediate", "32", "--labels", "spam,ham", "--multi-label",
                "--dtype", "bf16", "--seed", "3"});
        JsonNode config = JSON.readTree(model.resolve("config.json").toFile());
        assertThat(config.get("hidden_size").asInt()).isEqualTo(16);
        assertThat(config.get("num_hidden_layers").asInt()).isEqualTo(1);
        assertThat(config.get("id2label").get("0").asText()).isEqualTo("spam");
        assertThat(config.get("problem_type").asText()).isEqualTo("multi_label_classification");
        try (CheckpointWeights weights = CheckpointWeights.open(model)) {
            assertThat(weights.info("classifier.weight").dtype()).isEqualTo(DType.BF16);
        }
        assertThatThrownBy(() -> TinyModelGenerator.run(new String[] {"embedder", "x", "--hiden", "3"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--hiden");
        assertThatThrownBy(() -> TinyModelGenerator.run(new String[] {"gpt", dir.toString()}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("gpt");
    }

    /** The tensors of an MPNetModel with {@code spec}, by name and shape, as transformers saves them. */
    static Map<String, long[]> expectedMpnetTensors(TinyBertSpec spec, int vocab) {
        long h = spec.hiddenSize();
        long i = spec.intermediateSize();
        Map<String, long[]> expected = new HashMap<>();
        expected.put("embeddings.word_embeddings.weight", new long[] {vocab, h});
        expected.put("embeddings.position_embeddings.weight", new long[] {spec.maxPositions() + 2, h});
        expected.put("embeddings.LayerNorm.weight", new long[] {h});
        expected.put("embeddings.LayerNorm.bias", new long[] {h});
        expected.put("encoder.relative_attention_bias.weight", new long[] {32, spec.heads()});
        for (int layer = 0; layer < spec.layers(); layer++) {
            String base = "encoder.layer." + layer + ".";
            for (String projection : List.of("q", "k", "v", "o")) {
                expected.put(base + "attention.attn." + projection + ".weight", new long[] {h, h});
                expected.put(base + "attention.attn." + projection + ".bias", new long[] {h});
            }
            expected.put(base + "intermediate.dense.weight", new long[] {i, h});
            expected.put(base + "intermediate.dense.bias", new long[] {i});
            expected.put(base + "output.dense.weight", new long[] {h, i});
            expected.put(base + "output.dense.bias", new long[] {h});
            for (String norm : List.of("attention.LayerNorm", "output.LayerNorm")) {
                expected.put(base + norm + ".weight", new long[] {h});
                expected.put(base + norm + ".bias", new long[] {h});
            }
        }
        expected.put("pooler.dense.weight", new long[] {h, h});
        expected.put("pooler.dense.bias", new long[] {h});
        return expected;
    }

    @Test
    void writesAnMpnetEmbedderWithADenseModuleInTheHuggingFaceLayout() throws IOException {
        Path model = TinyModelGenerator.run(new String[] {"embedder", dir.resolve("mpnet").toString(), "--family",
            "mpnet", "--dense", "8", "--layers", "1"});
        TinyBertSpec spec = TinyBertSpec.small().withSizes(32, 1, 4, 64).withFamily(TinyBertSpec.Family.MPNET);
        JsonNode config = JSON.readTree(model.resolve("config.json").toFile());
        assertThat(config.get("model_type").asText()).isEqualTo("mpnet");
        assertThat(config.get("architectures").get(0).asText()).isEqualTo("MPNetModel");
        assertThat(config.get("pad_token_id").asInt()).isEqualTo(1);
        assertThat(config.get("max_position_embeddings").asInt()).isEqualTo(130);
        assertThat(config.has("type_vocab_size")).isFalse();
        JsonNode vocab = JSON.readTree(model.resolve("tokenizer.json").toFile()).get("model").get("vocab");
        assertThat(List.of(vocab.get("<s>").asInt(), vocab.get("<pad>").asInt(), vocab.get("</s>").asInt(),
                vocab.get("[UNK]").asInt())).containsExactly(0, 1, 2, 3);
        assertThat(vocab.get("<mask>").asInt()).isEqualTo(vocab.size() - 1);
        try (CheckpointWeights weights = CheckpointWeights.open(model)) {
            assertTensors(weights, expectedMpnetTensors(spec, vocab.size()), DType.F32);
            // nn.Embedding(padding_idx=1): the padding rows of words and positions are zero
            float[] words = weights.readFloats("embeddings.word_embeddings.weight");
            float[] positions = weights.readFloats("embeddings.position_embeddings.weight");
            for (int c = 0; c < 32; c++) {
                assertThat(words[32 + c]).isZero();
                assertThat(positions[32 + c]).isZero();
            }
        }
        JsonNode modules = JSON.readTree(model.resolve("modules.json").toFile());
        assertThat(modules.findValuesAsText("type")).containsExactly("sentence_transformers.models.Transformer",
                "sentence_transformers.models.Pooling", "sentence_transformers.models.Dense",
                "sentence_transformers.models.Normalize");
        JsonNode dense = JSON.readTree(model.resolve("2_Dense/config.json").toFile());
        assertThat(dense.get("in_features").asInt()).isEqualTo(32);
        assertThat(dense.get("out_features").asInt()).isEqualTo(8);
        assertThat(dense.get("activation_function").asText()).isEqualTo("torch.nn.modules.activation.Tanh");
        try (CheckpointWeights weights = CheckpointWeights.open(model.resolve("2_Dense"))) {
            assertTensors(weights, Map.of("linear.weight", new long[] {8, 32}, "linear.bias", new long[] {8}),
                    DType.F32);
        }
        assertThatThrownBy(() -> TinyModelGenerator.run(new String[] {"embedder", "x", "--family", "gpt"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected bert or mpnet");
        assertThatThrownBy(() -> TinyModelGenerator.writeBertClassifier(dir.resolve("c"), spec, List.of("a", "b")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("MPNet embedders only");
    }

    @Test
    void specRejectsInconsistentSizes() {
        assertThatThrownBy(() -> TinyBertSpec.small().withSizes(30, 2, 4, 64))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("heads");
        assertThatThrownBy(() -> TinyBertSpec.small().withDtype(DType.I8))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("I8");
    }
}
