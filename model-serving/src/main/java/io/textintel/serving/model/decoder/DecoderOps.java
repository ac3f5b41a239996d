package io.textintel.serving.model.decoder;

import io.textintel.serving.kv.PagedKvCache;

/**
 * The operations of a Llama-family decoder layer on the CPU: linear layers, RMSNorm, SwiGLU and
 * grouped-query attention over a paged KV cache.
 *
 * <p>{@link ScalarDecoderOps} is the reference: plain loops, double accumulators.
 * {@link FastDecoderOps} is blocked and multithreaded and is tested against the reference. Arrays
 * are row-major; an output never shares storage with an input unless a method says so. Ops may
 * hold threads, so they are {@link AutoCloseable}.
 */
public interface DecoderOps extends AutoCloseable {

    /** A linear layer's parameters in the layout these ops compute fastest. */
    interface Linear {
        int inFeatures();

        int outFeatures();
    }

    /** A short name for logs, e.g. {@code scalar} or {@code fast}. */
    String name();

    /**
     * Prepares {@code y = x · weightᵀ + bias}. The arrays may be kept; the caller must not modify them.
     *
     * @param weight {@code [out, in]}, as HF {@code nn.Linear} stores it
     * @param bias {@code [out]}, or null for none
     */
    Linear prepareLinear(String name, float[] weight, float[] bias, int out, int in);

    /**
     * {@code y = x · weightᵀ + bias}.
     *
     * @param x {@code [rows, in]}
     * @param y {@code [rows, out]}
     */
    void linear(float[] x, int rows, Linear linear, float[] y);

    /**
     * {@code out = x / sqrt(mean(x²) + eps) * weight} over each row; {@code out} may be {@code x}.
     *
     * @param x {@code [rows, hidden]}
     * @param weight {@code [hidden]}
     * @param out {@code [rows, hidden]}
     */
    void rmsNorm(float[] x, int rows, float[] weight, double eps, float[] out);

    /**
     * {@code out = silu(gate) * up} element-wise; {@code out} may be {@code gate}.
     *
     * @param gate {@code [count]}
     * @param up {@code [count]}
     * @param out {@code [count]}
     */
    void swiglu(float[] gate, float[] up, int count, float[] out);

    /**
     * Causal grouped-query attention of every token of {@code batch} over the positions of its
     * sequence up to and including its own, read from {@code cache}, where this pass's keys and
     * values have already been written. Query head {@code h} reads key/value head
     * {@code h / (heads / kvHeads)}; scores are scaled by {@code 1/sqrt(headDim)}.
     *
     * @param q {@code [tokens, heads * headDim]}, rotated
     * @param out {@code [tokens, heads * headDim]}
     */
    void attention(DecoderBatch batch, float[] q, int heads, PagedKvCache cache, int layer, float[] out);

    /** Stops any threads. */
    @Override
    void close();
}
