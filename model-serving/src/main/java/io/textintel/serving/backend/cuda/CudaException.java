package io.textintel.serving.backend.cuda;

import java.util.Objects;

/**
 * A failure of the CUDA backend: a driver call that returned an error, a kernel that faulted, or
 * a driver library or device that is not there. The message names the failing call and, for a
 * driver error, the {@code CUresult} name, e.g. {@code cuMemAlloc(268435456 bytes) failed:
 * CUDA_ERROR_OUT_OF_MEMORY}.
 */
public final class CudaException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** What went wrong, so callers can tell a missing GPU from a full one or a faulting kernel. */
    public enum Kind {
        /** The driver library, a device or a capability is missing: nothing on this machine will run. */
        UNAVAILABLE,
        /** The device has no memory left for the request. */
        OUT_OF_MEMORY,
        /** A kernel failed to launch or faulted while running; the context may be unusable afterwards. */
        LAUNCH,
        /** Any other driver call failed. */
        CALL
    }

    private final Kind kind;
    private final String call;
    private final String result;

    /**
     * @param kind what went wrong
     * @param call the failing call with its salient arguments, e.g. {@code cuMemAlloc(1024 bytes)}
     * @param result the {@code CUresult} name, or {@code null} when no driver call returned one
     * @param message the whole message
     */
    CudaException(Kind kind, String call, String result, String message, Throwable cause) {
        super(message, cause);
        this.kind = Objects.requireNonNull(kind, "kind");
        this.call = Objects.requireNonNull(call, "call");
        this.result = result;
    }

    public Kind kind() {
        return kind;
    }

    /** The failing call, e.g. {@code cuMemAlloc(1024 bytes)}. */
    public String call() {
        return call;
    }

    /** The {@code CUresult} name, e.g. {@code CUDA_ERROR_OUT_OF_MEMORY}, or {@code null}. */
    public String result() {
        return result;
    }
}
