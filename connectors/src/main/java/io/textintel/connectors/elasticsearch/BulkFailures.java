package io.textintel.connectors.elasticsearch;

import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch._types.ErrorCause;
import co.elastic.clients.transport.TransportException;
import java.io.IOException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.elasticsearch.client.ResponseException;

/** The rules that decide whether a failed bulk request or bulk item is worth sending again. */
final class BulkFailures {

    /**
     * What a failure means for the documents it concerns.
     *
     * <ul>
     *   <li>{@code TRANSIENT}: "not now" (connection and timeout errors, 429, 5xx); retried with
     *       backoff.
     *   <li>{@code BLOCKED}: the cluster refuses every document of the index until an operator acts
     *       (401, 403, 404 {@code index_not_found_exception}); no fault of the document, so never a
     *       rejection; retried slowly.
     *   <li>{@code PERMANENT}: this document will never be taken (400 mapping errors, 409, ...);
     *       handed to the rejected-document handler.
     * </ul>
     */
    enum Kind { TRANSIENT, BLOCKED, PERMANENT }

    static final int TOO_MANY_REQUESTS = 429;
    private static final int UNAUTHORIZED = 401;
    private static final int FORBIDDEN = 403;
    private static final int NOT_FOUND = 404;
    private static final String INDEX_NOT_FOUND = "index_not_found_exception";

    private BulkFailures() {}

    /** The kind of a failed bulk item, from its status and error. */
    static Kind classifyItem(int status, ErrorCause error) {
        if (isRetriableStatus(status)) {
            return Kind.TRANSIENT;
        }
        if (isAuthorizationStatus(status)
                || (status == NOT_FOUND && error != null && INDEX_NOT_FOUND.equals(error.type()))) {
            return Kind.BLOCKED;
        }
        return Kind.PERMANENT;
    }

    /**
     * The kind of a whole bulk request that failed: transient as {@link #isRetriable}, blocked for
     * 401 and 403 (a wrong password, a missing cluster privilege), else permanent.
     */
    static Kind classifyRequest(Throwable failure) {
        if (isRetriable(failure)) {
            return Kind.TRANSIENT;
        }
        int status = requestStatus(failure);
        return isAuthorizationStatus(status) ? Kind.BLOCKED : Kind.PERMANENT;
    }

    /** The HTTP status of a failed request, or -1 when it got no answer. */
    static int requestStatus(Throwable failure) {
        Throwable cause = unwrap(failure);
        if (cause instanceof ElasticsearchException e) {
            return e.status();
        }
        if (cause instanceof TransportException e) {
            return e.statusCode();
        }
        // The low-level REST client answers 429, 502, 503 and 504 (which it retries on other nodes) this way.
        if (cause instanceof ResponseException e) {
            return e.getResponse().getStatusLine().getStatusCode();
        }
        return -1;
    }

    private static boolean isAuthorizationStatus(int status) {
        return status == UNAUTHORIZED || status == FORBIDDEN;
    }

    /** Whether an HTTP status means "not now" (429, 5xx) rather than "never". */
    static boolean isRetriableStatus(int status) {
        return status == TOO_MANY_REQUESTS || status >= 500;
    }

    /** Whether an item status is a success (2xx). */
    static boolean isSuccessStatus(int status) {
        return status >= 200 && status < 300;
    }

    /**
     * Whether a whole bulk request that failed this way may succeed later: connection and timeout
     * errors, 429 and 5xx. A 4xx such as 401 or 400 for the whole request will not.
     */
    static boolean isRetriable(Throwable failure) {
        Throwable cause = unwrap(failure);
        if (cause instanceof ElasticsearchException e) {
            return isRetriableStatus(e.status());
        }
        if (cause instanceof TransportException e) {
            return e.statusCode() < 0 || isRetriableStatus(e.statusCode());
        }
        if (cause instanceof ResponseException e) {
            return isRetriableStatus(e.getResponse().getStatusLine().getStatusCode());
        }
        return cause instanceof IOException;
    }

    /** The failure without the wrappers futures add. */
    static Throwable unwrap(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    /**
     * A short description of a request failure: status, Elasticsearch error type and reason, at
     * most {@value #MAX_DESCRIPTION_LENGTH} characters.
     */
    static String describe(Throwable failure) {
        Throwable cause = unwrap(failure);
        if (cause instanceof ElasticsearchException e) {
            return "status " + e.status() + ": " + describe(e.error());
        }
        if (cause instanceof TransportException e && e.statusCode() >= 0) {
            return shorten("status " + e.statusCode() + ": " + e.getMessage());
        }
        if (cause instanceof ResponseException e) {
            return shorten("status " + e.getResponse().getStatusLine().getStatusCode() + ": " + e.getMessage());
        }
        return shorten(cause.getClass().getSimpleName() + ": " + cause.getMessage());
    }

    /**
     * Elasticsearch's error type and reason, as "type: reason", at most
     * {@value #MAX_DESCRIPTION_LENGTH} characters (a 429's reason dumps the thread pool's state).
     */
    static String describe(ErrorCause error) {
        if (error == null) {
            return "unknown: no error in response";
        }
        return shorten(error.type() + ": " + error.reason());
    }

    /** Longest description, enough for a 403's reason with the privileges it names. */
    static final int MAX_DESCRIPTION_LENGTH = 400;

    private static String shorten(String description) {
        return description.length() <= MAX_DESCRIPTION_LENGTH
                ? description
                : description.substring(0, MAX_DESCRIPTION_LENGTH) + "...";
    }
}
