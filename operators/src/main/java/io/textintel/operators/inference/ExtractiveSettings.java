package io.textintel.operators.inference;

/**
 * The settings of a {@link TaskKind#EXTRACTIVE_SUMMARY} task.
 *
 * <p>The summary is the text's most central sentences, chosen one at a time by maximal marginal
 * relevance: each next sentence maximises {@code mmrLambda × cos(sentence, centroid) − (1 − mmrLambda)
 * × max cos(sentence, chosen)}, where the centroid is the mean of all sentence embeddings. The chosen
 * sentences are written in the text's order.
 *
 * @param maxSentences most sentences in a summary
 * @param maxCharacters most characters in a summary, 0 for no limit; a sentence that would pass it is
 *     skipped, and if even the first one chosen is longer, it is cut at a word boundary and ends in …
 * @param minSentences texts with fewer sentences get no summary (they are their own summary); at
 *     least 2, by default one more than {@code maxSentences}
 * @param minTextLength texts with fewer characters get no summary either, however many sentences
 *     they have; 0 for none
 * @param maxInputSentences sentences of a text considered, from its start; the rest is not read
 *     (and the input is marked truncated)
 * @param mmrLambda weight of centrality against redundancy, in [0, 1]; 1 ignores redundancy
 */
public record ExtractiveSettings(int maxSentences, int maxCharacters, int minSentences, int minTextLength,
        int maxInputSentences, float mmrLambda) implements TaskOptions {

    public static final int DEFAULT_MAX_SENTENCES = 3;
    public static final int DEFAULT_MAX_INPUT_SENTENCES = 64;
    public static final float DEFAULT_MMR_LAMBDA = 0.7f;
    /** About two lines of text: shorter messages read at a glance and need no summary. */
    public static final int DEFAULT_MIN_TEXT_LENGTH = 200;

    public ExtractiveSettings {
        if (maxSentences < 1) {
            throw new IllegalArgumentException("max-sentences is " + maxSentences + ", expected 1 or more");
        }
        if (maxCharacters < 0) {
            throw new IllegalArgumentException("max-characters is " + maxCharacters
                    + ", expected 0 (no limit) or more");
        }
        if (minSentences < 2) {
            throw new IllegalArgumentException("min-sentences is " + minSentences
                    + ", expected 2 or more (a one-sentence text is its own summary)");
        }
        if (minTextLength < 0) {
            throw new IllegalArgumentException("min-text-length is " + minTextLength + ", expected 0 or more");
        }
        if (maxInputSentences < minSentences) {
            throw new IllegalArgumentException("max-input-sentences is " + maxInputSentences
                    + ", expected at least min-sentences (" + minSentences + ")");
        }
        if (!(mmrLambda >= 0f && mmrLambda <= 1f)) {
            throw new IllegalArgumentException("mmr-lambda is " + mmrLambda + ", expected a number in [0, 1]");
        }
    }

    /** At most {@code maxSentences} sentences, for texts of more; the other settings at their defaults. */
    public static ExtractiveSettings of(int maxSentences) {
        return new ExtractiveSettings(maxSentences, 0, Math.max(2, maxSentences + 1), DEFAULT_MIN_TEXT_LENGTH,
                Math.max(DEFAULT_MAX_INPUT_SENTENCES, maxSentences + 1), DEFAULT_MMR_LAMBDA);
    }

    /** These settings with texts of fewer than {@code length} characters left without a summary. */
    public ExtractiveSettings withMinTextLength(int length) {
        return new ExtractiveSettings(maxSentences, maxCharacters, minSentences, length, maxInputSentences, mmrLambda);
    }
}
