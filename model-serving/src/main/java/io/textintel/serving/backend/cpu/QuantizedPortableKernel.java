package io.textintel.serving.backend.cpu;

import io.textintel.serving.backend.WeightFormat;
import io.textintel.serving.weights.BFloat16;

/**
 * The plain-Java linear layer over bf16 or int8 weights ({@link QuantizedLinear} of panel width
 * 1, i.e. row-major {@code [out, in]}), for JVMs without the Vector API. It computes exactly what
 * {@link QuantizedVectorKernel} computes: one {@link Math#fma} chain per output, {@code k} in
 * order, from the bias (bf16) or from zero then {@code sum * scale + bias} (int8).
 */
final class QuantizedPortableKernel {

    /** Output columns of a task. */
    static final int BLOCK = 64;

    private QuantizedPortableKernel() {}

    static int blocks(QuantizedLinear linear) {
        return (linear.outFeatures() + BLOCK - 1) / BLOCK;
    }

    /** Rows {@code 0 .. rows - 1} by output columns of block {@code block}. */
    static void block(float[] x, int rows, QuantizedLinear linear, int block, float[] y) {
        int in = linear.inFeatures();
        int out = linear.outFeatures();
        int o1 = Math.min(out, (block + 1) * BLOCK);
        boolean bf16 = linear.format() == WeightFormat.BF16;
        for (int r = 0; r < rows; r++) {
            for (int o = block * BLOCK; o < o1; o++) {
                int w0 = o * in;
                int x0 = r * in;
                if (bf16) {
                    short[] w = linear.bf16();
                    float sum = linear.bias()[o];
                    for (int k = 0; k < in; k++) {
                        sum = Math.fma(BFloat16.toFloat(w[w0 + k]), x[x0 + k], sum);
                    }
                    y[r * out + o] = sum;
                } else {
                    byte[] w = linear.int8();
                    float sum = 0;
                    for (int k = 0; k < in; k++) {
                        sum = Math.fma((float) w[w0 + k], x[x0 + k], sum);
                    }
                    y[r * out + o] = sum * linear.scales()[o] + linear.bias()[o];
                }
            }
        }
    }
}
