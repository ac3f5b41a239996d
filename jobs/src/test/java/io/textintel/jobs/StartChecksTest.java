package io.textintel.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.textintel.jobs.config.PipelineConfig;
import io.textintel.jobs.config.PipelineConfigLoader;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** The checks before submission that need no services: the offline model cache, and an unreachable Kafka. */
class StartChecksTest {

    private static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
    private static final Path CONFIG_FILE = Path.of("conf/pipeline.yaml");

    @TempDir
    Path cache;

    private PipelineConfig config(boolean offline, String bootstrapServers) {
        return config(offline, bootstrapServers, cache);
    }

    private static PipelineConfig config(boolean offline, String bootstrapServers, Path cache) {
        return PipelineConfigLoader.parse("""
                kafka:
                  bootstrap-servers: %s
                  topics: [in]
                elasticsearch:
                  hosts: [http://localhost:9200]
                hub:
                  offline: %s
                  cache-dir: %s
                tasks:
                  embed:
                    kind: embed
                    model: acme/tiny-embedder
                  tag:
                    kind: tag
                    model: acme/tiny-tagger
                """.formatted(bootstrapServers, offline, cache), "pipeline.yaml", List.of());
    }

    /** Writes {@code modelId} at {@code main} into the cache the way {@code models pull} leaves it. */
    private void cacheModel(String modelId) throws IOException {
        Path repo = cache.resolve("models--" + modelId.replace("/", "--"));
        Files.createDirectories(repo.resolve("snapshots").resolve(COMMIT));
        Files.writeString(repo.resolve("snapshots").resolve(COMMIT).resolve("config.json"), "{}");
        Files.createDirectories(repo.resolve("refs"));
        Files.writeString(repo.resolve("refs").resolve("main"), COMMIT);
    }

    @Test
    void offlineWithAModelMissingFromTheCacheFailsNamingTheModelTheCacheAndTheCommand() throws IOException {
        cacheModel("acme/tiny-embedder");

        assertThatThrownBy(() -> StartChecks.modelsCached(config(true, "localhost:9092"), CONFIG_FILE))
                .isInstanceOfSatisfying(StartCheckException.class,
                        e -> assertThat(e.kind()).isEqualTo(StartCheckException.Kind.MODEL_NOT_CACHED))
                .hasMessageContaining("hub.offline is true")
                .hasMessageContaining("the model cache " + cache + " does not hold acme/tiny-tagger at main (task tag)")
                .hasMessageNotContaining("tiny-embedder")
                .hasMessageContaining("textintel models pull -c " + CONFIG_FILE);
    }

    @Test
    void offlineWithEveryModelCachedPasses() throws IOException {
        cacheModel("acme/tiny-embedder");
        cacheModel("acme/tiny-tagger");

        assertThatCode(() -> StartChecks.modelsCached(config(true, "localhost:9092"), CONFIG_FILE))
                .doesNotThrowAnyException();
    }

    @Test
    void onlineNothingIsCheckedBecauseTheOperatorsDownloadWhatIsMissing() {
        assertThatCode(() -> StartChecks.modelsCached(config(false, "localhost:9092"), CONFIG_FILE))
                .doesNotThrowAnyException();
    }

    @Test
    void anUnreachableBrokerIsNamedWithinTheTimeout() {
        // Port 1 on the loopback: nothing listens, so every connection is refused.
        PipelineConfig config = config(false, "127.0.0.1:1");
        long start = System.nanoTime();

        assertThatThrownBy(() -> StartChecks.topicsExist(config, CONFIG_FILE, Duration.ofSeconds(3)))
                .isInstanceOfSatisfying(StartCheckException.class,
                        e -> assertThat(e.kind()).isEqualTo(StartCheckException.Kind.KAFKA_UNAVAILABLE))
                .hasMessageContaining("Kafka at 127.0.0.1:1 did not answer within 3s")
                .hasMessageContaining("kafka.bootstrap-servers");
        // The timeout plus the client's start and close; far from the Admin client's default of a minute.
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
    }

    @Test
    void aSubmittingClientWithoutTheCacheDirectoryLeavesTheModelsToTheTaskManagers() {
        // No model is cached and the cache directory does not exist here: the Flink entry point does not fail on
        // it (the TaskManagers' volume), and goes on to Kafka, which is unreachable in this test.
        Path elsewhere = cache.resolve("on-the-task-managers");
        PipelineConfig config = config(true, "127.0.0.1:1", elsewhere);
        assertThat(elsewhere).doesNotExist();

        assertThatThrownBy(() -> StartChecks.run(config, CONFIG_FILE, StartChecks.Where.SUBMITTING_CLIENT,
                Duration.ofSeconds(3)))
                .isInstanceOfSatisfying(StartCheckException.class,
                        e -> assertThat(e.kind()).isEqualTo(StartCheckException.Kind.KAFKA_UNAVAILABLE));
        assertThatThrownBy(() -> StartChecks.run(config, CONFIG_FILE, StartChecks.Where.TASKS_HERE,
                Duration.ofSeconds(3)))
                .as("textintel run: the tasks run here, so the cache must be here")
                .isInstanceOfSatisfying(StartCheckException.class,
                        e -> assertThat(e.kind()).isEqualTo(StartCheckException.Kind.MODEL_NOT_CACHED));
    }
}
