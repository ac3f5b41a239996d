package io.textintel.serving.backend.cpu;

import io.textintel.serving.backend.Activation;

/**
 * The CPU linear layer: {@code y[n, out] = act(x[n, in] · W + b)} with {@code W} stored
 * transposed as {@code [in, out]}.
 *
 * <p>This is the {@link CpuKernel#PORTABLE} linear layer. The output is cut into tiles of
 * {@link #ROW_BLOCK} rows by {@link #COL_BLOCK} columns, one parallel task each. A tile (16 KiB)
 * and the four weight-row segments it reads per step (4 KiB) stay in L1 while the whole reduction
 * runs; the inner loop is a branch-free chain of {@link Math#fma} over contiguous columns that C2
 * turns into SIMD FMAs, reading four weight rows per output load and store (measured 10-20% above
 * separate multiplies and adds, and 256 columns above 128). Bias is the tile's initial value and
 * the activation runs on the tile while it is still in cache.
 */
final class MatmulKernel {

    static final int ROW_BLOCK = 16;
    static final int COL_BLOCK = 256;

    private MatmulKernel() {}

    static void linear(float[] x, int n, TransposedLinear linear, Activation activation, float[] y,
            ParallelRange parallel) {
        int out = linear.outFeatures();
        int rowBlocks = (n + ROW_BLOCK - 1) / ROW_BLOCK;
        int colBlocks = (out + COL_BLOCK - 1) / COL_BLOCK;
        parallel.forEach(rowBlocks * colBlocks, 1, task -> {
            int rowBlock = task / colBlocks;
            int colBlock = task % colBlocks;
            int r0 = rowBlock * ROW_BLOCK;
            int c0 = colBlock * COL_BLOCK;
            tile(x, linear, activation, y, r0, Math.min(n, r0 + ROW_BLOCK), c0, Math.min(out, c0 + COL_BLOCK));
        });
    }

    private static void tile(float[] x, TransposedLinear linear, Activation activation, float[] y,
            int r0, int r1, int c0, int c1) {
        int in = linear.inFeatures();
        int out = linear.outFeatures();
        float[] w = linear.weightT();
        float[] bias = linear.bias();
        for (int r = r0; r < r1; r++) {
            System.arraycopy(bias, c0, y, r * out + c0, c1 - c0);
        }
        int k = 0;
        for (; k + 3 < in; k += 4) {
            int w0 = k * out;
            int w1 = w0 + out;
            int w2 = w1 + out;
            int w3 = w2 + out;
            for (int r = r0; r < r1; r++) {
                int xr = r * in + k;
                float a0 = x[xr];
                float a1 = x[xr + 1];
                float a2 = x[xr + 2];
                float a3 = x[xr + 3];
                int yr = r * out;
                for (int j = c0; j < c1; j++) {
                    y[yr + j] = Math.fma(a3, w[w3 + j],
                            Math.fma(a2, w[w2 + j], Math.fma(a1, w[w1 + j], Math.fma(a0, w[w0 + j], y[yr + j]))));
                }
            }
        }
        for (; k < in; k++) {
            int w0 = k * out;
            for (int r = r0; r < r1; r++) {
                float a0 = x[r * in + k];
                int yr = r * out;
                for (int j = c0; j < c1; j++) {
                    y[yr + j] = Math.fma(a0, w[w0 + j], y[yr + j]);
                }
            }
        }
        if (activation != Activation.NONE) {
            for (int r = r0; r < r1; r++) {
                FastMath.activate(activation, y, r * out + c0, r * out + c1);
            }
        }
    }
}
