package io.textintel.serving.backend.cpu;

import io.textintel.serving.backend.Activation;
import io.textintel.serving.backend.LinearWeights;
import io.textintel.serving.tensor.SequenceSpans;
import io.textintel.serving.tensor.Tensor;

/**
 * A family of CPU kernels for the operations that carry the FLOPs (linear layers, attention,
 * activations); {@link CpuBackend} checks shapes and delegates to one family, chosen by
 * {@link CpuKernel}. Kernels write into caller-allocated arrays and split work over the given
 * {@link ParallelRange}.
 */
interface DenseKernels {

    /** The family's own layout of a linear layer; see {@link io.textintel.serving.backend.Backend#prepareLinear}. */
    LinearWeights prepareLinear(Tensor weight, Tensor bias);

    /**
     * {@code y = act(x · weightᵀ + bias)}.
     *
     * @param x {@code [n, in]}
     * @param y {@code [n, out]}
     * @throws IllegalArgumentException if {@code weights} were prepared by another family
     */
    void linear(float[] x, int n, LinearWeights weights, Activation activation, float[] y, ParallelRange parallel);

    /**
     * Multi-head self-attention within each sequence, as {@link io.textintel.serving.backend.Backend#attention}.
     *
     * @param qkv {@code [spans.rows(), 3 * hidden]}
     * @param bias {@code [heads, biasLength, biasLength]} added to the scaled scores, or {@code null}
     * @param out {@code [spans.rows(), hidden]}
     */
    void attention(float[] qkv, int hidden, int heads, SequenceSpans spans, float[] bias, int biasLength,
            float[] out, ParallelRange parallel);

    /**
     * One row of {@code LayerNorm(x + residual) * gamma + beta} with the biased variance: the row
     * at {@code offset} of {@code cols} values. {@code out} may be {@code x} or {@code residual}.
     *
     * @param residual or {@code null} to normalise {@code x} alone
     */
    void layerNormRow(float[] x, float[] residual, int offset, int cols, float[] gamma, float[] beta, float epsilon,
            float[] out);

    /** Applies {@code activation} to {@code data[from .. to)} in place. */
    void activate(Activation activation, float[] data, int from, int to);
}
