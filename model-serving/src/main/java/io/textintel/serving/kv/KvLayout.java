package io.textintel.serving.kv;

/**
 * The shape of one position's keys (or values) in a {@link PagedKvCache}: per layer,
 * {@code [kvHeads, headDim]} floats.
 *
 * @param layers transformer layers
 * @param kvHeads key/value heads (fewer than query heads under grouped-query attention)
 * @param headDim size of each head
 */
public record KvLayout(int layers, int kvHeads, int headDim) {

    public KvLayout {
        if (layers <= 0 || kvHeads <= 0 || headDim <= 0) {
            throw new IllegalArgumentException("KvLayout is [layers " + layers + ", kvHeads " + kvHeads + ", headDim "
                    + headDim + "], expected all > 0");
        }
    }

    /** Floats one position takes in one layer's keys (or values). */
    public int positionStride() {
        return kvHeads * headDim;
    }
}
