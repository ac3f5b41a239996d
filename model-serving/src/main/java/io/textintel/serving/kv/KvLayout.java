package io.textintel.serving.kv;

/**
 * The shape of one position's keys (or values) in a KV cache: {@code [layers][kvHeads, headDim]}.
 *
 * @param layers transformer layers, each with its own key and value storage
 * @param kvHeads key/value heads per layer (fewer than query heads with grouped-query attention)
 * @param headDim elements per head
 */
public record KvLayout(int layers, int kvHeads, int headDim) {

    public KvLayout {
        if (layers < 1 || kvHeads < 1 || headDim < 1) {
            throw new IllegalArgumentException("KV layout is " + layers + " layers, " + kvHeads + " KV heads, head"
                    + " dimension " + headDim + ", expected all >= 1");
        }
    }

    /** Floats one position takes in one layer's key (or value) storage: {@code kvHeads * headDim}. */
    public int positionStride() {
        return kvHeads * headDim;
    }
}
