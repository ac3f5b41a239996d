package io.textintel.serving.generate;

import io.textintel.serving.sampling.SequenceRandom;
import io.textintel.serving.spec.AdaptiveDraftLength;
import java.util.Arrays;

/**
 * The mutable state of one sequence in the scheduler: its tokens so far (prompt, then generated),
 * how many of them are in the KV cache, its random stream and counters. Owned by the scheduler thread.
 */
final class GeneratingSequence {

    final long id;
    final GenerationRequest request;
    final SequenceRandom random;
    private int[] tokens; // [capacity]: prompt then generated tokens in tokens[0 .. size)
    private int size;
    /** Positions whose keys and values are in the KV cache: always {@code < size} while running. */
    int computed;
    int draftProposed;
    int draftAccepted;
    int verifySteps;
    /** This sequence's draft-length policy, fed only its own verifications; null for a fixed γ or no speculation. */
    final AdaptiveDraftLength adaptive;
    private int decidedAtSize = -1;
    private int decidedDraftLength;

    GeneratingSequence(long id, GenerationRequest request, AdaptiveDraftLength adaptive) {
        this.id = id;
        this.request = request;
        this.adaptive = adaptive;
        this.random = new SequenceRandom(request.params().seed());
        this.tokens = Arrays.copyOf(request.promptIds(), request.promptIds().length + 16);
        this.size = request.promptIds().length;
    }

    int size() {
        return size;
    }

    int promptLength() {
        return request.promptIds().length;
    }

    int generated() {
        return size - promptLength();
    }

    /** Tokens not yet in the KV cache: the rest of the prompt, or the last sampled token. */
    int pending() {
        return size - computed;
    }

    int[] tokens(int from, int to) {
        return Arrays.copyOfRange(tokens, from, to);
    }

    int lastToken() {
        return tokens[size - 1];
    }

    void append(int token) {
        if (size == tokens.length) {
            tokens = Arrays.copyOf(tokens, tokens.length * 2);
        }
        tokens[size++] = token;
    }

    int[] generatedTokens() {
        return Arrays.copyOfRange(tokens, promptLength(), size);
    }

    /**
     * The adaptive policy's draft length for the decode step at the current size, asked once per
     * size: a step planned twice (a retry with a smaller budget, a join that did not fit) gets the
     * same answer and advances the policy's probe counter once, so γ depends only on this
     * sequence's own tokens and verifications.
     */
    int adaptiveDraftLength() {
        if (decidedAtSize != size) {
            decidedDraftLength = adaptive.draftLength(1); // the batch-size rule is the scheduler's
            decidedAtSize = size;
        }
        return decidedDraftLength;
    }

    boolean abandoned() {
        return request.future().isDone();
    }

    @Override
    public String toString() {
        return "sequence " + id + " (" + promptLength() + " prompt + " + generated() + " generated tokens, "
                + computed + " in the KV cache)";
    }
}
