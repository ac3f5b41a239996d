package io.textintel.jobs.config;

import io.textintel.connectors.elasticsearch.RetryPolicy;
import java.time.Duration;

/**
 * How the Elasticsearch sinks retry what the cluster could not take now (connection errors,
 * timeouts, 429, 5xx) or refuses until an operator acts (401, 403, a missing index), and for how
 * long before the job fails; see {@link RetryPolicy}. While documents wait for a retry the sinks
 * stop taking records, so the job back-pressures instead of failing.
 *
 * @param initialBackoff wait before the first retry; doubles per retry, with jitter (default 100 ms)
 * @param maxBackoff longest wait between two attempts, and the wait between attempts refused for want
 *     of a privilege or an index (default 10 s)
 * @param maxDuration how long a document may keep failing before the job fails (default 10 min, long
 *     enough for a node restart); {@code 0} for no limit
 */
public record ElasticsearchRetrySettings(Duration initialBackoff, Duration maxBackoff, Duration maxDuration) {

    public ElasticsearchRetrySettings {
        initialBackoff = initialBackoff == null ? RetryPolicy.DEFAULT.initialBackoff() : initialBackoff;
        maxBackoff = maxBackoff == null ? RetryPolicy.DEFAULT.maxBackoff() : maxBackoff;
        maxDuration = maxDuration == null ? RetryPolicy.DEFAULT.maxDuration() : maxDuration;
    }

    /** All defaults. */
    public static ElasticsearchRetrySettings defaults() {
        return new ElasticsearchRetrySettings(null, null, null);
    }

    void validate(ConfigProblems problems) {
        if (initialBackoff.isNegative() || initialBackoff.isZero()) {
            problems.add("elasticsearch.retry.initial-backoff", "is " + initialBackoff, "a positive duration such as 100ms");
        }
        if (maxBackoff.compareTo(initialBackoff) < 0) {
            problems.add("elasticsearch.retry.max-backoff", "is " + maxBackoff,
                    "at least elasticsearch.retry.initial-backoff (" + initialBackoff + ")");
        }
        if (maxDuration.isNegative()) {
            problems.add("elasticsearch.retry.max-duration", "is " + maxDuration,
                    "a positive duration such as 10min, or 0 for no limit");
        } else if (!maxDuration.isZero() && maxDuration.compareTo(maxBackoff) < 0) {
            problems.add("elasticsearch.retry.max-duration", "is " + maxDuration,
                    "at least elasticsearch.retry.max-backoff (" + maxBackoff + "), or 0 for no limit");
        }
    }

    /** The sink's retry policy; call after {@link #validate}. */
    public RetryPolicy policy() {
        return new RetryPolicy(initialBackoff, maxBackoff, maxDuration);
    }
}
