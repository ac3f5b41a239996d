package io.textintel.connectors.elasticsearch;

import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;

/**
 * When the sink sends a bulk request, and how many it keeps in flight.
 *
 * <p>A bulk request is sent as soon as the buffer holds {@code maxActions} documents or
 * {@code maxBytes} bytes of JSON, and at least every {@code interval} while anything is buffered.
 * With {@code maxInFlightRequests} requests outstanding (in flight or waiting for a retry),
 * {@code write} waits: this is the sink's back-pressure, which bounds its memory during an outage.
 *
 * @param maxActions most documents in one bulk request
 * @param maxBytes most bytes of document source in one bulk request
 * @param interval longest time a document waits in the buffer
 * @param maxInFlightRequests most bulk requests sent and not yet answered, or failed and waiting
 *     for a retry
 */
public record BulkFlushOptions(
        int maxActions, long maxBytes, Duration interval, int maxInFlightRequests)
        implements Serializable {

    private static final long serialVersionUID = 1L;

    /** 1000 documents or 5 MiB per request, a 1 s interval and 2 requests in flight. */
    public static final BulkFlushOptions DEFAULT =
            new BulkFlushOptions(1000, 5L * 1024 * 1024, Duration.ofSeconds(1), 2);

    public BulkFlushOptions {
        Objects.requireNonNull(interval, "interval");
        if (maxActions < 1) {
            throw new IllegalArgumentException(
                    "Bulk flush max actions is " + maxActions + ", expected 1 or more.");
        }
        if (maxBytes < 1) {
            throw new IllegalArgumentException(
                    "Bulk flush max bytes is " + maxBytes + ", expected 1 or more.");
        }
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException(
                    "Bulk flush interval is " + interval + ", expected a positive duration.");
        }
        if (maxInFlightRequests < 1) {
            throw new IllegalArgumentException("Max in-flight requests is "
                    + maxInFlightRequests + ", expected 1 or more.");
        }
    }
}
