package io.textintel.serving.engine;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link ForwardPassListener}s of one engine: any thread adds and removes them, the engine's
 * scheduler thread tells them of each pass, and a listener that throws is logged, not propagated.
 */
public final class ForwardPassListeners {

    private static final Logger LOG = LoggerFactory.getLogger(ForwardPassListeners.class);

    private final String engineName;
    private final List<ForwardPassListener> listeners = new CopyOnWriteArrayList<>();

    /** @param engineName the engine's model name, for the log */
    public ForwardPassListeners(String engineName) {
        this.engineName = Objects.requireNonNull(engineName, "engineName");
    }

    public void add(ForwardPassListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** Removes one registration of {@code listener}; nothing when it is not registered. */
    public void remove(ForwardPassListener listener) {
        listeners.remove(listener);
    }

    /** Tells every listener of a pass that ran; see {@link ForwardPassListener#onForwardPass}. */
    public void passed(int sequences, int tokens, long nanos) {
        for (ForwardPassListener listener : listeners) {
            try {
                listener.onForwardPass(sequences, tokens, nanos);
            } catch (RuntimeException e) {
                LOG.warn("Forward-pass listener {} of engine {} failed; the engine goes on", listener, engineName, e);
            }
        }
    }
}
