package io.textintel.connectors.elasticsearch;

import java.io.IOException;
import java.util.Objects;

/**
 * The cluster cannot be used as configured: unreachable, TLS not trusted, credentials refused, or
 * privileges missing. Thrown at start by {@link ElasticsearchAccessCheck}, with a message that
 * says what to fix and never contains a secret.
 */
public final class ElasticsearchAccessException extends IOException {

    private static final long serialVersionUID = 1L;

    /** What went wrong. */
    public enum Kind {
        /** No connection to any node. */
        UNREACHABLE,
        /** The TLS handshake failed, usually because the server certificate is not trusted. */
        TLS,
        /** The cluster refused the credentials (HTTP 401). */
        AUTHENTICATION,
        /** The credentials lack privileges the pipeline needs. */
        MISSING_PRIVILEGES,
        /** The privilege check itself failed for another reason. */
        CHECK_FAILED
    }

    private final Kind kind;

    public ElasticsearchAccessException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    /** What went wrong. */
    public Kind kind() {
        return kind;
    }
}
