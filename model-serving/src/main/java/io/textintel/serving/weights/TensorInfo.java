package io.textintel.serving.weights;

import java.util.Arrays;
import java.util.Objects;

/**
 * The name, element type and shape of one tensor in a checkpoint.
 *
 * @param name the checkpoint's tensor name, e.g. {@code encoder.layer.0.attention.self.query.weight}
 * @param dtype the stored element type
 * @param shape the dimensions, outermost first (row-major); empty for a scalar
 */
public record TensorInfo(String name, DType dtype, long[] shape) {

    public TensorInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(shape, "shape");
        shape = shape.clone();
        for (long dim : shape) {
            if (dim < 0) {
                throw new IllegalArgumentException(
                        "tensor " + name + " has shape " + Arrays.toString(shape) + ", expected non-negative dimensions");
            }
        }
    }

    /** The dimensions; a copy, so callers may keep it. */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Dimension {@code index} of the shape. */
    public long dim(int index) {
        return shape[index];
    }

    /** Number of dimensions. */
    public int rank() {
        return shape.length;
    }

    /** Product of the dimensions (1 for a scalar). */
    public long elementCount() {
        long count = 1;
        for (long dim : shape) {
            count = Math.multiplyExact(count, dim);
        }
        return count;
    }

    /** Stored size in bytes. */
    public long byteSize() {
        return Math.multiplyExact(elementCount(), dtype.byteSize());
    }

    /** Whether the shape equals {@code expected}. */
    public boolean hasShape(long... expected) {
        return Arrays.equals(shape, expected);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof TensorInfo that
                && name.equals(that.name)
                && dtype == that.dtype
                && Arrays.equals(shape, that.shape);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dtype, Arrays.hashCode(shape));
    }

    @Override
    public String toString() {
        return name + " " + dtype + Arrays.toString(shape);
    }
}
