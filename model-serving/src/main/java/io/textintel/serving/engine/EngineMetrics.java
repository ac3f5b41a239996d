package io.textintel.serving.engine;

/**
 * A snapshot of an engine's counters since it opened.
 *
 * @param requests requests accepted into the queue
 * @param rejected requests refused because the queue was full
 * @param invalid requests refused as invalid input
 * @param cancelled requests dropped because their caller cancelled them before they ran
 * @param failed requests completed exceptionally by a backend failure or by close
 * @param batches forward passes run
 * @param tokens real tokens computed
 * @param paddingTokens padding rows computed (0 with a packed layout)
 * @param queueDepth requests waiting now
 * @param meanBatchSize sequences per forward pass
 * @param forwardNanos time spent in forward passes
 */
public record EngineMetrics(
        long requests,
        long rejected,
        long invalid,
        long cancelled,
        long failed,
        long batches,
        long tokens,
        long paddingTokens,
        int queueDepth,
        double meanBatchSize,
        long forwardNanos) {

    /** Padding rows over all rows computed since the engine opened; 0 before the first pass. */
    public double paddingShare() {
        long rows = tokens + paddingTokens;
        return rows == 0 ? 0.0 : (double) paddingTokens / rows;
    }
}
