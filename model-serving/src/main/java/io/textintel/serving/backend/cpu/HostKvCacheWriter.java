package io.textintel.serving.backend.cpu;

import io.textintel.serving.backend.PagedAttentionBatch;
import io.textintel.serving.kv.PagedKvCache;

/**
 * The write of a pass's key and value rows into a {@link PagedKvCache}'s host arrays, each token's
 * row at its {@link PagedAttentionBatch#slot}: {@code DecoderOps#writeKeyValues} of the CPU ops, and
 * the host half of the CUDA ops' write.
 */
public final class HostKvCacheWriter {

    private HostKvCacheWriter() {}

    /**
     * @param k {@code [tokens, kvHeads * headDim]}
     * @param v {@code [tokens, kvHeads * headDim]}
     * @throws IllegalArgumentException if {@code k} or {@code v} is shorter than the batch's rows
     */
    public static void write(PagedAttentionBatch batch, float[] k, float[] v, PagedKvCache cache, int layer) {
        int width = cache.layout().positionStride();
        int tokens = batch.tokenCount();
        if (k.length < (long) tokens * width || v.length < (long) tokens * width) {
            throw new IllegalArgumentException("keys of " + k.length + " and values of " + v.length
                    + " floats, expected at least [" + tokens + ", " + width + "] each");
        }
        float[] keys = cache.keys(layer); // [blocks, blockSize, kvHeads, headDim]
        float[] values = cache.values(layer); // [blocks, blockSize, kvHeads, headDim]
        for (int t = 0; t < tokens; t++) {
            int offset = batch.slot(t) * width;
            System.arraycopy(k, t * width, keys, offset, width);
            System.arraycopy(v, t * width, values, offset, width);
        }
    }
}
