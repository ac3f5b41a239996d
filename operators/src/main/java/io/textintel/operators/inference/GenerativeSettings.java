package io.textintel.operators.inference;

import io.textintel.serving.spec.Speculation;
import io.textintel.serving.task.SummaryOptions;
import io.textintel.serving.task.TaggingOptions;

import java.util.List;

/**
 * The settings of a task an instruction-tuned decoder runs ({@link TaskKind#SUMMARIZE},
 * {@link TaskKind#GENERATIVE_TAG}). Validated by {@link ModelTask}.
 *
 * @param maxSummaryTokens most tokens of a summary
 * @param style summary style: {@code one sentence}, {@code bullet points}, {@code paragraph} or free wording
 * @param temperature 0 for greedy decoding; above 0 sampled with {@code seed}
 * @param topP nucleus mass of sampled decoding, in (0, 1]
 * @param seed seed of sampled decoding
 * @param speculation {@code none}, {@code prompt-lookup} or {@code draft-model}
 * @param draftModel the draft's model id or directory for {@code draft-model}, else null
 * @param labels generative tagging's label set; empty for summaries
 * @param multiLabel whether generative tagging may name several labels
 * @param maxSummaryInputTokens most tokens of a text a summary reads; the rest is left out and the summary says so
 */
public record GenerativeSettings(int maxSummaryTokens, String style, float temperature, float topP, long seed,
        String speculation, String draftModel, List<String> labels, boolean multiLabel, int maxSummaryInputTokens)
        implements TaskOptions {

    /** Settings with the default summary input cap, {@link SummaryOptions#DEFAULT_MAX_INPUT_TOKENS}. */
    public GenerativeSettings(int maxSummaryTokens, String style, float temperature, float topP, long seed,
            String speculation, String draftModel, List<String> labels, boolean multiLabel) {
        this(maxSummaryTokens, style, temperature, topP, seed, speculation, draftModel, labels, multiLabel,
                SummaryOptions.DEFAULT_MAX_INPUT_TOKENS);
    }

    public GenerativeSettings {
        labels = labels == null ? List.of() : List.copyOf(labels);
        style = style == null ? SummaryOptions.DEFAULT_STYLE : style;
        speculation = speculation == null ? Speculation.NONE.configName() : speculation;
    }

    /** Greedy summaries of at most {@code maxSummaryTokens} tokens in paragraph style, no speculation. */
    public static GenerativeSettings summary(int maxSummaryTokens) {
        return new GenerativeSettings(maxSummaryTokens, null, 0f, 1f, 0L, null, null, List.of(), false);
    }

    /** Greedy tagging over {@code labels}, no speculation. */
    public static GenerativeSettings tagging(List<String> labels, boolean multiLabel) {
        return new GenerativeSettings(64, null, 0f, 1f, 0L, null, null, labels, multiLabel);
    }

    public GenerativeSettings withSpeculation(String kind, String draft) {
        return new GenerativeSettings(maxSummaryTokens, style, temperature, topP, seed, kind, draft, labels, multiLabel,
                maxSummaryInputTokens);
    }

    public Speculation speculationKind() {
        return Speculation.parse(speculation);
    }

    /** The summarizer's options; throws IllegalArgumentException naming the bad setting. */
    public SummaryOptions summaryOptions() {
        return new SummaryOptions(maxSummaryTokens, style, temperature, topP, seed, 3, maxSummaryInputTokens);
    }

    /** The tagger's options; throws IllegalArgumentException naming the bad setting. */
    public TaggingOptions taggingOptions() {
        return new TaggingOptions(labels, multiLabel, temperature, topP, seed);
    }
}
