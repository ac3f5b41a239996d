package io.textintel.serving.engine;

/**
 * Told of every forward pass an engine ran, on the engine's scheduler thread, right after the pass:
 * the hook a metrics system samples batch sizes and latencies through.
 *
 * <p>It must return quickly and must not block, since the next pass waits for it. An exception it
 * throws is logged and otherwise ignored: a broken listener never stops an engine.
 */
@FunctionalInterface
public interface ForwardPassListener {

    /**
     * @param sequences sequences in the pass (the batch size)
     * @param tokens real tokens the pass computed, padding not included
     * @param nanos how long the pass took
     */
    void onForwardPass(int sequences, int tokens, long nanos);
}
