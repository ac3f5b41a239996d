package io.textintel.jobs.config;

import java.time.Duration;
import java.util.List;

/**
 * Flink checkpointing, which holds the Kafka offsets and drives the Elasticsearch sink's flushes.
 *
 * @param interval time between checkpoints
 * @param mode {@code exactly-once} or {@code at-least-once} (alignment of barriers)
 * @param directory durable checkpoint storage URI (e.g. {@code file:///var/textintel/checkpoints},
 *     {@code s3://bucket/path}); null keeps checkpoints in the JobManager's memory
 * @param timeout how long a checkpoint may take before it is aborted
 */
public record CheckpointSettings(Duration interval, String mode, String directory, Duration timeout) {

    public CheckpointSettings {
        interval = interval == null ? Duration.ofSeconds(10) : interval;
        mode = mode == null ? "exactly-once" : mode;
        timeout = timeout == null ? Duration.ofMinutes(5) : timeout;
    }

    void validate(ConfigProblems problems) {
        if (interval.toMillis() < 10) {
            problems.add("checkpointing.interval", "is " + interval, "at least 10ms");
        }
        problems.requireOneOf("checkpointing.mode", mode, List.of("exactly-once", "at-least-once"));
        if (timeout.isNegative() || timeout.isZero()) {
            problems.add("checkpointing.timeout", "is " + timeout, "a positive duration");
        }
    }
}
