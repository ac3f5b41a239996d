package io.textintel.serving.spec;

import java.util.Locale;

/**
 * Where draft tokens come from, if anywhere: the configuration's choice for a decoder
 * ({@code speculation: none | prompt-lookup | draft-model}), a {@link DraftProposer}'s kind, and
 * what a generation request asks for (its engine's kind, or none for plain decoding).
 */
public enum Speculation {
    /** No speculative decoding: one token per forward pass. */
    NONE,
    /** n-grams of the prompt propose continuations: free, pays off where outputs copy phrases of the input. */
    PROMPT_LOOKUP,
    /** A smaller model of the same tokenizer proposes continuations. */
    DRAFT_MODEL;

    /** Parses a configuration value: {@code none}, {@code prompt-lookup} or {@code draft-model}. */
    public static Speculation parse(String value) {
        for (Speculation kind : values()) {
            if (kind.configName().equalsIgnoreCase(value)) {
                return kind;
            }
        }
        throw new IllegalArgumentException("speculation '" + value
                + "' is not known, expected one of: none, prompt-lookup, draft-model");
    }

    /** The value written in configuration files, e.g. {@code prompt-lookup}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
