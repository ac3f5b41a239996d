package io.textintel.operators.inference;

/** What a model task computes for a document. */
public enum TaskKind {
    /** A pooled, L2-normalised sentence embedding from an encoder. */
    EMBED,
    /** Topic tags from an encoder's sequence-classification head. */
    TAG,
    /** Topic tags chosen by an instruction-tuned decoder among configured labels (zero-shot). */
    GENERATIVE_TAG,
    /** A summary written by an instruction-tuned decoder. */
    SUMMARIZE;

    /**
     * Parses a configuration's {@code kind} and {@code mode}: {@code embed}, {@code summarize},
     * {@code tag} (mode {@code classifier}, the default) or {@code tag} with mode {@code generative}.
     */
    public static TaskKind parse(String kind, String mode) {
        String tagMode = mode == null ? "classifier" : mode;
        if ("tag".equalsIgnoreCase(kind)) {
            if ("classifier".equalsIgnoreCase(tagMode)) {
                return TAG;
            }
            if ("generative".equalsIgnoreCase(tagMode)) {
                return GENERATIVE_TAG;
            }
            throw new IllegalArgumentException("tag mode '" + mode + "' is not known, expected classifier or generative");
        }
        if (mode != null) {
            throw new IllegalArgumentException("mode '" + mode + "' is set for task kind '" + kind
                    + "', expected a mode only for kind tag");
        }
        if ("embed".equalsIgnoreCase(kind)) {
            return EMBED;
        }
        if ("summarize".equalsIgnoreCase(kind)) {
            return SUMMARIZE;
        }
        throw new IllegalArgumentException("task kind '" + kind + "' is not known, expected one of: embed, tag, summarize");
    }

    /** Parses a configuration value such as {@code embed} or {@code tag} (a classifier). */
    public static TaskKind parse(String value) {
        return parse(value, null);
    }

    /** Whether an instruction-tuned decoder runs the task (rather than an encoder). */
    public boolean isGenerative() {
        return this == GENERATIVE_TAG || this == SUMMARIZE;
    }
}
