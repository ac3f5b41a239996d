package io.textintel.serving.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.textintel.serving.config.DenseConfig.DenseActivation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** sentence-transformers pipelines with Dense modules: what is read, and what is refused. */
class PoolingConfigTest {

    private static final String TRANSFORMER =
            "{\"idx\": 0, \"name\": \"0\", \"path\": \"\", \"type\": \"sentence_transformers.models.Transformer\"}";
    private static final String POOLING =
            "{\"idx\": 1, \"name\": \"1\", \"path\": \"1_Pooling\", \"type\": \"sentence_transformers.models.Pooling\"}";
    private static final String NORMALIZE =
            "{\"idx\": 9, \"name\": \"9\", \"path\": \"9_Normalize\", \"type\": \"sentence_transformers.models.Normalize\"}";

    @TempDir
    Path dir;

    @BeforeEach
    void writePooling() throws IOException {
        Files.createDirectories(dir.resolve("1_Pooling"));
        Files.writeString(dir.resolve("1_Pooling/config.json"),
                "{\"word_embedding_dimension\": 768, \"pooling_mode_mean_tokens\": true}");
    }

    @Test
    void readsDenseModulesInOrderAndReportsTheLastOutputSize() throws IOException {
        dense("2_Dense", 768, 512, "torch.nn.modules.activation.Tanh", true);
        dense("3_Dense", 512, 256, "torch.nn.modules.linear.Identity", false);
        modules(TRANSFORMER, POOLING, module("2_Dense"), module("3_Dense"), NORMALIZE);

        PoolingConfig pooling = PoolingConfig.read(dir).orElseThrow();
        assertThat(pooling.mode()).isEqualTo(PoolingMode.MEAN);
        assertThat(pooling.normalize()).isTrue();
        assertThat(pooling.dimension()).isEqualTo(768);
        assertThat(pooling.outputDimension()).isEqualTo(256);
        assertThat(pooling.dense()).extracting(DenseConfig::outFeatures).containsExactly(512, 256);
        assertThat(pooling.dense()).extracting(DenseConfig::activation)
                .containsExactly(DenseActivation.TANH, DenseActivation.IDENTITY);
        assertThat(pooling.dense()).extracting(DenseConfig::bias).containsExactly(true, false);
        assertThat(pooling.dense().get(0).weights()).isEqualTo(dir.resolve("2_Dense/model.safetensors"));
    }

    @Test
    void withoutDenseTheOutputIsTheWordEmbeddingDimension() throws IOException {
        modules(TRANSFORMER, POOLING, NORMALIZE);
        PoolingConfig pooling = PoolingConfig.read(dir).orElseThrow();
        assertThat(pooling.dense()).isEmpty();
        assertThat(pooling.outputDimension()).isEqualTo(768);
    }

    @Test
    void denseBeforePoolingIsRefused() throws IOException {
        dense("2_Dense", 768, 512, "torch.nn.modules.activation.Tanh", true);
        modules(TRANSFORMER, module("2_Dense"), POOLING, NORMALIZE);
        assertThatThrownBy(() -> PoolingConfig.read(dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lists Dense module 2_Dense before Pooling, expected Dense modules after Pooling");
    }

    @Test
    void aModuleAfterNormalizeIsRefused() throws IOException {
        dense("2_Dense", 768, 512, "torch.nn.modules.activation.Tanh", true);
        modules(TRANSFORMER, POOLING, NORMALIZE, module("2_Dense"));
        assertThatThrownBy(() -> PoolingConfig.read(dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("after Normalize, expected Normalize last");
    }

    @Test
    void inFeaturesThatDoNotChainAreRefused() throws IOException {
        dense("2_Dense", 768, 512, "torch.nn.modules.activation.Tanh", true);
        dense("3_Dense", 256, 128, "torch.nn.modules.activation.Tanh", true);
        modules(TRANSFORMER, POOLING, module("2_Dense"), module("3_Dense"), NORMALIZE);
        assertThatThrownBy(() -> PoolingConfig.read(dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Dense module 1 has in_features 256, expected 512, the size of what comes before it");
    }

    @Test
    void pytorchWeightsAreRefusedWithAClearMessage() throws IOException {
        Files.createDirectories(dir.resolve("2_Dense"));
        Files.writeString(dir.resolve("2_Dense/config.json"), "{\"in_features\": 768, \"out_features\": 512}");
        Files.write(dir.resolve("2_Dense/pytorch_model.bin"), new byte[] {1, 2, 3});
        modules(TRANSFORMER, POOLING, module("2_Dense"), NORMALIZE);
        assertThatThrownBy(() -> PoolingConfig.read(dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("has no model.safetensors; it holds pytorch_model.bin")
                .hasMessageContaining("convert it to safetensors");
    }

    @Test
    void anUnknownActivationIsRefused() throws IOException {
        dense("2_Dense", 768, 512, "torch.nn.modules.activation.Softplus", true);
        modules(TRANSFORMER, POOLING, module("2_Dense"), NORMALIZE);
        assertThatThrownBy(() -> PoolingConfig.read(dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("activation_function torch.nn.modules.activation.Softplus, expected one of "
                        + "torch.nn.modules.linear.Identity, torch.nn.modules.activation.Tanh");
    }

    @Test
    void anUnknownModuleIsStillRefused() throws IOException {
        modules(TRANSFORMER, POOLING,
                "{\"idx\": 2, \"name\": \"2\", \"path\": \"2_LayerNorm\", \"type\": \"sentence_transformers.models.LayerNorm\"}");
        assertThatThrownBy(() -> PoolingConfig.read(dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("module type sentence_transformers.models.LayerNorm, expected only Transformer,"
                        + " Pooling, Dense and Normalize");
    }

    @Test
    void defaultsAreSentenceTransformersDefaults() throws IOException {
        // Dense(in, out) saves bias true and Tanh; a config without them means the same
        Files.createDirectories(dir.resolve("2_Dense"));
        Files.writeString(dir.resolve("2_Dense/config.json"), "{\"in_features\": 768, \"out_features\": 64}");
        Files.write(dir.resolve("2_Dense/model.safetensors"), new byte[0]);
        modules(TRANSFORMER, POOLING, module("2_Dense"));
        DenseConfig dense = PoolingConfig.read(dir).orElseThrow().dense().get(0);
        assertThat(dense.bias()).isTrue();
        assertThat(dense.activation()).isEqualTo(DenseActivation.TANH);
        assertThat(PoolingConfig.read(dir).orElseThrow().normalize()).isFalse();
    }

    private void dense(String path, int in, int out, String activation, boolean bias) throws IOException {
        Files.createDirectories(dir.resolve(path));
        Files.writeString(dir.resolve(path).resolve("config.json"), "{\"in_features\": " + in + ", \"out_features\": "
                + out + ", \"bias\": " + bias + ", \"activation_function\": \"" + activation + "\"}");
        // located, not read, by PoolingConfig
        Files.write(dir.resolve(path).resolve("model.safetensors"), new byte[0]);
    }

    private static String module(String path) {
        return "{\"idx\": 2, \"name\": \"" + path + "\", \"path\": \"" + path
                + "\", \"type\": \"sentence_transformers.models.Dense\"}";
    }

    private void modules(String... entries) throws IOException {
        Files.writeString(dir.resolve("modules.json"), "[" + String.join(",", List.of(entries)) + "]");
    }
}
