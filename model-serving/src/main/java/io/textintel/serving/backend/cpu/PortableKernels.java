package io.textintel.serving.backend.cpu;

import io.textintel.serving.backend.Activation;
import io.textintel.serving.backend.LinearWeights;
import io.textintel.serving.tensor.SequenceSpans;
import io.textintel.serving.tensor.Tensor;

/** The plain-Java kernel family ({@link CpuKernel#PORTABLE}): runs on any JVM. */
final class PortableKernels implements DenseKernels {

    @Override
    public LinearWeights prepareLinear(Tensor weight, Tensor bias) {
        return new TransposedLinear(weight, bias);
    }

    @Override
    public void linear(float[] x, int n, LinearWeights weights, Activation activation, float[] y,
            ParallelRange parallel) {
        MatmulKernel.linear(x, n, TransposedLinear.cast(weights), activation, y, parallel);
    }

    @Override
    public void attention(float[] qkv, int hidden, int heads, SequenceSpans spans, float[] out,
            ParallelRange parallel) {
        AttentionKernel.attention(qkv, hidden, heads, spans, out, parallel);
    }

    @Override
    public void activate(Activation activation, float[] data, int from, int to) {
        FastMath.activate(activation, data, from, to);
    }
}
