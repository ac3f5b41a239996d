package io.textintel.serving.backend.cuda;

import io.textintel.serving.backend.cuda.DeviceTensor.Type;
import io.textintel.serving.backend.cuda.KernelLauncher.Dim3;
import java.util.Objects;

/** The launcher of the {@code embedding} family: rows of a table gathered by id. */
final class EmbeddingLauncher {

    static final String FAMILY = "embedding";

    private final KernelLauncher kernels;

    EmbeddingLauncher(KernelLauncher kernels) {
        this.kernels = Objects.requireNonNull(kernels, "kernels");
    }

    /**
     * {@code out[i] = table[ids[i]]}, or {@code +=} with {@code accumulate}. The ids live on the
     * device, where they cannot be checked: the caller checks them against the table first.
     *
     * @param table {@code [vocabulary, cols]} F32
     * @param ids {@code [n]} I32, each in {@code [0, vocabulary)}
     * @param out {@code [n, cols]} F32
     */
    void gather(DeviceTensor table, DeviceTensor ids, boolean accumulate, DeviceTensor out) {
        int n = (int) ids.elements();
        table.requireMatrix("table", Type.F32, table.rows(), table.cols());
        ids.requireVector("ids", Type.I32, n);
        out.requireMatrix("out", Type.F32, n, table.cols());
        if (n > 0 && table.cols() > 0) {
            kernels.launch("gather_rows", Dim3.of(n), Dim3.of(256), 0, table.pointer(), ids.pointer(), out.pointer(),
                    table.cols(), accumulate ? 1 : 0);
        }
    }
}
