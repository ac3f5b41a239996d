package io.textintel.serving.backend.cuda;

import java.util.List;

/** Closing a backend's device resources: every one is closed, in order, even when some fail. */
final class Closing {

    private Closing() {}

    /**
     * Closes each of {@code resources} in order. Failures do not stop the others.
     *
     * @throws IllegalStateException "closing {@code what} failed", with the first failure as its
     *     cause and the later ones suppressed, when any failed
     */
    static void closeAll(List<? extends AutoCloseable> resources, String what) {
        RuntimeException failure = null;
        for (AutoCloseable resource : resources) {
            try {
                resource.close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = new IllegalStateException("closing " + what + " failed", e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
