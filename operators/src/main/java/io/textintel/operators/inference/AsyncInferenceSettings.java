package io.textintel.operators.inference;

import java.io.Serializable;
import java.time.Duration;

/**
 * How the Flink async operator around the engine bounds and retries its requests.
 *
 * @param timeout how long one document may wait for all its tasks; past it the document becomes a
 *     dead letter naming the timeout
 * @param capacity documents in flight per subtask; bounds memory and back-pressures the source
 * @param retries retries of a request the engine refused as overloaded or failed on the backend
 * @param retryDelay first delay between retries; it doubles on each retry
 */
public record AsyncInferenceSettings(Duration timeout, Integer capacity, Integer retries, Duration retryDelay)
        implements Serializable {

    public AsyncInferenceSettings {
        timeout = timeout == null ? Duration.ofSeconds(60) : timeout;
        capacity = capacity == null ? 256 : capacity;
        retries = retries == null ? 3 : retries;
        retryDelay = retryDelay == null ? Duration.ofMillis(100) : retryDelay;
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("inference timeout is " + timeout + ", expected a positive duration");
        }
        if (capacity < 1) {
            throw new IllegalArgumentException("inference capacity is " + capacity + ", expected 1 or more");
        }
        if (retries < 0) {
            throw new IllegalArgumentException("inference retries is " + retries + ", expected 0 or more");
        }
        if (retryDelay.isNegative()) {
            throw new IllegalArgumentException("inference retry-delay is " + retryDelay + ", expected zero or more");
        }
    }

    /** All defaults. */
    public static AsyncInferenceSettings defaults() {
        return new AsyncInferenceSettings(null, null, null, null);
    }
}
