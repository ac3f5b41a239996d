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
    public void attention(float[] qkv, int hidden, int heads, SequenceSpans spans, float[] bias, int biasLength,
            float[] out, ParallelRange parallel) {
        AttentionKernel.attention(qkv, hidden, heads, spans, bias, biasLength, out, parallel);
    }

    @Override
    public void layerNormRow(float[] x, float[] residual, int offset, int cols, float[] gamma, float[] beta,
            float epsilon, float[] out) {
        float[] sum = new float[cols];
        if (residual == null) {
            System.arraycopy(x, offset, sum, 0, cols);
        } else {
            for (int c = 0; c < cols; c++) {
                sum[c] = x[offset + c] + residual[offset + c];
            }
        }
        double mean = 0;
        for (int c = 0; c < cols; c++) {
            mean += sum[c];
        }
        mean /= cols;
        double variance = 0;
        for (int c = 0; c < cols; c++) {
            double centred = sum[c] - mean;
            variance += centred * centred;
        }
        variance /= cols;
        float m = (float) mean;
        float scale = (float) (1.0 / Math.sqrt(variance + epsilon));
        for (int c = 0; c < cols; c++) {
            out[offset + c] = (sum[c] - m) * scale * gamma[c] + beta[c];
        }
    }

    @Override
    public void activate(Activation activation, float[] data, int from, int to) {
        FastMath.activate(activation, data, from, to);
    }
}
