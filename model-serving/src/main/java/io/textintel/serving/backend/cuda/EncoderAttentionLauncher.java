package io.textintel.serving.backend.cuda;

import io.textintel.serving.backend.cuda.DeviceTensor.Type;
import io.textintel.serving.backend.cuda.KernelLauncher.Dim3;
import java.util.Objects;

/** The launcher of the {@code encoder_attention} family: flash-style self-attention over packed sequences. */
final class EncoderAttentionLauncher {

    static final String FAMILY = "encoder_attention";
    /** The head dimensions the kernel's shared tiles and registers hold. */
    static final int MAX_HEAD_DIM = 128;
    private static final int QUERIES_PER_BLOCK = 16;
    private static final int MAX_GRID_YZ = 65_535;

    private final KernelLauncher kernels;

    EncoderAttentionLauncher(KernelLauncher kernels) {
        this.kernels = Objects.requireNonNull(kernels, "kernels");
    }

    /**
     * Self-attention of every sequence's rows among themselves; rows of {@code out} outside every
     * sequence are zeroed.
     *
     * @param qkv {@code [rows, 3 * hidden]} F32
     * @param starts {@code [sequences]} I32, the first row of each sequence
     * @param lengths {@code [sequences]} I32, each at least 1
     * @param maxLength the longest of {@code lengths} (they are on the device, so the caller says)
     * @param out {@code [rows, hidden]} F32
     */
    void attention(DeviceTensor qkv, DeviceTensor starts, DeviceTensor lengths, int maxLength, int heads,
            DeviceTensor out) {
        int rows = out.rows();
        int hidden = out.cols();
        int sequences = (int) starts.elements();
        if (heads < 1 || hidden % heads != 0) {
            throw new IllegalArgumentException(
                    "attention heads " + heads + " do not divide hidden size " + hidden + ", expected a divisor");
        }
        int headDim = hidden / heads;
        if (headDim > MAX_HEAD_DIM) {
            throw new IllegalArgumentException("attention head dimension " + headDim + " (hidden " + hidden + " / "
                    + heads + " heads), expected at most " + MAX_HEAD_DIM);
        }
        qkv.requireMatrix("qkv", Type.F32, rows, 3 * hidden);
        out.requireMatrix("out", Type.F32, rows, hidden);
        starts.requireVector("starts", Type.I32, sequences);
        lengths.requireVector("lengths", Type.I32, sequences);
        if (maxLength < 0 || maxLength > rows) {
            throw new IllegalArgumentException("longest sequence of " + maxLength + " rows, expected 0 to " + rows);
        }
        if (heads > MAX_GRID_YZ || sequences > MAX_GRID_YZ) {
            throw new IllegalArgumentException(heads + " heads and " + sequences + " sequences, expected each at most "
                    + MAX_GRID_YZ + " for one launch");
        }
        kernels.zero(out);
        if (sequences > 0 && maxLength > 0) {
            kernels.launch("encoder_attention",
                    new Dim3((maxLength + QUERIES_PER_BLOCK - 1) / QUERIES_PER_BLOCK, heads, sequences), Dim3.of(128),
                    0, qkv.pointer(), starts.pointer(), lengths.pointer(), out.pointer(), hidden, headDim,
                    (float) (1.0 / Math.sqrt(headDim)));
        }
    }
}
