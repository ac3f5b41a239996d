package io.textintel.operators.inference;

/** What a model task computes for a document. */
public enum TaskKind {
    /** A pooled, L2-normalised sentence embedding from an encoder. */
    EMBED,
    /** Topic tags from an encoder's sequence-classification head. */
    TAG;

    /** Parses a configuration value such as {@code embed} or {@code tag}. */
    public static TaskKind parse(String value) {
        for (TaskKind kind : values()) {
            if (kind.name().equalsIgnoreCase(value)) {
                return kind;
            }
        }
        throw new IllegalArgumentException(
                "task kind '" + value + "' is not known, expected one of: embed, tag");
    }
}
