package io.textintel.operators.drift;

/** A numeric property of one document that the drift monitor compares with the reference. */
public enum ScalarFeature {
    /** Length of the text in characters. */
    TEXT_CHARS("text_chars"),
    /** Tokens of the text under the first task's tokenizer, before truncation. */
    TOKENS("tokens"),
    /** Share of those tokens that the tokenizer mapped to its unknown token. */
    UNKNOWN_TOKEN_RATE("unknown_token_rate"),
    /** Score of the best topic tag. */
    CONFIDENCE("confidence"),
    /** Tokens of the generated summary. */
    SUMMARY_TOKENS("summary_tokens"),
    /** Accepted over proposed draft tokens while generating the summary. */
    SUMMARY_ACCEPTANCE("summary_acceptance");

    private final String key;

    ScalarFeature(String key) {
        this.key = key;
    }

    /** The name used in reports, e.g. {@code text_chars}. */
    public String key() {
        return key;
    }
}
