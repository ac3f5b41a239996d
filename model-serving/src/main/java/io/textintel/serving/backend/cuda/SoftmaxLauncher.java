package io.textintel.serving.backend.cuda;

import io.textintel.serving.backend.cuda.DeviceTensor.Type;
import io.textintel.serving.backend.cuda.KernelLauncher.Dim3;
import java.util.Objects;

/** The launcher of the {@code softmax} family: row-wise softmax in place. */
final class SoftmaxLauncher {

    static final String FAMILY = "softmax";

    private final KernelLauncher kernels;

    SoftmaxLauncher(KernelLauncher kernels) {
        this.kernels = Objects.requireNonNull(kernels, "kernels");
    }

    /** Replaces each row of {@code x} ({@code [rows, cols]} F32) by its softmax. */
    void softmax(DeviceTensor x) {
        x.requireMatrix("x", Type.F32, x.rows(), x.cols());
        if (x.rows() > 0 && x.cols() > 0) {
            kernels.launch("softmax_rows", Dim3.of(x.rows()), Dim3.of(256), 0, x.pointer(), x.cols());
        }
    }
}
