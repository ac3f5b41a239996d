package io.textintel.serving.task;

import java.io.Serializable;
import java.util.Locale;

/**
 * How a {@link Summarizer} summarises: length, style, sampling and how deep map-reduce may go.
 *
 * @param maxSummaryTokens most tokens of a summary (and of each piece's summary)
 * @param style {@code one sentence}, {@code bullet points}, {@code paragraph}, or any other wording,
 *     which goes into the instruction as written
 * @param temperature 0 for greedy decoding (deterministic without a seed); above 0, sampled with {@code seed}
 * @param topP nucleus mass for sampled decoding, in (0, 1]; 1 turns it off
 * @param seed seed of sampled decoding; every piece draws from a stream of its own derived from it
 * @param maxLevels most rounds of summarising, the final summary's included: round 1 summarises the
 *     input's pieces, each further round the summaries of the round before; a last round with
 *     several pieces summarises only the first
 * @param maxInputTokens most tokens of a text that are summarised: a longer text is cut to its first
 *     {@code maxInputTokens} tokens (recorded in {@link Summary#summarizedTokens()}), so that the
 *     work per document, and with it the time, stays bounded however long the text
 */
public record SummaryOptions(int maxSummaryTokens, String style, float temperature, float topP, long seed,
        int maxLevels, int maxInputTokens) implements Serializable {

    private static final long serialVersionUID = 1L;

    /** The style used when none is configured. */
    public static final String DEFAULT_STYLE = "paragraph";

    /**
     * Default {@link #maxInputTokens()}: about 6,000 words, a few map-reduce pieces on a model with a
     * 2k to 4k context, which a CPU summarises well within the default 60 s inference timeout.
     */
    public static final int DEFAULT_MAX_INPUT_TOKENS = 8192;

    public SummaryOptions {
        if (maxSummaryTokens < 1) {
            throw new IllegalArgumentException("max-summary-tokens is " + maxSummaryTokens + ", expected >= 1");
        }
        if (style == null || style.isBlank()) {
            throw new IllegalArgumentException("summary style is blank, expected e.g. 'one sentence', "
                    + "'bullet points' or 'paragraph'");
        }
        if (!(temperature >= 0f) || Float.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature is " + temperature + ", expected a finite value >= 0");
        }
        if (!(topP > 0f && topP <= 1f)) {
            throw new IllegalArgumentException("top-p is " + topP + ", expected 0 < top-p <= 1");
        }
        if (maxLevels < 1) {
            throw new IllegalArgumentException("summary maxLevels is " + maxLevels + ", expected >= 1");
        }
        if (maxInputTokens < 1) {
            throw new IllegalArgumentException("max-summary-input-tokens is " + maxInputTokens + ", expected >= 1");
        }
    }

    /** Options with the default {@link #DEFAULT_MAX_INPUT_TOKENS} input cap. */
    public SummaryOptions(int maxSummaryTokens, String style, float temperature, float topP, long seed,
            int maxLevels) {
        this(maxSummaryTokens, style, temperature, topP, seed, maxLevels, DEFAULT_MAX_INPUT_TOKENS);
    }

    /** Greedy summaries of at most {@code maxSummaryTokens} tokens in a paragraph, up to 3 rounds. */
    public static SummaryOptions greedy(int maxSummaryTokens) {
        return new SummaryOptions(maxSummaryTokens, DEFAULT_STYLE, 0f, 1f, 0L, 3);
    }

    public SummaryOptions withStyle(String newStyle) {
        return new SummaryOptions(maxSummaryTokens, newStyle, temperature, topP, seed, maxLevels, maxInputTokens);
    }

    /** Sampled decoding with the given temperature, top-p and seed. */
    public SummaryOptions withSampling(float newTemperature, float newTopP, long newSeed) {
        return new SummaryOptions(maxSummaryTokens, style, newTemperature, newTopP, newSeed, maxLevels,
                maxInputTokens);
    }

    public SummaryOptions withMaxLevels(int levels) {
        return new SummaryOptions(maxSummaryTokens, style, temperature, topP, seed, levels, maxInputTokens);
    }

    /** Options that summarise at most the first {@code tokens} tokens of a text. */
    public SummaryOptions withMaxInputTokens(int tokens) {
        return new SummaryOptions(maxSummaryTokens, style, temperature, topP, seed, maxLevels, tokens);
    }

    /** The instruction that asks for a summary in this style and length. */
    String instruction() {
        String how = switch (style.strip().toLowerCase(Locale.ROOT)) {
            case "one sentence", "sentence" -> "Summarize the text below in one sentence.";
            case "bullet points", "bullets" -> "Summarize the text below as a few short bullet points.";
            case "paragraph", "free text" -> "Summarize the text below in a short paragraph.";
            default -> "Summarize the text below. Style: " + style.strip() + ".";
        };
        return how + " Use at most " + maxSummaryTokens + " tokens and reply with the summary only.";
    }
}
