package io.textintel.serving.backend;

import io.textintel.serving.config.PoolingMode;
import io.textintel.serving.tensor.SequenceSpans;
import io.textintel.serving.tensor.Tensor;

/**
 * A backend: the few operations a transformer encoder needs, run on some device.
 *
 * <p>Every operation checks the shapes of its arguments first and throws
 * {@link IllegalArgumentException} naming the tensor, its shape and the expected shape. Outputs
 * are written into tensors the caller allocated; unless an operation says otherwise, an output
 * must not share storage with an input. Matrices are row-major {@code [rows, cols]}; a tensor of
 * higher rank is seen as {@code [rows(), cols()]}.
 *
 * <p>A backend may hold threads or device memory, so it is {@link AutoCloseable}. Its methods may
 * be called from several threads at once.
 */
public interface Backend extends AutoCloseable {

    /** A short name for logs and metrics, e.g. {@code cpu} or {@code cpu-reference}. */
    String name();

    /** The layout this backend computes most efficiently. */
    BatchLayout batchLayout();

    /**
     * Prepares a linear layer's parameters for {@link #linear}. The inputs are not modified and
     * need not be kept.
     *
     * @param weight {@code [out, in]}, as HF {@code nn.Linear} stores it
     * @param bias {@code [out]}, or {@code null} for none
     */
    LinearWeights prepareLinear(Tensor weight, Tensor bias);

    /**
     * {@code out = act(x · weightᵀ + bias)}.
     *
     * @param x {@code [n, in]}
     * @param out {@code [n, out]}
     */
    void linear(Tensor x, LinearWeights weights, Activation activation, Tensor out);

    /**
     * {@code out = LayerNorm(x + residual) * gamma + beta} over each row, with the biased
     * variance as PyTorch computes it. {@code out} may be {@code x} or {@code residual}.
     *
     * @param x {@code [n, hidden]}
     * @param residual {@code [n, hidden]}, or {@code null} to normalise {@code x} alone
     * @param gamma {@code [hidden]}
     * @param beta {@code [hidden]}
     * @param out {@code [n, hidden]}
     */
    void layerNorm(Tensor x, Tensor residual, Tensor gamma, Tensor beta, float epsilon, Tensor out);

    /** Applies {@code activation} to every element of {@code x} in place. */
    void activate(Activation activation, Tensor x);

    /** Replaces each row of {@code x} by its softmax, in place. */
    void softmax(Tensor x);

    /**
     * Multi-head scaled dot-product self-attention within each sequence; a token attends to the
     * real tokens of its own sequence only (the padding mask). Rows of {@code out} outside every
     * sequence are set to zero.
     *
     * @param qkv {@code [rows, 3 * hidden]}: query, key and value projections side by side, head
     *     {@code h} at columns {@code h * headDim .. (h + 1) * headDim - 1} of each third
     * @param heads number of attention heads; must divide {@code hidden}
     * @param spans where each sequence lies; {@code spans.rows()} must equal {@code rows}
     * @param out {@code [rows, hidden]}: the heads' outputs side by side, before the output projection
     */
    default void attention(Tensor qkv, int heads, SequenceSpans spans, Tensor out) {
        attention(qkv, heads, spans, null, out);
    }

    /**
     * {@link #attention(Tensor, int, SequenceSpans, Tensor)} with an additive bias on the scores:
     * for query {@code i} and key {@code j} of a sequence, counted from the sequence's first token,
     * {@code bias[h, i, j]} is added to head {@code h}'s scaled dot product before the softmax
     * (MPNet's relative position bias). Every sequence of the batch reads the same bias.
     *
     * @param bias {@code [heads, n, n]} with {@code n >= spans.maxLength()}, or {@code null} for none
     * @throws IllegalArgumentException if {@code bias} is given and the backend cannot add one
     *     ({@link #supportsAttentionBias()} is false)
     */
    void attention(Tensor qkv, int heads, SequenceSpans spans, Tensor bias, Tensor out);

    /** Whether {@link #attention(Tensor, int, SequenceSpans, Tensor, Tensor)} accepts a bias. */
    default boolean supportsAttentionBias() {
        return false;
    }

    /**
     * Copies (or, with {@code accumulate}, adds) row {@code ids[i]} of {@code table} into row
     * {@code i} of {@code out}.
     *
     * @param table {@code [vocabulary, hidden]}
     * @param out {@code [ids.length, hidden]}
     * @throws IllegalArgumentException naming the id if one lies outside the table
     */
    void gather(Tensor table, int[] ids, boolean accumulate, Tensor out);

    /**
     * Reduces the rows of each sequence to one vector, optionally scaled to unit L2 norm.
     *
     * @param hidden {@code [rows, hidden]}
     * @param spans where each sequence lies; {@code spans.rows()} must equal {@code rows}
     * @param out {@code [spans.count(), hidden]}
     */
    void pool(Tensor hidden, SequenceSpans spans, PoolingMode mode, boolean normalize, Tensor out);

    /** Releases threads and device memory; the backend must not be used afterwards. */
    @Override
    void close();
}
