package io.textintel.connectors.elasticsearch;

import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * How the sink retries bulk actions the cluster could not take now: 429 and 5xx responses, for a
 * whole bulk request or for single items, and connection failures.
 *
 * <p>The wait before retry {@code n} (1-based) is exponential, {@code initialBackoff * 2^(n-1)}
 * capped at {@code maxBackoff}, with "equal jitter": a uniformly random point in its upper half, so
 * writers that were throttled together do not come back together.
 *
 * @param maxRetries retries per action before the job fails; 0 disables retries
 * @param initialBackoff wait before the first retry
 * @param maxBackoff longest wait between two attempts
 */
public record RetryPolicy(int maxRetries, Duration initialBackoff, Duration maxBackoff)
        implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Eight retries from 100 ms up to 30 s: about a minute of throttling before giving up. */
    public static final RetryPolicy DEFAULT =
            new RetryPolicy(8, Duration.ofMillis(100), Duration.ofSeconds(30));

    public RetryPolicy {
        Objects.requireNonNull(initialBackoff, "initialBackoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        if (maxRetries < 0) {
            throw new IllegalArgumentException(
                    "Max retries is " + maxRetries + ", expected zero or more.");
        }
        if (initialBackoff.isNegative() || initialBackoff.isZero()) {
            throw new IllegalArgumentException(
                    "Initial backoff is " + initialBackoff + ", expected a positive duration.");
        }
        if (maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("Max backoff is " + maxBackoff
                    + ", expected at least the initial backoff " + initialBackoff + ".");
        }
    }

    /**
     * The wait before the given retry.
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
        long half = capped / 2;
        return Duration.ofMillis(half + random.nextLong(capped - half + 1));
    }
}
