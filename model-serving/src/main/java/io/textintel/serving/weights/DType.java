package io.textintel.serving.weights;

import java.util.Locale;

/** A tensor element type, named as in the safetensors header ({@code "F32"}, {@code "BF16"}, ...). */
public enum DType {
    F32(4, true),
    F16(2, true),
    BF16(2, true),
    I64(8, false),
    I32(4, false),
    I8(1, false),
    U8(1, false),
    BOOL(1, false),
    F64(8, true);

    private final int byteSize;
    private final boolean floatingPoint;

    DType(int byteSize, boolean floatingPoint) {
        this.byteSize = byteSize;
        this.floatingPoint = floatingPoint;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /** Whether {@link WeightLoader#readFloats(String)} can convert this type to F32. */
    public boolean isFloatingPoint() {
        return floatingPoint;
    }

    /** The name used in safetensors headers, e.g. {@code "BF16"}. */
    public String safetensorsName() {
        return name();
    }

    /**
     * Parses a safetensors dtype name.
     *
     * @throws IllegalArgumentException naming the value and the supported names
     */
    public static DType fromSafetensorsName(String name) {
        if (name != null) {
            for (DType type : values()) {
                if (type.name().equals(name.toUpperCase(Locale.ROOT))) {
                    return type;
                }
            }
        }
        throw new IllegalArgumentException(
                "unsupported safetensors dtype " + name + ", expected one of " + java.util.Arrays.toString(values()));
    }
}
