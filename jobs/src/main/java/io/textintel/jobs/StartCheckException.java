package io.textintel.jobs;

import java.util.Objects;

/**
 * The pipeline cannot start in the environment it is given; thrown by {@link StartChecks} before the
 * job is submitted, with a message that names what is missing and the command that provides it.
 */
public final class StartCheckException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** What is missing. */
    public enum Kind {
        /** With {@code hub.offline: true}, a task's model is not in the model cache. */
        MODEL_NOT_CACHED,
        /** A configured Kafka topic does not exist. */
        TOPIC_MISSING,
        /** Kafka did not answer, or refused to describe the topics. */
        KAFKA_UNAVAILABLE
    }

    private final Kind kind;

    public StartCheckException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    /** What is missing. */
    public Kind kind() {
        return kind;
    }
}
