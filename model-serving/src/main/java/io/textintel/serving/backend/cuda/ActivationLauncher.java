package io.textintel.serving.backend.cuda;

import io.textintel.serving.backend.cuda.DeviceTensor.Type;
import io.textintel.serving.backend.cuda.KernelLauncher.Dim3;
import java.util.Arrays;
import java.util.Objects;

/** The launcher of the {@code activation} family: element-wise activations and SwiGLU. */
final class ActivationLauncher {

    static final String FAMILY = "activation";

    private final KernelLauncher kernels;

    ActivationLauncher(KernelLauncher kernels) {
        this.kernels = Objects.requireNonNull(kernels, "kernels");
    }

    /** {@code x = act(x)} element-wise; {@code activation} is an {@link ActivationCode}. */
    void activate(DeviceTensor x, int activation) {
        x.requireMatrix("x", Type.F32, x.rows(), x.cols());
        if (activation < 0 || activation > ActivationCode.SILU) {
            throw new IllegalArgumentException("activation code " + activation + ", expected 0 to "
                    + ActivationCode.SILU);
        }
        long n = x.elements();
        if (n > 0) {
            kernels.launch("activate_inplace", Dim3.of(GemmLauncher.gridStride(n)), Dim3.of(256), 0, x.pointer(), n,
                    activation);
        }
    }

    /** {@code out = silu(gate) * up} element-wise; all three have the same shape, {@code out} may be {@code gate}. */
    void swiglu(DeviceTensor gate, DeviceTensor up, DeviceTensor out) {
        gate.requireMatrix("gate", Type.F32, gate.rows(), gate.cols());
        if (!Arrays.equals(up.shape(), gate.shape())) {
            throw new IllegalArgumentException("tensor up has shape " + Arrays.toString(up.shape()) + ", expected "
                    + Arrays.toString(gate.shape()) + " as gate");
        }
        if (!Arrays.equals(out.shape(), gate.shape())) {
            throw new IllegalArgumentException("tensor out has shape " + Arrays.toString(out.shape()) + ", expected "
                    + Arrays.toString(gate.shape()) + " as gate");
        }
        up.requireMatrix("up", Type.F32, gate.rows(), gate.cols());
        out.requireMatrix("out", Type.F32, gate.rows(), gate.cols());
        long n = gate.elements();
        if (n > 0) {
            kernels.launch("swiglu", Dim3.of(GemmLauncher.gridStride(n)), Dim3.of(256), 0, gate.pointer(),
                    up.pointer(), out.pointer(), n);
        }
    }
}
