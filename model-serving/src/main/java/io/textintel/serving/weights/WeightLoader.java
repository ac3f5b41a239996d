package io.textintel.serving.weights;

import java.util.Set;

/**
 * A read-only view of the tensors of one checkpoint, addressed by their Hugging Face names.
 *
 * <p>Implementations may memory-map files; arrays returned by {@link #readFloats(String)} are
 * fresh copies the caller owns. Close the loader when all tensors have been read.
 */
public interface WeightLoader extends AutoCloseable {

    /** All tensor names, in a stable order. */
    Set<String> tensorNames();

    /** Whether a tensor of that name exists. */
    boolean contains(String name);

    /**
     * The dtype and shape of a tensor.
     *
     * @throws IllegalArgumentException naming the tensor if it is absent
     */
    TensorInfo info(String name);

    /**
     * The tensor's elements converted to F32, in row-major order.
     *
     * @throws IllegalArgumentException if the tensor is absent, is not a floating-point type, or has
     *     more than {@link Integer#MAX_VALUE} - 8 elements
     */
    float[] readFloats(String name);

    /**
     * The tensor's elements as bfloat16 bits ({@link BFloat16}), in row-major order. A {@code BF16}
     * tensor's stored bits are returned as they are, with no F32 copy on the way; any other
     * floating-point dtype is read as F32 and rounded to nearest even.
     *
     * @throws IllegalArgumentException as {@link #readFloats(String)}
     */
    default short[] readBFloat16(String name) {
        float[] values = readFloats(name);
        short[] bits = new short[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = BFloat16.fromFloat(values[i]);
        }
        return bits;
    }

    /** Releases the mapped files; tensors must not be read afterwards. */
    @Override
    void close();
}
