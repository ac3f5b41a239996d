package io.textintel.connectors.elasticsearch;

import io.textintel.schemas.DeadLetterReason;
import java.util.Objects;

/**
 * A document the cluster refused for good, with Elasticsearch's reason.
 *
 * <p>Permanent means that retrying the same bytes cannot succeed: a per-item status of 4xx other
 * than 429, such as {@code mapper_parsing_exception} for a field of the wrong type or a
 * {@code dense_vector} with the wrong number of dimensions.
 *
 * @param index the index the document was written to
 * @param id the document id
 * @param source the JSON source that was sent
 * @param status the HTTP status of the item in the bulk response
 * @param errorType Elasticsearch's error type, e.g. {@code mapper_parsing_exception}
 * @param errorReason Elasticsearch's explanation
 */
public record RejectedDocument(
        String index, String id, byte[] source, int status, String errorType, String errorReason) {

    private static final int CONTENT_TOO_LARGE = 413;

    public RejectedDocument {
        Objects.requireNonNull(index, "index");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(source, "source");
        errorType = errorType == null ? "unknown" : errorType;
        errorReason = errorReason == null ? "no reason given" : errorReason;
    }

    /**
     * The dead-letter code of this rejection: {@link DeadLetterReason#TOO_LARGE} for status 413,
     * else {@link DeadLetterReason#DOCUMENT_REJECTED} (mapping and parse errors, and every other
     * status the sink does not retry).
     */
    public DeadLetterReason reasonCode() {
        return status == CONTENT_TOO_LARGE ? DeadLetterReason.TOO_LARGE : DeadLetterReason.DOCUMENT_REJECTED;
    }

    /** The one-line description used in logs, dead letters and job failures. */
    public String message() {
        return String.format(
                "document %s rejected by index %s with status %d: %s: %s",
                id, index, status, errorType, errorReason);
    }

    @Override
    public String toString() {
        return "RejectedDocument[" + message() + "]";
    }
}
