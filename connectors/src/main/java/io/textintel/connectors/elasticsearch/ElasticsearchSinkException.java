package io.textintel.connectors.elasticsearch;

/**
 * A failure of the Elasticsearch sink that fails the job: a permanent rejection without a handler,
 * a request the cluster refuses outright, or retries exhausted.
 */
public class ElasticsearchSinkException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public ElasticsearchSinkException(String message) {
        super(message);
    }

    public ElasticsearchSinkException(String message, Throwable cause) {
        super(message, cause);
    }
}
