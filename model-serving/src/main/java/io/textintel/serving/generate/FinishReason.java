package io.textintel.serving.generate;

/** Why a generation ended. */
public enum FinishReason {
    /** A stop token was generated (it is the last token of the result). */
    STOP,
    /** {@code maxNewTokens} tokens were generated. */
    MAX_TOKENS,
    /** Prompt and generated tokens reached the model's maximum sequence length. */
    MAX_LENGTH
}
