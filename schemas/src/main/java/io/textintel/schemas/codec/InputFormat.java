package io.textintel.schemas.codec;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The encoding of the values on a raw input topic, chosen per pipeline. */
public enum InputFormat {
    /** A UTF-8 JSON object, read by {@link TextRecordJsonCodec}. */
    JSON,
    /** A {@code TextRecord} in Avro single-object encoding, read by {@link AvroSingleObjectCodec}. */
    AVRO,
    /** One UTF-8 line of plain text, read by {@link PlainTextCodec}. */
    TEXT;

    /**
     * Returns the format with the given name, ignoring case and surrounding whitespace.
     *
     * @throws IllegalArgumentException if the name is null or names no format
     */
    public static InputFormat parse(String name) {
        if (name != null) {
            String wanted = name.trim().toUpperCase(Locale.ROOT);
            for (InputFormat format : values()) {
                if (format.name().equals(wanted)) {
                    return format;
                }
            }
        }
        String known =
                Arrays.stream(values())
                        .map(f -> f.name().toLowerCase(Locale.ROOT))
                        .collect(Collectors.joining(", "));
        throw new IllegalArgumentException(
                String.format(
                        "input format %s is not known, expected one of %s",
                        name == null ? "null" : "'" + name + "'", known));
    }

    /** The lower-case name used in configuration files and on the command line. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
