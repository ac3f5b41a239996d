package io.textintel.serving.backend.cuda;

import io.textintel.serving.backend.cuda.DeviceTensor.Type;
import io.textintel.serving.backend.cuda.KernelLauncher.Dim3;
import java.util.Objects;

/** The launcher of the {@code gemm_bf16} family: the tensor-core linear layer and the cuBLAS path's helpers. */
final class GemmLauncher {

    static final String FAMILY = "gemm_bf16";
    private static final int TILE = 64;
    private static final int MAX_GRID_Y = 65_535;

    private final KernelLauncher kernels;

    GemmLauncher(KernelLauncher kernels) {
        this.kernels = Objects.requireNonNull(kernels, "kernels");
    }

    /**
     * {@code c = act(a · wᵀ + bias)} on tensor cores, bf16 products accumulated in fp32.
     *
     * @param a {@code [m, k]} F32
     * @param w {@code [n, k]} BF16
     * @param bias {@code [n]} F32, or null
     * @param activation an {@link ActivationCode}
     * @param c {@code [m, n]} F32
     */
    void linear(DeviceTensor a, DeviceTensor w, DeviceTensor bias, int activation, DeviceTensor c) {
        int m = a.rows();
        int k = a.cols();
        int n = w.rows();
        a.requireMatrix("a", Type.F32, m, k);
        w.requireMatrix("w", Type.BF16, n, k);
        if (bias != null) {
            bias.requireVector("bias", Type.F32, n);
        }
        c.requireMatrix("c", Type.F32, m, n);
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0) {
            throw new IllegalArgumentException("tensor a has shape [" + m + ", 0], expected at least one column");
        }
        int gridY = (m + TILE - 1) / TILE;
        if (gridY > MAX_GRID_Y) {
            throw new IllegalArgumentException("tensor a has " + m + " rows, expected at most "
                    + (long) MAX_GRID_Y * TILE + " for one GEMM launch");
        }
        kernels.launch("gemm_bf16_bias_act", new Dim3((n + TILE - 1) / TILE, gridY, 1), Dim3.of(128), 0,
                a.pointer(), w.pointer(), bias == null ? null : bias.pointer(), c.pointer(), m, n, k, activation);
    }

    /** {@code dst = bf16(src)}, rounded to nearest even; both hold the same number of elements. */
    void toBf16(DeviceTensor src, DeviceTensor dst) {
        src.requireMatrix("src", Type.F32, src.rows(), src.cols());
        dst.requireMatrix("dst", Type.BF16, src.rows(), src.cols());
        long n = src.elements();
        if (n > 0) {
            kernels.launch("f32_to_bf16", Dim3.of(gridStride(n)), Dim3.of(256), 0, src.pointer(), dst.pointer(), n);
        }
    }

    /** {@code c[r, :] = act(c[r, :] + bias)}: the epilogue of a cuBLAS GEMM. */
    void biasActivation(DeviceTensor c, DeviceTensor bias, int activation) {
        c.requireMatrix("c", Type.F32, c.rows(), c.cols());
        if (bias != null) {
            bias.requireVector("bias", Type.F32, c.cols());
        }
        long n = c.elements();
        if (n > 0) {
            kernels.launch("bias_activation_rows", Dim3.of(gridStride(n)), Dim3.of(256), 0, c.pointer(),
                    bias == null ? null : bias.pointer(), n, c.cols(), activation);
        }
    }

    /** Blocks of 256 for a grid-stride loop over {@code n} elements, capped where more blocks gain nothing. */
    static int gridStride(long n) {
        return (int) Math.min((n + 255) / 256, 65_535L * 8);
    }
}
