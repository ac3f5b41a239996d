package io.textintel.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.textintel.jobs.config.PipelineConfig;
import io.textintel.jobs.config.PipelineConfigLoader;

import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;

class RetainedCheckpointsTest {

    @TempDir
    Path root;

    private static final String YAML = """
            job-name: feedback ingest/eu
            kafka:
              bootstrap-servers: broker:9092
              topics: [feedback]
            elasticsearch:
              hosts: [http://es:9200]
            tasks:
              embed:
                kind: embed
                model: sentence-transformers/all-MiniLM-L6-v2
            """;

    /** A checkpoint folder; with a time, a completed one whose _metadata was written then. */
    private Path checkpoint(String job, long id, Instant completed) throws IOException {
        Path folder = Files.createDirectories(root.resolve(job).resolve("chk-" + id));
        if (completed != null) {
            Path metadata = Files.write(folder.resolve("_metadata"), new byte[] {1, 2, 3});
            Files.setLastModifiedTime(metadata, FileTime.from(completed));
        }
        return folder;
    }

    @Test
    void latestIsTheNewestCompletedCheckpointOverEveryRunOfTheJob() throws IOException {
        Instant t0 = Instant.parse("2026-12-01T10:00:00Z");
        checkpoint("a1b2", 7, t0);
        Path newest = checkpoint("c3d4", 9, t0.plusSeconds(60)); // a restored run continues the numbering
        checkpoint("c3d4", 8, t0.plusSeconds(30));
        checkpoint("c3d4", 10, null); // being written when the JVM died: no _metadata
        Files.createDirectories(root.resolve("c3d4").resolve("shared"));

        RetainedCheckpoints.Checkpoint latest = RetainedCheckpoints.resolve("latest", root.toUri().toString());

        assertThat(latest.folder()).isEqualTo(newest);
        assertThat(latest.id()).isEqualTo(9);
        assertThat(RetainedCheckpoints.all(root)).extracting(RetainedCheckpoints.Checkpoint::id)
                .containsExactlyInAnyOrder(7L, 8L, 9L);
    }

    @Test
    void latestWithoutACompletedCheckpointSaysWhereItLooked() throws IOException {
        checkpoint("a1b2", 1, null);

        assertThatThrownBy(() -> RetainedCheckpoints.resolve("latest", root.toString()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no completed checkpoint (chk-N/_metadata) under " + root);
        assertThatThrownBy(() -> RetainedCheckpoints.resolve("latest", root.resolve("never-written").toString()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no completed checkpoint");
        assertThatThrownBy(() -> RetainedCheckpoints.resolve("latest", "s3://bucket/checkpoints"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("needs a checkpoint directory on the local file system");
    }

    @Test
    void aPathMustBeACompletedCheckpointOrSavepointFolder() throws IOException {
        Path done = checkpoint("a1b2", 4, Instant.parse("2026-12-01T10:00:00Z"));
        Path unfinished = checkpoint("a1b2", 5, null);
        Path savepoint = Files.createDirectories(root.resolve("savepoint-1a2b3c-0123456789ab"));
        Files.write(savepoint.resolve("_metadata"), new byte[] {1});

        assertThat(RetainedCheckpoints.resolve(done.toString(), "unused").id()).isEqualTo(4);
        assertThat(RetainedCheckpoints.resolve(done.resolve("_metadata").toUri().toString(), "unused").folder())
                .isEqualTo(done);
        assertThat(RetainedCheckpoints.resolve(savepoint.toString(), "unused").folder()).isEqualTo(savepoint);
        assertThatThrownBy(() -> RetainedCheckpoints.resolve(unfinished.toString(), "unused"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(unfinished.resolve("_metadata") + " does not exist");
    }

    @Test
    void theDefaultDirectoryIsPerJobUnderTheUsersCache() {
        PipelineConfig config = PipelineConfigLoader.parse(YAML, "test.yaml", List.of());

        assertThat(RetainedCheckpoints.directory(config)).isEqualTo(
                Path.of(System.getProperty("user.home"), ".cache/textintel/checkpoints/feedback_ingest_eu")
                        .toUri().toString());
        PipelineConfig configured = PipelineConfigLoader.parse(YAML, "test.yaml",
                List.of("checkpointing.directory=file:///var/lib/textintel/checkpoints"));
        assertThat(RetainedCheckpoints.directory(configured)).isEqualTo("file:///var/lib/textintel/checkpoints");
    }

    @Test
    void checkpointsAreRetainedOnCancellationByDefaultAndTheirNumberIsConfigured() {
        Configuration defaults = TextIntelligenceJob.flinkConfiguration(
                PipelineConfigLoader.parse(YAML, "test.yaml", List.of()));
        assertThat(defaults.get(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION))
                .isEqualTo(ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        assertThat(defaults.get(CheckpointingOptions.MAX_RETAINED_CHECKPOINTS)).isEqualTo(3);
        assertThat(defaults.get(CheckpointingOptions.TOLERABLE_FAILURE_NUMBER))
                .as("an outage may outlast a checkpoint's timeout").isEqualTo(3);

        Configuration configured = TextIntelligenceJob.flinkConfiguration(PipelineConfigLoader.parse(YAML,
                "test.yaml", List.of("checkpointing.retention=delete-on-cancellation", "checkpointing.retained=5",
                        "checkpointing.tolerable-failures=7")));
        assertThat(configured.get(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION))
                .isEqualTo(ExternalizedCheckpointRetention.DELETE_ON_CANCELLATION);
        assertThat(configured.get(CheckpointingOptions.MAX_RETAINED_CHECKPOINTS)).isEqualTo(5);
        assertThat(configured.get(CheckpointingOptions.TOLERABLE_FAILURE_NUMBER)).isEqualTo(7);
    }

    @Test
    void badRetentionSettingsAreReportedWithTheirKeys() {
        assertThatThrownBy(() -> PipelineConfigLoader.parse(YAML, "test.yaml",
                        List.of("checkpointing.retention=forever", "checkpointing.retained=0",
                                "checkpointing.tolerable-failures=-1")))
                .hasMessageContaining("checkpointing.retention is 'forever', expected one of retain-on-cancellation,"
                        + " delete-on-cancellation")
                .hasMessageContaining("checkpointing.retained is 0, expected 1 or more")
                .hasMessageContaining("checkpointing.tolerable-failures is -1, expected 0 or more");
    }
}
