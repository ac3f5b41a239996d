package io.textintel.serving.model;

import java.util.Objects;

/**
 * The new tokens of one sequence in one forward pass.
 *
 * @param sequenceId the sequence, as known to the KV cache
 * @param tokens new tokens at positions {@code startPosition ..}: a prompt or a piece of it
 *     (prefill), one token (decode), or one plus the draft tokens (verification)
 * @param startPosition position of {@code tokens[0]}
 * @param logitRows logits are wanted for the last {@code logitRows} tokens
 */
public record SequenceChunk(long sequenceId, int[] tokens, int startPosition, int logitRows) {

    public SequenceChunk {
        Objects.requireNonNull(tokens, "tokens");
        if (tokens.length == 0 || startPosition < 0 || logitRows < 0 || logitRows > tokens.length) {
            throw new IllegalArgumentException("chunk of sequence " + sequenceId + " has " + tokens.length
                    + " tokens at position " + startPosition + " with " + logitRows
                    + " logit rows, expected >= 1 tokens, position >= 0 and 0 <= logit rows <= tokens");
        }
    }
}
