package io.textintel.operators.inference;

import java.util.List;

/**
 * What a model task computes for a document, and so which {@link TaskType} tokenizes and runs it.
 *
 * <p>A new kind is one constant here, one {@link TaskType}, and its configuration.
 */
public enum TaskKind {
    /** A pooled, L2-normalised sentence embedding from an encoder. */
    EMBED("embed", null, new EmbedTask()),
    /** Topic tags from an encoder's sequence-classification head. */
    TAG("tag", "classifier", new ClassifierTagTask()),
    /** Topic tags by the similarity of the text's embedding to each label's descriptions. */
    ZERO_SHOT_TAG("tag", "zero-shot", new ZeroShotTagTask()),
    /** Topic tags from a logistic-regression head fitted at start-up on labelled example texts. */
    FEW_SHOT_TAG("tag", "few-shot", new FewShotTagTask()),
    /** Topic tags chosen by an instruction-tuned decoder among configured labels (zero-shot). */
    GENERATIVE_TAG("tag", "generative", new GenerativeTagTask()),
    /** A summary written by an instruction-tuned decoder. */
    SUMMARIZE("summarize", "generative", new GenerativeSummaryTask()),
    /** A summary made of the text's most central sentences, chosen by their embeddings. */
    EXTRACTIVE_SUMMARY("summarize", "extractive", new ExtractiveSummaryTask());

    private static final List<String> TAG_MODES = List.of("classifier", "generative", "zero-shot", "few-shot");
    private static final List<String> SUMMARY_MODES = List.of("generative", "extractive");

    private final String configKind;
    private final String configMode;
    private final TaskType type;

    TaskKind(String configKind, String configMode, TaskType type) {
        this.configKind = configKind;
        this.configMode = configMode;
        this.type = type;
    }

    /**
     * Parses a configuration's {@code kind} and {@code mode}: {@code embed}; {@code tag} with mode
     * {@code classifier} (the default), {@code generative}, {@code zero-shot} or {@code few-shot};
     * {@code summarize} with mode {@code generative} (the default) or {@code extractive}.
     */
    public static TaskKind parse(String kind, String mode) {
        if ("tag".equalsIgnoreCase(kind)) {
            return byMode("tag", mode == null ? "classifier" : mode, TAG_MODES);
        }
        if ("summarize".equalsIgnoreCase(kind)) {
            return byMode("summarize", mode == null ? "generative" : mode, SUMMARY_MODES);
        }
        if ("embed".equalsIgnoreCase(kind)) {
            if (mode != null) {
                throw new IllegalArgumentException("mode '" + mode + "' is set for task kind '" + kind
                        + "', expected a mode only for kinds tag and summarize");
            }
            return EMBED;
        }
        throw new IllegalArgumentException("task kind '" + kind + "' is not known, expected one of: embed, tag, summarize");
    }

    private static TaskKind byMode(String kind, String mode, List<String> modes) {
        for (TaskKind candidate : values()) {
            if (candidate.configKind.equals(kind) && candidate.configMode.equalsIgnoreCase(mode)) {
                return candidate;
            }
        }
        throw new IllegalArgumentException(kind + " mode '" + mode + "' is not known, expected "
                + String.join(", ", modes.subList(0, modes.size() - 1)) + " or " + modes.get(modes.size() - 1));
    }

    /** Parses a configuration value such as {@code embed}, {@code tag} (a classifier) or {@code summarize}. */
    public static TaskKind parse(String value) {
        return parse(value, null);
    }

    /** Whether an instruction-tuned decoder runs the task (rather than an encoder). */
    public boolean isGenerative() {
        return this == GENERATIVE_TAG || this == SUMMARIZE;
    }

    /** Whether the task writes topic tags, and so has {@code top-k} and {@code min-score}. */
    public boolean isTagging() {
        return "tag".equals(configKind);
    }

    /** How tasks of this kind tokenize and run. */
    TaskType type() {
        return type;
    }

    /** The options a task of this kind carries, or null when it needs none beyond {@link ModelTask}'s. */
    Class<? extends TaskOptions> optionsType() {
        return switch (this) {
            case EMBED, TAG -> null;
            case ZERO_SHOT_TAG -> ZeroShotSettings.class;
            case FEW_SHOT_TAG -> FewShotSettings.class;
            case GENERATIVE_TAG, SUMMARIZE -> GenerativeSettings.class;
            case EXTRACTIVE_SUMMARY -> ExtractiveSettings.class;
        };
    }
}
