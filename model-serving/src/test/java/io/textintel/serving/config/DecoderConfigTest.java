package io.textintel.serving.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

class DecoderConfigTest {

    private static final String LLAMA_3_1 = """
            {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 128256,
             "hidden_size": 4096, "intermediate_size": 14336, "num_hidden_layers": 32,
             "num_attention_heads": 32, "num_key_value_heads": 8, "max_position_embeddings": 131072,
             "rms_norm_eps": 1e-05, "rope_theta": 500000.0, "bos_token_id": 128000,
             "eos_token_id": [128001, 128008, 128009], "hidden_act": "silu", "attention_bias": false,
             "mlp_bias": false, "tie_word_embeddings": false,
             "rope_scaling": {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                              "original_max_position_embeddings": 8192, "rope_type": "llama3"}}
            """;

    private static final String QWEN2_5 = """
            {"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "vocab_size": 151936,
             "hidden_size": 896, "intermediate_size": 4864, "num_hidden_layers": 24,
             "num_attention_heads": 14, "num_key_value_heads": 2, "max_position_embeddings": 32768,
             "rms_norm_eps": 1e-06, "rope_theta": 1000000.0, "bos_token_id": 151643, "eos_token_id": 151645,
             "hidden_act": "silu", "tie_word_embeddings": true, "sliding_window": 32768,
             "use_sliding_window": false, "rope_scaling": null}
            """;

    @Test
    void readsLlama31WithGroupedQueryHeadsAndLlama3RopeScaling() throws IOException {
        DecoderConfig config = DecoderConfig.parse(LLAMA_3_1);
        assertThat(config.modelType()).isEqualTo("llama");
        assertThat(config.numKeyValueHeads()).isEqualTo(8);
        assertThat(config.headDim()).isEqualTo(128);
        assertThat(config.queriesPerKeyValueHead()).isEqualTo(4);
        assertThat(config.ropeScaling()).isEqualTo(new RopeScaling("llama3", 8, 1, 4, 8192));
        assertThat(config.eosTokenIds()).containsExactly(128001, 128008, 128009);
        assertThat(config.attentionBias()).isFalse();
        assertThat(config.tieWordEmbeddings()).isFalse();
        assertThat(config.maxPositionEmbeddings()).isEqualTo(131072);
    }

    @Test
    void readsQwen25WithImpliedBiasesTiedEmbeddingsAndOneEosId() throws IOException {
        DecoderConfig config = DecoderConfig.parse(QWEN2_5);
        assertThat(config.attentionBias()).isTrue();
        assertThat(config.tieWordEmbeddings()).isTrue();
        assertThat(config.headDim()).isEqualTo(64);
        assertThat(config.eosTokenIds()).containsExactly(151645);
        assertThat(config.ropeScaling()).isNull();
        assertThat(config.maxPositionEmbeddings()).isEqualTo(32768);
    }

