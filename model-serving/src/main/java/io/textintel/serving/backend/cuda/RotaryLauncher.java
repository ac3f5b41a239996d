package io.textintel.serving.backend.cuda;

import io.textintel.serving.backend.cuda.DeviceTensor.Type;
import io.textintel.serving.backend.cuda.KernelLauncher.Dim3;
import java.util.Objects;

/**
 * The launcher of the {@code rotary} family: rotary position embeddings applied in place to a
 * forward pass's query and key rows, as {@code RotaryEmbedding#rotate} does per token.
 */
final class RotaryLauncher {

    static final String FAMILY = "rotary";
    /** The kernel's shared cos / sin tables hold {@code headDim / 2} entries of at most this many. */
    static final int MAX_HEAD_DIM = 2 * 256;
    private static final int THREADS = 128;

    private final KernelLauncher kernels;

    RotaryLauncher(KernelLauncher kernels) {
        this.kernels = Objects.requireNonNull(kernels, "kernels");
    }

    /**
     * Rotates every token's query and key heads in place.
     *
     * @param q {@code [tokens, heads * headDim]} F32
     * @param k {@code [tokens, kvHeads * headDim]} F32
     * @param positions {@code [tokens]} I32, each token's position in its sequence
     * @param chunkOfToken {@code [tokens]} I32, the row of {@code inverseFrequencies} each token uses
     * @param inverseFrequencies {@code [chunks, headDim / 2]} F64, {@code RotaryEmbedding#inverseFrequencies}
     *     of each chunk
     * @param attentionFactor {@code RotaryEmbedding#attentionFactor} (YaRN's; else 1)
     */
    void rotate(DeviceTensor q, DeviceTensor k, DeviceTensor positions, DeviceTensor chunkOfToken,
            DeviceTensor inverseFrequencies, int heads, int kvHeads, double attentionFactor) {
        int tokens = q.rows();
        int half = inverseFrequencies.cols();
        int headDim = 2 * half;
        if (heads < 1 || kvHeads < 1) {
            throw new IllegalArgumentException("rotary over " + heads + " query heads and " + kvHeads
                    + " key heads, expected both >= 1");
        }
        if (half < 1 || headDim > MAX_HEAD_DIM) {
            throw new IllegalArgumentException("tensor inverseFrequencies has " + half + " columns (head dimension "
                    + headDim + "), expected 1 to " + MAX_HEAD_DIM / 2);
        }
        if (!(attentionFactor > 0) || Double.isInfinite(attentionFactor)) {
            throw new IllegalArgumentException("rotary attention factor is " + attentionFactor
                    + ", expected a finite value > 0");
        }
        q.requireMatrix("q", Type.F32, tokens, heads * headDim);
        k.requireMatrix("k", Type.F32, tokens, kvHeads * headDim);
        positions.requireVector("positions", Type.I32, tokens);
        chunkOfToken.requireVector("chunkOfToken", Type.I32, tokens);
        inverseFrequencies.requireMatrix("inverseFrequencies", Type.F64, inverseFrequencies.rows(), half);
        if (tokens > 0) {
            kernels.launch("rotary_embedding", Dim3.of(tokens), Dim3.of(THREADS), 0, q.pointer(), k.pointer(),
                    positions.pointer(), chunkOfToken.pointer(), inverseFrequencies.pointer(), tokens, heads, kvHeads,
                    headDim, attentionFactor);
        }
    }
}
