package io.textintel.jobs.config;

import java.time.Duration;

/**
 * How the job restarts after a failure: Flink's exponential-delay strategy, so that an outage of
 * Elasticsearch or Kafka longer than the sink's own retries costs waiting, not a crash loop. Each
 * restart reloads the models, so the first delay is not short.
 *
 * @param initialBackoff delay before the first restart (default 2 s)
 * @param maxBackoff the longest delay between restarts (default 2 min)
 * @param multiplier factor of each next delay (default 2)
 * @param resetAfter a job that ran this long without failing starts again from {@code initialBackoff} (default 10 min)
 * @param jitter the share of each delay drawn at random, so that many jobs do not restart in step (default 0.1)
 * @param attempts restarts before the job fails for good, counted since the last reset (default unlimited)
 */
public record RestartSettings(Duration initialBackoff, Duration maxBackoff, Double multiplier, Duration resetAfter,
        Double jitter, Integer attempts) {

    public RestartSettings {
        initialBackoff = initialBackoff == null ? Duration.ofSeconds(2) : initialBackoff;
        maxBackoff = maxBackoff == null ? Duration.ofMinutes(2) : maxBackoff;
        multiplier = multiplier == null ? 2.0 : multiplier;
        resetAfter = resetAfter == null ? Duration.ofMinutes(10) : resetAfter;
        jitter = jitter == null ? 0.1 : jitter;
        attempts = attempts == null ? Integer.MAX_VALUE : attempts;
    }

    /** All defaults. */
    public static RestartSettings defaults() {
        return new RestartSettings(null, null, null, null, null, null);
    }

    void validate(ConfigProblems problems) {
        if (initialBackoff.isNegative() || initialBackoff.isZero()) {
            problems.add("restart.initial-backoff", "is " + initialBackoff, "a positive duration");
        }
        if (maxBackoff.compareTo(initialBackoff) < 0) {
            problems.add("restart.max-backoff", "is " + maxBackoff, "at least restart.initial-backoff ("
                    + initialBackoff + ")");
        }
        if (!(multiplier >= 1.0) || multiplier.isInfinite()) {
            problems.add("restart.multiplier", "is " + multiplier, "a number >= 1");
        }
        if (resetAfter.isNegative() || resetAfter.isZero()) {
            problems.add("restart.reset-after", "is " + resetAfter, "a positive duration");
        }
        if (!(jitter >= 0.0 && jitter <= 1.0)) {
            problems.add("restart.jitter", "is " + jitter, "a share in [0, 1]");
        }
        problems.requireAtLeast("restart.attempts", attempts, 1);
    }
}
