package io.textintel.serving.tensor;

import java.util.Arrays;
import java.util.Objects;

/**
 * A dense, row-major float tensor on the Java heap: a shape and the array that holds its elements.
 *
 * <p>Tensors carry no behaviour beyond indexing; the operations live in a
 * {@link io.textintel.serving.backend.Backend}. The backing array may be longer than the shape
 * needs, so a buffer sized for the largest batch can be viewed with a smaller leading dimension
 * through {@link #withRows(int)} without copying.
 */
public final class Tensor {

    private final float[] data;
    private final int[] shape;
    private final int size;

    private Tensor(float[] data, int[] shape) {
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(shape, "shape");
        if (shape.length == 0) {
            throw new IllegalArgumentException("tensor shape must have at least one dimension, got []");
        }
        long count = 1;
        for (int dim : shape) {
            if (dim < 0) {
                throw new IllegalArgumentException(
                        "tensor shape " + Arrays.toString(shape) + " has a negative dimension, expected all >= 0");
            }
            count *= dim;
        }
        if (count > data.length) {
            throw new IllegalArgumentException("tensor shape " + Arrays.toString(shape) + " needs " + count
                    + " elements, but the array holds " + data.length);
        }
        this.data = data;
        this.shape = shape.clone();
        this.size = (int) count;
    }

    /** A zero-filled tensor of the given shape. */
    public static Tensor zeros(int... shape) {
        long count = 1;
        for (int dim : shape) {
            count *= Math.max(dim, 0);
        }
        if (count > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(
                    "tensor shape " + Arrays.toString(shape) + " has " + count + " elements, expected at most "
                            + (Integer.MAX_VALUE - 8));
        }
        return new Tensor(new float[(int) count], shape);
    }

    /** A tensor over {@code data} (not copied) with the given shape. */
    public static Tensor of(float[] data, int... shape) {
        return new Tensor(data, shape);
    }

    /** The backing array; elements past {@link #size()} are not part of this tensor. */
    public float[] data() {
        return data;
    }

    /** The dimensions, outermost first; a copy. */
    public int[] shape() {
        return shape.clone();
    }

    /** Number of dimensions. */
    public int rank() {
        return shape.length;
    }

    /** Dimension {@code index}. */
    public int dim(int index) {
        return shape[index];
    }

    /** Number of elements the shape covers. */
    public int size() {
        return size;
    }

    /** The last dimension: the length of one row. */
    public int cols() {
        return shape[shape.length - 1];
    }

    /** The product of all dimensions but the last: the number of rows. */
    public int rows() {
        int rows = 1;
        for (int i = 0; i < shape.length - 1; i++) {
            rows *= shape[i];
        }
        return rows;
    }

    /** Element {@code [row, col]} of the tensor seen as {@code [rows(), cols()]}. */
    public float get(int row, int col) {
        return data[row * cols() + col];
    }

    /** Row {@code row} copied into a new array. */
    public float[] row(int row) {
        int cols = cols();
        return Arrays.copyOfRange(data, row * cols, row * cols + cols);
    }

    /**
     * This tensor's storage seen as {@code [rows, cols()]}; {@code rows} may be smaller than
     * {@link #rows()} or larger up to what the backing array holds.
     */
    public Tensor withRows(int rows) {
        return new Tensor(data, new int[] {rows, cols()});
    }

    /** Whether the shape equals {@code expected}. */
    public boolean hasShape(int... expected) {
        return Arrays.equals(shape, expected);
    }

    /** A copy of the covered elements. */
    public float[] toArray() {
        return Arrays.copyOf(data, size);
    }

    @Override
    public String toString() {
        return "Tensor" + Arrays.toString(shape);
    }
}
