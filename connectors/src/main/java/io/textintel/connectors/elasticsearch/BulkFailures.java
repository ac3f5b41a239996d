package io.textintel.connectors.elasticsearch;

import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch._types.ErrorCause;
import co.elastic.clients.transport.TransportException;
import java.io.IOException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** The rules that decide whether a failed bulk request or bulk item is worth sending again. */
final class BulkFailures {

    private static final int TOO_MANY_REQUESTS = 429;

    private BulkFailures() {}

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

    /** A short description of a request failure: status, Elasticsearch error type and reason. */
    static String describe(Throwable failure) {
        Throwable cause = unwrap(failure);
        if (cause instanceof ElasticsearchException e) {
            return "status " + e.status() + ": " + describe(e.error());
        }
        if (cause instanceof TransportException e && e.statusCode() >= 0) {
            return "status " + e.statusCode() + ": " + e.getMessage();
        }
        return cause.getClass().getSimpleName() + ": " + cause.getMessage();
    }

    /** Elasticsearch's error type and reason, as "type: reason". */
    static String describe(ErrorCause error) {
        if (error == null) {
            return "unknown: no error in response";
        }
        return error.type() + ": " + error.reason();
    }
}
