package io.textintel.serving.kv;

/**
 * Shape of one position of a KV cache: {@code layers} layers of {@code kvHeads} heads of
 * {@code headDim} floats, for keys and again for values.
 */
public record KvLayout(int layers, int kvHeads, int headDim) {

    public KvLayout {
        if (layers < 1 || kvHeads < 1 || headDim < 1) {
            throw new IllegalArgumentException("KV layout is " + layers + " layers x " + kvHeads + " heads x "
                    + headDim + " dims, expected each >= 1");
        }
    }
}
