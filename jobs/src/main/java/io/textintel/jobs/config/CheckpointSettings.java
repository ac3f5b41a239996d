package io.textintel.jobs.config;

import java.time.Duration;
import java.util.List;

/**
 * Flink checkpointing, which holds the Kafka offsets and drives the Elasticsearch sink's flushes.
 * Checkpoints are retained (externalised) by default, so that a job whose JVM died can start again
 * from its latest one ({@code textintel run --from-checkpoint latest}).
 *
 * @param interval time between checkpoints
 * @param mode {@code exactly-once} or {@code at-least-once} (alignment of barriers)
 * @param directory durable checkpoint storage URI (e.g. {@code file:///var/textintel/checkpoints},
 *     {@code s3://bucket/path}); Flink writes {@code DIRECTORY/<flink job id>/chk-N}. Null: {@code textintel
 *     run} uses {@code ~/.cache/textintel/checkpoints/<job-name>}, a job submitted to a Flink cluster
 *     the cluster's {@code execution.checkpointing.dir}
 * @param timeout how long a checkpoint may take before it is aborted
 * @param retention {@code retain-on-cancellation} (default: kept when the job is cancelled or fails for
 *     good, deleted only when a bounded job finishes) or {@code delete-on-cancellation}
 * @param retained how many completed checkpoints are kept (default 3)
 * @param tolerableFailures how many checkpoints in a row may fail or expire before the job fails
 *     (default 3). While Elasticsearch is away the sink's flush, and with it the checkpoint, waits
 *     for the retry budget ({@code elasticsearch.retry.max-duration}, 10 min by default); with
 *     Flink's own default of 0 the first checkpoint to expire ({@code timeout}) would fail the job
 *     long before the budget is spent
 */
public record CheckpointSettings(Duration interval, String mode, String directory, Duration timeout,
        String retention, Integer retained, Integer tolerableFailures) {

    /** {@link #retention()} that keeps checkpoints when the job is cancelled. */
    public static final String RETAIN_ON_CANCELLATION = "retain-on-cancellation";

    /** {@link #retention()} that deletes checkpoints when the job is cancelled. */
    public static final String DELETE_ON_CANCELLATION = "delete-on-cancellation";

    public CheckpointSettings {
        interval = interval == null ? Duration.ofSeconds(10) : interval;
        mode = mode == null ? "exactly-once" : mode;
        timeout = timeout == null ? Duration.ofMinutes(5) : timeout;
        retention = retention == null ? RETAIN_ON_CANCELLATION : retention;
        retained = retained == null ? 3 : retained;
        tolerableFailures = tolerableFailures == null ? 3 : tolerableFailures;
    }

    /** All defaults. */
    public static CheckpointSettings defaults() {
        return new CheckpointSettings(null, null, null, null, null, null, null);
    }

    void validate(ConfigProblems problems) {
        if (interval.toMillis() < 10) {
            problems.add("checkpointing.interval", "is " + interval, "at least 10ms");
        }
        problems.requireOneOf("checkpointing.mode", mode, List.of("exactly-once", "at-least-once"));
        if (timeout.isNegative() || timeout.isZero()) {
            problems.add("checkpointing.timeout", "is " + timeout, "a positive duration");
        }
        problems.requireOneOf("checkpointing.retention", retention,
                List.of(RETAIN_ON_CANCELLATION, DELETE_ON_CANCELLATION));
        problems.requireAtLeast("checkpointing.retained", retained, 1);
        problems.requireAtLeast("checkpointing.tolerable-failures", tolerableFailures, 0);
        if (directory != null && directory.isBlank()) {
            problems.add("checkpointing.directory", "is blank", "a checkpoint storage URI or path, or no value");
        }
    }
}
