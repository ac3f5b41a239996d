package io.textintel.serving.model;

import io.textintel.serving.tensor.Tensor;
import java.util.Arrays;

/**
 * MPNet's relative position bias: a learned table of one value per (bucket, head), looked up by
 * the bucket of each query–key distance and added to the attention scores of every layer.
 *
 * <p>The buckets are T5's bidirectional scheme as {@code MPNetEncoder.relative_position_bucket}
 * computes it with its defaults (32 buckets, maximum distance 128): half the buckets for keys
 * after the query, half for keys before it; within each half, distances below 8 get a bucket of
 * their own and longer ones share logarithmically wider buckets, the last one holding every
 * distance from 128 on. {@code MPNetEncoder.compute_position_bias} is always called with 32
 * buckets, whatever {@code relative_attention_num_buckets} says, so only the table's first 32 rows
 * are read.
 */
final class RelativePositionBias {

    /** Buckets MPNet's encoder looks up ({@code compute_position_bias(num_buckets=32)}). */
    static final int BUCKETS = 32;

    private static final int MAX_DISTANCE = 128;
    private static final int HALF = BUCKETS / 2;
    private static final int MAX_EXACT = HALF / 2;
    // float32, as the bucket function's tensor arithmetic (the Python float divisor becomes float32)
    private static final float LOG_RANGE = (float) Math.log((double) MAX_DISTANCE / MAX_EXACT);

    private final float[] table; // [tableRows, heads]
    private final int heads;

    /**
     * @param table {@code [rows, heads]} with {@code rows >= 32}: the checkpoint's
     *     {@code encoder.relative_attention_bias.weight}
     * @throws IllegalArgumentException if the table has fewer than 32 rows
     */
    RelativePositionBias(Tensor table, int heads) {
        if (table.rank() != 2 || table.dim(1) != heads || table.dim(0) < BUCKETS) {
            throw new IllegalArgumentException("relative attention bias has shape " + Arrays.toString(table.shape())
                    + ", expected [buckets >= " + BUCKETS + ", " + heads + "]");
        }
        this.table = table.data();
        this.heads = heads;
    }

    /**
     * The bucket of a key at {@code relativePosition = keyPosition - queryPosition}: 0..15 for
     * keys at or before the query, 16..31 for keys after it.
     */
    static int bucket(int relativePosition) {
        int n = -relativePosition;
        int bucket = n < 0 ? HALF : 0;
        n = Math.abs(n);
        if (n < MAX_EXACT) {
            return bucket + n;
        }
        // float32 throughout, then truncation toward zero, as the tensor code computes it
        float logRatio = (float) Math.log((float) n / MAX_EXACT);
        float scaled = logRatio / LOG_RANGE * (HALF - MAX_EXACT);
        int large = MAX_EXACT + (int) scaled;
        return bucket + Math.min(large, HALF - 1);
    }

    /**
     * The bias of every (head, query, key) of a sequence of up to {@code length} tokens.
     *
     * @return {@code [heads, length, length]}: {@code table[bucket(j - i), h]} at {@code [h, i, j]}
     */
    Tensor forLength(int length) {
        float[] bias = new float[heads * length * length];
        // one bucket per distance, -(length - 1) .. length - 1
        int[] buckets = new int[2 * length - 1];
        for (int d = 0; d < buckets.length; d++) {
            buckets[d] = bucket(d - (length - 1));
        }
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < length; i++) {
                int row = (h * length + i) * length;
                for (int j = 0; j < length; j++) {
                    bias[row + j] = table[buckets[j - i + length - 1] * heads + h];
                }
            }
        }
        return Tensor.of(bias, heads, length, length);
    }
}
