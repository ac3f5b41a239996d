package io.textintel.connectors.elasticsearch;

import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * How the sink retries bulk actions the cluster could not take now, and for how long.
 *
 * <p>Transient failures (connection refused or reset, timeouts, 429 and 5xx, for a whole bulk
 * request or for single items) are retried with capped exponential backoff: the wait before retry
 * {@code n} (1-based) is {@code initialBackoff * 2^(n-1)} capped at {@code maxBackoff}, with "equal
 * jitter", a uniformly random point in its upper half, so writers that were throttled together do
 * not come back together. Refusals for want of a privilege or an index (401, 403, 404
 * {@code index_not_found_exception}) are retried at {@code maxBackoff}: slowly, so that a fixed
 * role or a created index resumes the writer without a restart.
 *
 * <p>The budget is time, not a count: a document that has failed for longer than
 * {@code maxDuration} since its first failure fails the job; {@link Duration#ZERO} means no limit
 * (retry for ever). While documents wait for a retry the writer stops taking records, so an
 * outage inside the budget costs back-pressure, never the job.
 *
 * @param initialBackoff wait before the first retry
 * @param maxBackoff longest wait between two attempts, and the wait between attempts refused for
 *     want of a privilege or an index
 * @param maxDuration how long a document may keep failing before the job fails; zero for no limit
 */
public record RetryPolicy(Duration initialBackoff, Duration maxBackoff, Duration maxDuration)
        implements Serializable {

    private static final long serialVersionUID = 2L;

    /**
     * 100 ms doubling up to 10 s, for at most 10 minutes per document: long enough for a node
     * restart or a rolling upgrade of one node, short enough that a cluster gone for good is noticed.
     */
    public static final RetryPolicy DEFAULT =
            new RetryPolicy(Duration.ofMillis(100), Duration.ofSeconds(10), Duration.ofMinutes(10));

    public RetryPolicy {
        Objects.requireNonNull(initialBackoff, "initialBackoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        Objects.requireNonNull(maxDuration, "maxDuration");
        if (initialBackoff.isNegative() || initialBackoff.isZero()) {
            throw new IllegalArgumentException(
                    "Initial backoff is " + initialBackoff + ", expected a positive duration.");
        }
        if (maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("Max backoff is " + maxBackoff
                    + ", expected at least the initial backoff " + initialBackoff + ".");
        }
        if (maxDuration.isNegative()) {
            throw new IllegalArgumentException("Max retry duration is " + maxDuration
                    + ", expected a positive duration, or zero for no limit.");
        }
    }

    /** Whether documents are retried for ever. */
    public boolean isUnlimited() {
        return maxDuration.isZero();
    }

    /** Whether a document that first failed {@code failingFor} ago has used up its budget. */
    public boolean isExhausted(Duration failingFor) {
        return !isUnlimited() && failingFor.compareTo(maxDuration) > 0;
    }

    /**
     * The wait before the given retry of a transient failure.
     *
     * @param retry the retry number, 1 for the first retry
     * @param random the source of jitter
     */
    public Duration backoff(int retry, RandomGenerator random) {
        if (retry < 1) {
            throw new IllegalArgumentException("Retry number is " + retry + ", expected 1 or more.");
        }
        long max = maxBackoff.toMillis();
        long capped = Math.min(initialBackoff.toMillis(), max);
        for (int i = 1; i < retry && capped < max; i++) {
            capped = capped > max / 2 ? max : capped * 2;
        }
        return jittered(capped, random);
    }

    /** The wait before retrying a refusal for want of a privilege or an index: the max backoff, jittered. */
    public Duration blockedBackoff(RandomGenerator random) {
        return jittered(maxBackoff.toMillis(), random);
    }

    /** A uniformly random wait in the upper half of {@code ceilingMillis}. */
    private static Duration jittered(long ceilingMillis, RandomGenerator random) {
        long half = ceilingMillis / 2;
        return Duration.ofMillis(half + random.nextLong(ceilingMillis - half + 1));
    }

    /** The budget for log lines: "10m" or "no limit". */
    String describeBudget() {
        return isUnlimited() ? "no limit" : maxDuration.toString().substring(2).toLowerCase(java.util.Locale.ROOT);
    }
}
