package io.textintel.serving.generate;

import io.textintel.serving.sampling.SequenceRandom;
import io.textintel.serving.spec.DraftLengthPolicy;
import io.textintel.serving.spec.Speculation;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;

/**
 * The mutable state of one sequence in the scheduler: its tokens so far (prompt, then generated),
 * how many of them are in the KV cache, its random stream and counters. Owned by the scheduler thread.
 */
final class GeneratingSequence extends ScheduledSequence {

    final GenerationRequest request;
    final SequenceRandom random;
    private int[] tokens; // [capacity]: prompt then generated tokens in tokens[0 .. size)
    private int size; // computed is always < size while running
    int draftProposed;
    int draftAccepted;
    int verifySteps;
    /** This sequence's draft-length policy, fed only its own verifications; null without speculation. */
    final DraftLengthPolicy draftPolicy;

    GeneratingSequence(long id, GenerationRequest request, DraftLengthPolicy draftPolicy) {
        super(id);
        this.request = request;
        this.draftPolicy = draftPolicy;
        this.random = new SequenceRandom(request.params().seed());
        this.tokens = Arrays.copyOf(request.promptIds(), request.promptIds().length + 16);
        this.size = request.promptIds().length;
    }

    @Override
    CompletableFuture<?> future() {
        return request.future();
    }

    @Override
    Speculation speculation() {
        return request.speculation();
    }

    int size() {
        return size;
    }

    @Override
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

    @Override
    public String toString() {
        return "sequence " + id + " (" + promptLength() + " prompt + " + generated() + " generated tokens, "
                + computed + " in the KV cache)";
    }
}
