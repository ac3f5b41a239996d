package io.textintel.serving.backend.cuda;

import java.util.Arrays;
import java.util.Objects;
import jcuda.Pointer;

/**
 * A row-major tensor in device memory: a device pointer, an element type and a shape. A view
 * only; whoever allocated the memory frees it.
 */
public final class DeviceTensor {

    /** Element types the kernels take. */
    public enum Type {
        F32(4),
        BF16(2),
        I32(4),
        /** {@code double}: the rotary kernel's inverse frequencies. */
        F64(8),
        /** {@code unsigned long long}: the sampling kernels' seeds and draw counters. */
        I64(8);

        private final int bytes;

        Type(int bytes) {
            this.bytes = bytes;
        }

        public int bytes() {
            return bytes;
        }
    }

    private final Pointer pointer;
    private final Type type;
    private final int[] shape;

    public DeviceTensor(Pointer pointer, Type type, int... shape) {
        this.pointer = Objects.requireNonNull(pointer, "pointer");
        this.type = Objects.requireNonNull(type, "type");
        if (shape.length == 0) {
            throw new IllegalArgumentException("device tensor shape must have at least one dimension, got []");
        }
        for (int dim : shape) {
            if (dim < 0) {
                throw new IllegalArgumentException("device tensor shape " + Arrays.toString(shape)
                        + " has a negative dimension, expected all >= 0");
            }
        }
        this.shape = shape.clone();
    }

    public Pointer pointer() {
        return pointer;
    }

    public Type type() {
        return type;
    }

    public int[] shape() {
        return shape.clone();
    }

    /** The last dimension. */
    public int cols() {
        return shape[shape.length - 1];
    }

    /** The product of all dimensions but the last. */
    public int rows() {
        int rows = 1;
        for (int i = 0; i < shape.length - 1; i++) {
            rows *= shape[i];
        }
        return rows;
    }

    public long elements() {
        long count = 1;
        for (int dim : shape) {
            count *= dim;
        }
        return count;
    }

    public long bytes() {
        return elements() * type.bytes();
    }

    /**
     * Checks that this tensor is {@code [rows, cols]} (as {@link #rows()} x {@link #cols()}) of {@code expected} type.
     *
     * @throws IllegalArgumentException naming the tensor, its shape and type, and what was expected
     */
    void requireMatrix(String name, Type expected, int expectedRows, int expectedCols) {
        if (type != expected || rows() != expectedRows || cols() != expectedCols) {
            throw new IllegalArgumentException("tensor " + name + " has shape " + Arrays.toString(shape) + " " + type
                    + ", expected [" + expectedRows + ", " + expectedCols + "] " + expected);
        }
    }

    /** Checks that this tensor holds {@code length} elements of {@code expected} type in one row. */
    void requireVector(String name, Type expected, int length) {
        if (type != expected || elements() != length || cols() != length) {
            throw new IllegalArgumentException("tensor " + name + " has shape " + Arrays.toString(shape) + " " + type
                    + ", expected [" + length + "] " + expected);
        }
    }

    @Override
    public String toString() {
        return "DeviceTensor" + Arrays.toString(shape) + " " + type;
    }
}