    @Test
    void readsRopeThetaAndScalingFromTransformers5RopeParameters() throws IOException {
        String base = """
                {"model_type": "llama", "vocab_size": 256, "hidden_size": 64, "intermediate_size": 128,
                 "num_hidden_layers": 2, "num_attention_heads": 4, "max_position_embeddings": 4096, %s}
                """;
        DecoderConfig plain = DecoderConfig.parse(base.formatted(
                "\"rope_parameters\": {\"rope_theta\": 500000.0, \"rope_type\": \"default\"}"));
        assertThat(plain.ropeTheta()).isEqualTo(500000.0);
        assertThat(plain.ropeScaling()).isNull();

        DecoderConfig scaled = DecoderConfig.parse(base.formatted("\"rope_parameters\": {\"rope_theta\": 500000.0,"
                + " \"rope_type\": \"llama3\", \"factor\": 8.0, \"low_freq_factor\": 1.0, \"high_freq_factor\": 4.0,"
                + " \"original_max_position_embeddings\": 8192}"));
        assertThat(scaled.ropeTheta()).isEqualTo(500000.0);
        assertThat(scaled.ropeScaling()).isEqualTo(new RopeScaling("llama3", 8, 1, 4, 8192));

        assertThat(DecoderConfig.parse(base.formatted("\"rope_parameters\": {\"rope_theta\": 20000}")).ropeTheta())
                .isEqualTo(20000.0);
        assertThat(DecoderConfig.parse(base.formatted("\"hidden_act\": \"silu\"")).ropeTheta()).isEqualTo(10000.0);
        assertThatThrownBy(() -> DecoderConfig.parse(base.formatted("\"rope_parameters\": {\"rope_theta\": \"big\"}")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rope_parameters rope_theta");
    }

    @Test
    void defaultsKeyValueHeadsToQueryHeadsAndReadsTheOlderRopeTypeKey() throws IOException {
        DecoderConfig config = DecoderConfig.parse("""
                {"model_type": "llama", "vocab_size": 32000, "hidden_size": 64, "intermediate_size": 128,
                 "num_hidden_layers": 2, "num_attention_heads": 4, "max_position_embeddings": 4096,
                 "rope_scaling": {"type": "linear", "factor": 2.0}}
                """);
        assertThat(config.numKeyValueHeads()).isEqualTo(4);
        assertThat(config.headDim()).isEqualTo(16);
        assertThat(config.ropeScaling()).isEqualTo(new RopeScaling("linear", 2, 0, 0, 4096));
        assertThat(config.bosTokenId()).isEqualTo(-1);
        assertThat(config.eosTokenIds()).isEmpty();
        assertThat(config.rmsNormEps()).isEqualTo(1e-6);
    }

    @Test
    void capsMistralPositionsAtItsSlidingWindowAndHonoursAnExplicitHeadDim() throws IOException {
        DecoderConfig config = DecoderConfig.parse("""
                {"model_type": "mistral", "vocab_size": 32000, "hidden_size": 64, "intermediate_size": 128,
                 "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 32,
                 "max_position_embeddings": 32768, "sliding_window": 4096}
                """);
        assertThat(config.maxPositionEmbeddings()).isEqualTo(4096);
        assertThat(config.headDim()).isEqualTo(32);
    }

    @Test
    void rejectsWhatItCannotRunNamingTheKey() {
        String base = """
                {"model_type": "%s", "vocab_size": 100, "hidden_size": 64, "intermediate_size": 128,
                 "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": %d %s}
                """;
        assertThatThrownBy(() -> DecoderConfig.parse(base.formatted("gpt2", 4, "")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("model_type gpt2");
        assertThatThrownBy(() -> DecoderConfig.parse(base.formatted("llama", 3, "")))
                .hasMessageContaining("num_key_value_heads 3 does not divide num_attention_heads 4");
        assertThatThrownBy(() -> DecoderConfig.parse(base.formatted("llama", 4, ", \"eos_token_id\": 100")))
                .hasMessageContaining("eos_token_id 100");
        assertThatThrownBy(() -> DecoderConfig.parse(base.formatted("llama", 4,
                ", \"rope_scaling\": {\"rope_type\": \"longrope\", \"factor\": 2}")))
                .hasMessageContaining("rope_scaling type longrope");
        assertThatThrownBy(() -> DecoderConfig.parse(base.formatted("llama", 4,
                ", \"rope_scaling\": {\"rope_type\": \"yarn\", \"factor\": 2, \"beta_fast\": 16}")))
                .hasMessageContaining("beta_fast 16");
        assertThatThrownBy(() -> DecoderConfig.parse(base.formatted("llama", 4, ", \"hidden_act\": \"gelu\"")))
                .hasMessageContaining("hidden_act gelu");
    }

    @Test
    void eosTokenIdsAreImmutable() throws IOException {
        assertThat(DecoderConfig.parse(LLAMA_3_1).eosTokenIds()).isInstanceOf(List.class)
                .isUnmodifiable();
    }
}
