package io.textintel.serving.model;

import java.util.Arrays;
import java.util.Objects;

/**
 * One sequence's share of a decoder forward pass: its new tokens at consecutive positions.
 *
 * @param sequenceId the sequence, as known to the {@link io.textintel.serving.kv.PagedKvCache}
 * @param tokens the new tokens of this pass at positions {@code startPosition ..}: a prompt or a
 *     piece of one (prefill), one token (decode), or the last token and the draft tokens (verification)
 * @param startPosition position of {@code tokens[0]}; positions before it are already in the cache
 * @param logitRows logits are wanted for the last {@code logitRows} tokens: 1 for prefill and
 *     decode, {@code 1 + drafts} for verification
 */
public record SequenceChunk(long sequenceId, int[] tokens, int startPosition, int logitRows) {

    public SequenceChunk {
        Objects.requireNonNull(tokens, "tokens");
        if (tokens.length == 0) {
            throw new IllegalArgumentException("chunk of sequence " + sequenceId + " has no tokens, expected at least one");
        }
        if (startPosition < 0) {
            throw new IllegalArgumentException("chunk of sequence " + sequenceId + " starts at position "
                    + startPosition + ", expected >= 0");
        }
        if (logitRows < 1 || logitRows > tokens.length) {
            throw new IllegalArgumentException("chunk of sequence " + sequenceId + " wants " + logitRows
                    + " logit rows for " + tokens.length + " tokens, expected 1 <= logitRows <= tokens");
        }
    }

    /** Number of new tokens. */
    public int length() {
        return tokens.length;
    }

    /** One past the position of the last token. */
    public int endPosition() {
        return startPosition + tokens.length;
    }

    @Override
    public String toString() {
        return "SequenceChunk[sequence " + sequenceId + ", " + tokens.length + " tokens at " + startPosition + ".."
                + (endPosition() - 1) + ", " + logitRows + " logit rows, tokens " + Arrays.toString(tokens) + "]";
    }
}
