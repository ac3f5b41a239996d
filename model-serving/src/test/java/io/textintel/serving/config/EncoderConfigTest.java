package io.textintel.serving.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EncoderConfigTest {

    @Test
    void mapsHuggingFaceNames() throws IOException {
        EncoderConfig config = EncoderConfig.parse("""
                {"model_type": "xlm-roberta", "architectures": ["XLMRobertaForSequenceClassification"],
                 "hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12, "intermediate_size": 3072,
                 "hidden_act": "gelu", "max_position_embeddings": 514, "type_vocab_size": 1, "vocab_size": 250002,
                 "layer_norm_eps": 1e-05, "pad_token_id": 1, "id2label": {"1": "positive", "0": "negative"},
                 "problem_type": "single_label_classification", "torch_dtype": "float32"}
                """);
        assertThat(config.labels()).containsExactly("negative", "positive");
        assertThat(config.maxSequenceLength()).isEqualTo(512);
        assertThat(config.headDim()).isEqualTo(64);
        assertThat(config.multiLabel()).isFalse();
        assertThat(config.positionEmbeddingType()).isEqualTo("absolute");
    }

    @Test
    void mapsDistilbertNames() throws IOException {
        EncoderConfig config = EncoderConfig.parse("""
                {"model_type": "distilbert", "dim": 768, "n_layers": 6, "n_heads": 12, "hidden_dim": 3072,
                 "activation": "gelu", "max_position_embeddings": 512, "vocab_size": 30522, "pad_token_id": 0}
                """);
        assertThat(config.hiddenSize()).isEqualTo(768);
        assertThat(config.numHiddenLayers()).isEqualTo(6);
        assertThat(config.intermediateSize()).isEqualTo(3072);
        assertThat(config.typeVocabSize()).isZero();
    }

    @Test
    void rejectsInconsistentValuesNamingThem() {
        assertThatThrownBy(() -> EncoderConfig.parse("""
                {"hidden_size": 128, "num_hidden_layers": 2, "num_attention_heads": 5, "intermediate_size": 512,
                 "vocab_size": 100}"""))
                .hasMessage("config.json: num_attention_heads 5 does not divide hidden_size 128");
        assertThatThrownBy(() -> EncoderConfig.parse("""
                {"hidden_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 512,
                 "vocab_size": 100, "id2label": {"0": "a", "2": "c"}}"""))
                .hasMessage("config.json: id2label ids [0, 2], expected the contiguous ids 0..1");
        assertThatThrownBy(() -> EncoderConfig.parse("""
                {"hidden_size": 128, "num_hidden_layers": 0, "num_attention_heads": 4, "intermediate_size": 512,
                 "vocab_size": 100}"""))
                .hasMessage("config.json: num_hidden_layers 0, expected > 0");
    }

    @Test
    void readsSentenceTransformersPooling(@TempDir Path dir) throws IOException {
        assertThat(PoolingConfig.read(dir)).isEmpty();
        Files.writeString(dir.resolve("modules.json"), """
                [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
                 {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
                 {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}]""");
        Files.createDirectories(dir.resolve("1_Pooling"));
        Files.writeString(dir.resolve("1_Pooling/config.json"), """
                {"word_embedding_dimension": 384, "pooling_mode_cls_token": true, "pooling_mode_mean_tokens": false}""");
        assertThat(PoolingConfig.read(dir)).isEqualTo(Optional.of(new PoolingConfig(PoolingMode.CLS, 384, true)));

        Files.writeString(dir.resolve("1_Pooling/config.json"), """
                {"word_embedding_dimension": 384, "pooling_mode_cls_token": true, "pooling_mode_mean_tokens": true}""");
        assertThatThrownBy(() -> PoolingConfig.read(dir)).hasMessageContaining("enables pooling modes [CLS, MEAN]");
    }

    @Test
    void engineConfigBuilderValidates() {
        EngineConfig defaults = EngineConfig.defaults();
        assertThat(defaults.backend()).isEqualTo(BackendChoice.AUTO);
        assertThat(defaults.toBuilder().maxBatchSize(4).build().maxBatchSize()).isEqualTo(4);
        assertThatThrownBy(() -> EngineConfig.builder().maxBatchTokens(0).build())
                .hasMessage("engine maxBatchTokens is 0, expected >= 1");
        assertThatThrownBy(() -> EngineConfig.builder().maxBatchDelay(Duration.ofMillis(-1)).build())
                .hasMessageContaining("maxBatchDelay is PT-0.001S, expected >= 0");
        assertThat(BackendChoice.parse("cpu-reference")).isEqualTo(BackendChoice.CPU_REFERENCE);
        assertThat(BackendChoice.parse("cuda")).isEqualTo(BackendChoice.CUDA);
        assertThatThrownBy(() -> BackendChoice.parse("gpu"))
                .hasMessage("unknown backend gpu, expected one of auto, cuda, cpu, cpu-reference");
    }
}
