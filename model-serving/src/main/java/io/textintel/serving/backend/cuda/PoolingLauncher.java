package io.textintel.serving.backend.cuda;

import io.textintel.serving.backend.cuda.DeviceTensor.Type;
import io.textintel.serving.backend.cuda.KernelLauncher.Dim3;
import io.textintel.serving.config.PoolingMode;
import java.util.Objects;

/** The launcher of the {@code pooling} family: one vector per sequence, optionally of unit L2 norm. */
final class PoolingLauncher {

    static final String FAMILY = "pooling";

    private final KernelLauncher kernels;

    PoolingLauncher(KernelLauncher kernels) {
        this.kernels = Objects.requireNonNull(kernels, "kernels");
    }

    /**
     * @param hidden {@code [rows, cols]} F32
     * @param starts {@code [sequences]} I32
     * @param lengths {@code [sequences]} I32, each at least 1
     * @param out {@code [sequences, cols]} F32
     */
    void pool(DeviceTensor hidden, DeviceTensor starts, DeviceTensor lengths, PoolingMode mode, boolean normalize,
            DeviceTensor out) {
        int sequences = (int) starts.elements();
        hidden.requireMatrix("hidden", Type.F32, hidden.rows(), hidden.cols());
        starts.requireVector("starts", Type.I32, sequences);
        lengths.requireVector("lengths", Type.I32, sequences);
        out.requireMatrix("out", Type.F32, sequences, hidden.cols());
        if (sequences > 0 && hidden.cols() > 0) {
            kernels.launch("pool_sequences", Dim3.of(sequences), Dim3.of(256), 0, hidden.pointer(), starts.pointer(),
                    lengths.pointer(), out.pointer(), hidden.cols(), code(mode), normalize ? 1 : 0);
        }
    }

    /** The kernel's {@code POOL_*} number of {@code mode}. */
    static int code(PoolingMode mode) {
        switch (mode) {
            case CLS:
                return 0;
            case MEAN:
                return 1;
            case MAX:
                return 2;
            case MEAN_SQRT_LEN:
                return 3;
            default:
                throw new IllegalArgumentException("pooling mode " + mode + " has no kernel code");
        }
    }
}
