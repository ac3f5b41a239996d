package io.textintel.serving.backend.cpu;

import io.textintel.serving.backend.PagedAttentionBatch;

/**
 * The CPU's rotary position embedding of one token's heads, the "rotate half" layout (dimension
 * {@code i} pairs with {@code i + headDim/2}): angles and cos/sin in double, the rotation in float.
 * {@code RotaryEmbedding#rotate} and both CPU {@code DecoderOps} run this one loop, so the decoder's
 * rotations are bit for bit those it always computed.
 */
public final class RotaryKernel {

    private RotaryKernel() {}

    /**
     * Rotates {@code heads} heads of one token in place.
     *
     * @param x {@code [.., heads * headDim]}: the token's row starts at {@code offset}
     * @param inverseFrequencies {@code [headDim / 2]}
     * @param attentionFactor the factor cos and sin are multiplied by (YaRN's; else 1)
     */
    public static void rotate(float[] x, int offset, int heads, int headDim, int position, double[] inverseFrequencies,
            double attentionFactor) {
        int half = headDim / 2;
        for (int i = 0; i < half; i++) {
            double angle = position * inverseFrequencies[i];
            float cos = (float) (Math.cos(angle) * attentionFactor);
            float sin = (float) (Math.sin(angle) * attentionFactor);
            for (int h = 0; h < heads; h++) {
                int a = offset + h * headDim + i;
                int b = a + half;
                float x1 = x[a];
                float x2 = x[b];
                x[a] = x1 * cos - x2 * sin;
                x[b] = x2 * cos + x1 * sin;
            }
        }
    }

    /**
     * Checks the arrays of a pass's rotation: {@code q [tokens, heads * headDim]},
     * {@code k [tokens, kvHeads * headDim]}, every chunk's frequencies {@code [headDim / 2]}.
     *
     * @throws IllegalArgumentException naming the array or value that does not fit
     */
    public static void checkPass(PagedAttentionBatch batch, float[] q, int heads,
            float[] k, int kvHeads, int headDim, double attentionFactor) {
        int tokens = batch.tokenCount();
        if (headDim <= 0 || headDim % 2 != 0 || heads < 1 || kvHeads < 1) {
            throw new IllegalArgumentException("rotary over " + heads + " query heads and " + kvHeads
                    + " key heads of dimension " + headDim + ", expected heads >= 1 and an even dimension > 0");
        }
        if (!(attentionFactor > 0) || Double.isInfinite(attentionFactor)) {
            throw new IllegalArgumentException("rotary attention factor is " + attentionFactor
                    + ", expected a finite value > 0");
        }
        if (q.length < (long) tokens * heads * headDim || k.length < (long) tokens * kvHeads * headDim) {
            throw new IllegalArgumentException("rotary q has " + q.length + " and k " + k.length + " values, expected"
                    + " at least [" + tokens + ", " + heads * headDim + "] and [" + tokens + ", " + kvHeads * headDim
                    + "]");
        }
        for (int c = 0; c < batch.chunkCount(); c++) {
            if (batch.inverseFrequencies(c).length != headDim / 2) {
                throw new IllegalArgumentException("chunk " + c + " has " + batch.inverseFrequencies(c).length
                        + " rotary inverse frequencies, expected headDim / 2 = " + headDim / 2);
            }
        }
    }

    /** Rotates token {@code t}'s query and key rows of {@code batch}'s pass, each with its chunk's frequencies. */
    static void rotateToken(PagedAttentionBatch batch, int t, float[] q, int heads, float[] k, int kvHeads,
            int headDim, double attentionFactor) {
        double[] frequencies = batch.inverseFrequencies(batch.chunkOfToken(t));
        rotate(q, t * heads * headDim, heads, headDim, batch.position(t), frequencies, attentionFactor);
        rotate(k, t * kvHeads * headDim, kvHeads, headDim, batch.position(t), frequencies, attentionFactor);
    }
}
