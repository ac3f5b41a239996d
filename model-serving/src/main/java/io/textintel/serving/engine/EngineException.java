package io.textintel.serving.engine;

import java.util.Objects;

/** A failure of the inference engine, with a {@link Kind} that says whose it is. */
public final class EngineException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** What went wrong. */
    public enum Kind {
        /** The model could not be loaded: missing files, unsupported architecture, bad config. */
        LOAD,
        /** A forward pass failed on the backend. */
        BACKEND,
        /** The request itself is invalid: empty, too long, ids outside the vocabulary, wrong task. */
        INPUT,
        /** The engine's queue is full; retry later or slow down. */
        OVERLOADED
    }

    private final Kind kind;

    public EngineException(Kind kind, String message) {
        super(message);
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    public EngineException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    public Kind kind() {
        return kind;
    }
}
