package io.textintel.serving.hub;

import java.io.IOException;
import java.util.Objects;

/** An error resolving a model from the Hugging Face Hub or the local cache; its kind says why. */
public final class HubException extends IOException {

    /** Why resolving failed. */
    public enum Kind {
        /** Offline or the hub unreachable, and the revision is not in the cache. */
        NOT_CACHED,
        /** The hub refused access: a gated or private model without a (valid) token. */
        UNAUTHORIZED,
        /** The model or revision does not exist on the hub. */
        NOT_FOUND,
        /** A download failed or its size or checksum did not match the hub's listing. */
        TRANSFER
    }

    private final Kind kind;

    public HubException(Kind kind, String message) {
        super(message);
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    public HubException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    /** Why resolving failed. */
    public Kind kind() {
        return kind;
    }
}
