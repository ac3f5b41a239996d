package io.textintel.operators.inference;

import java.util.List;

/**
 * What a model task computes for a document, and so which {@link TaskType} tokenizes and runs it.
 *
 * <p>A new kind is one constant here, one {@link TaskType} (with its {@link TaskOptions}, if it has
 * settings of its own), and its configuration.
 */
public enum TaskKind {
    /** A pooled, L2-normalised sentence embedding from an encoder. */
    EMBED("embed", null, new EmbedTask(), null),
    /** Topic tags from an encoder's sequence-classification head. */
    TAG("tag", "classifier", new ClassifierTagTask(), null),
    /** Topic tags by the similarity of the text's embedding to each label's descriptions. */
    ZERO_SHOT_TAG("tag", "zero-shot", new ZeroShotTagTask(), ZeroShotSettings.class),
    /** Topic tags from a logistic-regression head fitted at start-up on labelled example texts. */
    FEW_SHOT_TAG("tag", "few-shot", new FewShotTagTask(), FewShotSettings.class),
    /** Topic tags chosen by an instruction-tuned decoder among configured labels (zero-shot). */
    GENERATIVE_TAG("tag", "generative", new GenerativeTagTask(), GenerativeSettings.class),
    /** A summary written by an instruction-tuned decoder. */
    SUMMARIZE("summarize", "generative", new GenerativeSummaryTask(), GenerativeSettings.class),
    /** A summary made of the text's most central sentences, chosen by their embeddings. */
    EXTRACTIVE_SUMMARY("summarize", "extractive", new ExtractiveSummaryTask(), ExtractiveSettings.class);

    private static final List<String> TAG_MODES = List.of("classifier", "generative", "zero-shot", "few-shot");
    private static final List<String> SUMMARY_MODES = List.of("generative", "extractive");

    private final String configKind;
    private final String configMode;
    private final TaskType type;
    private final Class<? extends TaskOptions> optionsType;

    TaskKind(String configKind, String configMode, TaskType type, Class<? extends TaskOptions> optionsType) {
        this.configKind = configKind;
        this.configMode = configMode;
        this.type = type;
        this.optionsType = optionsType;
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
        return optionsType;
    }
}
