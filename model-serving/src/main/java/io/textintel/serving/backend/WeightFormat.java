package io.textintel.serving.backend;

import java.util.Arrays;
import java.util.Locale;

/**
 * How a decoder keeps its linear layers' weights in memory: the {@code engine.weights} setting.
 * Decoding one token at a time reads every weight once per token, so it is bound by memory
 * bandwidth, and fewer bytes per weight is what makes it faster.
 *
 * <ul>
 *   <li>{@link #F32}: 4 bytes a weight, as read (bf16 and f16 checkpoints widened exactly).
 *   <li>{@link #BF16}: 2 bytes a weight. A bf16 checkpoint is kept as it is stored, without an
 *       F32 copy; an f32 one is rounded to nearest even at load.
 *   <li>{@link #INT8}: 1 byte a weight plus one f32 scale per output channel, made at load
 *       ({@link WeightMatrix#quantizeInt8}).
 * </ul>
 *
 * Only the linear layers change: embeddings, norms, biases and activations stay f32, and every
 * kernel accumulates in f32.
 */
public enum WeightFormat {
    F32("f32"),
    BF16("bf16"),
    INT8("int8");

    private final String configName;

    WeightFormat(String configName) {
        this.configName = configName;
    }

    /** The name in configuration, e.g. {@code bf16}. */
    public String configName() {
        return configName;
    }

    /**
     * Parses an {@code engine.weights} value, case-insensitively.
     *
     * @throws IllegalArgumentException naming the option, the value and the accepted ones
     */
    public static WeightFormat parse(String value) {
        if (value != null) {
            String wanted = value.trim().toLowerCase(Locale.ROOT);
            for (WeightFormat format : values()) {
                if (format.configName.equals(wanted)) {
                    return format;
                }
            }
        }
        throw new IllegalArgumentException("engine.weights is " + value + ", expected one of "
                + Arrays.stream(values()).map(WeightFormat::configName).toList());
    }
}
