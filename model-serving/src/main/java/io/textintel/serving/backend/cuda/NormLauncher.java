package io.textintel.serving.backend.cuda;

import io.textintel.serving.backend.cuda.DeviceTensor.Type;
import io.textintel.serving.backend.cuda.KernelLauncher.Dim3;
import java.util.Objects;

/** The launcher of the {@code norm} family: LayerNorm and RMSNorm, each fused with a residual add. */
final class NormLauncher {

    static final String FAMILY = "norm";
    /** A row is staged in shared memory: 48 KiB, the most a kernel gets without opting in. */
    static final int MAX_COLS = 12 * 1024;

    private final KernelLauncher kernels;

    NormLauncher(KernelLauncher kernels) {
        this.kernels = Objects.requireNonNull(kernels, "kernels");
    }

    /**
     * {@code out = LayerNorm(x + residual) * gamma + beta}, biased variance.
     *
     * @param x {@code [rows, cols]} F32
     * @param residual {@code [rows, cols]} F32, or null
     * @param gamma {@code [cols]} F32
     * @param beta {@code [cols]} F32
     * @param out {@code [rows, cols]} F32; may be {@code x} or {@code residual}
     */
    void layerNorm(DeviceTensor x, DeviceTensor residual, DeviceTensor gamma, DeviceTensor beta, float epsilon,
            DeviceTensor out) {
        int rows = x.rows();
        int cols = requireRows(x, residual, out, epsilon);
        gamma.requireVector("gamma", Type.F32, cols);
        beta.requireVector("beta", Type.F32, cols);
        if (rows > 0) {
            kernels.launch("layer_norm_residual", Dim3.of(rows), Dim3.of(256), cols * Float.BYTES, x.pointer(),
                    residual == null ? null : residual.pointer(), gamma.pointer(), beta.pointer(), out.pointer(), cols,
                    epsilon);
        }
    }

    /**
     * {@code s = x + residual; residualOut = s; out = s / sqrt(mean(s²) + eps) * weight}.
     *
     * @param residual {@code [rows, cols]} F32, or null
     * @param weight {@code [cols]} F32
     * @param residualOut {@code [rows, cols]} F32 receiving {@code s}, or null
     */
    void rmsNorm(DeviceTensor x, DeviceTensor residual, DeviceTensor weight, float epsilon, DeviceTensor out,
            DeviceTensor residualOut) {
        int rows = x.rows();
        int cols = requireRows(x, residual, out, epsilon);
        weight.requireVector("weight", Type.F32, cols);
        if (residualOut != null) {
            residualOut.requireMatrix("residualOut", Type.F32, rows, cols);
        }
        if (rows > 0) {
            kernels.launch("rms_norm_residual", Dim3.of(rows), Dim3.of(256), cols * Float.BYTES, x.pointer(),
                    residual == null ? null : residual.pointer(), weight.pointer(), out.pointer(),
                    residualOut == null ? null : residualOut.pointer(), cols, epsilon);
        }
    }

    private static int requireRows(DeviceTensor x, DeviceTensor residual, DeviceTensor out, float epsilon) {
        int rows = x.rows();
        int cols = x.cols();
        x.requireMatrix("x", Type.F32, rows, cols);
        if (residual != null) {
            residual.requireMatrix("residual", Type.F32, rows, cols);
        }
        out.requireMatrix("out", Type.F32, rows, cols);
        if (cols < 1 || cols > MAX_COLS) {
            throw new IllegalArgumentException("tensor x has " + cols + " columns, expected 1 to " + MAX_COLS
                    + " (a row is staged in 48 KiB of shared memory)");
        }
        if (!(epsilon > 0f)) {
            throw new IllegalArgumentException("norm epsilon is " + epsilon + ", expected > 0");
        }
        return cols;
    }
}
