package io.textintel.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.textintel.jobs.config.PipelineConfig;
import io.textintel.jobs.config.PipelineConfigLoader;
import io.textintel.serving.tools.TinyBertSpec;
import io.textintel.serving.tools.TinyModelGenerator;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The documents template's vector size (the embedding model's final output, not its hidden size),
 * and the indices the access check covers.
 */
class PipelineSetupTest {

    @TempDir
    Path models;

    @Test
    void embeddingDimensionIsTheSizeAfterDenseModules() throws IOException {
        Path dense = TinyModelGenerator.writeBertEmbedder(models.resolve("dense"),
                TinyBertSpec.small().withDenseFeatures(12)); // hidden 32 -> Dense -> 12
        assertThat(PipelineSetup.embeddingDimension(config(dense))).isEqualTo(12);
    }

    @Test
    void embeddingDimensionIsTheHiddenSizeWithoutDense() throws IOException {
        Path plain = TinyModelGenerator.writeBertEmbedder(models.resolve("plain"), TinyBertSpec.small());
        assertThat(PipelineSetup.embeddingDimension(config(plain))).isEqualTo(32);
    }

    @Test
    void noEmbeddingTaskMeansNoDimension() throws IOException {
        Path classifier = TinyModelGenerator.writeBertClassifier(models.resolve("classifier"), TinyBertSpec.small(),
                List.of("a", "b"));
        PipelineConfig config = PipelineConfigLoader.parse("""
                kafka:
                  bootstrap-servers: localhost:9092
                  topics: [in]
                elasticsearch:
                  hosts: [http://localhost:9200]
                tasks:
                  tag:
                    kind: tag
                    model: %s
                """.formatted(classifier), "test.yaml", List.of());
        assertThat(PipelineSetup.embeddingDimension(config)).isZero();
    }

    @Test
    void theAccessCheckCoversTheDeadLettersIndexUnlessItIsTurnedOff() {
        Path model = models.resolve("unused");
        PipelineConfig indexed = PipelineConfigLoader.parse(yaml(model), "test.yaml",
                List.of("elasticsearch.dead-letter-index=feedback-dead-letters"));
        assertThat(PipelineSetup.accessCheck(indexed, true).indexPrivileges())
                .containsKeys("textintel-documents*", "feedback-dead-letters*", "textintel-drift*");

        PipelineConfig off = PipelineConfigLoader.parse(yaml(model), "test.yaml",
                List.of("elasticsearch.dead-letter-index=none"));
        assertThat(PipelineSetup.accessCheck(off, true).indexPrivileges()).doesNotContainKey("none*")
                .doesNotContainKey("textintel-dead-letters*").containsKey("textintel-documents*");
    }

    private static PipelineConfig config(Path model) {
        return PipelineConfigLoader.parse(yaml(model), "test.yaml", List.of());
    }

    private static String yaml(Path model) {
        return """
                kafka:
                  bootstrap-servers: localhost:9092
                  topics: [in]
                elasticsearch:
                  hosts: [http://localhost:9200]
                tasks:
                  embed:
                    kind: embed
                    model: %s
                """.formatted(model);
    }
}
