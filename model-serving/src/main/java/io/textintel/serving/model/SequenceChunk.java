package io.textintel.serving.model;

/**
 * The new tokens of one sequence in one forward pass.
 *
 * @param sequenceId the sequence, as known to the KV cache
 * @param tokens the new tokens, at positions {@code startPosition ..}: a prompt or a piece of it
 *     (prefill), one token (decode), or the last token and the draft tokens (verification)
 * @param startPosition position of {@code tokens[0]} in the sequence
 * @param logitRows logits are wanted for the last {@code logitRows} tokens
 */
public record SequenceChunk(long sequenceId, int[] tokens, int startPosition, int logitRows) {

    public SequenceChunk {
        if (tokens == null || tokens.length == 0) {
            throw new IllegalArgumentException("sequence " + sequenceId + ": tokens are empty, expected at least one");
        }
        if (startPosition < 0) {
            throw new IllegalArgumentException("sequence " + sequenceId + ": startPosition " + startPosition
                    + ", expected >= 0");
        }
        if (logitRows < 0 || logitRows > tokens.length) {
            throw new IllegalArgumentException("sequence " + sequenceId + ": logitRows " + logitRows + ", expected 0.."
                    + tokens.length + " (the chunk's token count)");
        }
    }
}
