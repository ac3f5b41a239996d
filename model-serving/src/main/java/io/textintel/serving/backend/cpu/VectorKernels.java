package io.textintel.serving.backend.cpu;

import io.textintel.serving.backend.Activation;
import io.textintel.serving.backend.LinearWeights;
import io.textintel.serving.tensor.SequenceSpans;
import io.textintel.serving.tensor.Tensor;

/**
 * The Vector API kernel family ({@link CpuKernel#VECTOR}); loading this class needs the module
 * {@code jdk.incubator.vector}, which {@link CpuKernel#create()} checks first.
 */
final class VectorKernels implements DenseKernels {

    @Override
    public LinearWeights prepareLinear(Tensor weight, Tensor bias) {
        return new PackedLinear(weight, bias, VectorMatmulKernel.PANEL_WIDTH);
    }

    @Override
    public void linear(float[] x, int n, LinearWeights weights, Activation activation, float[] y,
            ParallelRange parallel) {
        VectorMatmulKernel.linear(x, n, PackedLinear.cast(weights, VectorMatmulKernel.PANEL_WIDTH), activation, y,
                parallel);
    }

    @Override
    public void attention(float[] qkv, int hidden, int heads, SequenceSpans spans, float[] bias, int biasLength,
            float[] out, ParallelRange parallel) {
        VectorAttentionKernel.attention(qkv, hidden, heads, spans, bias, biasLength, out, parallel);
    }

    @Override
    public void layerNormRow(float[] x, float[] residual, int offset, int cols, float[] gamma, float[] beta,
            float epsilon, float[] out) {
        VectorMath.layerNormRow(x, residual, offset, cols, gamma, beta, epsilon, out);
    }

    @Override
    public void activate(Activation activation, float[] data, int from, int to) {
        VectorMath.activate(activation, data, from, to);
    }
}
