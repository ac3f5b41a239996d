package io.textintel.serving.generate;

import io.textintel.serving.spec.DraftProposer;
import io.textintel.serving.spec.Proposal;
import io.textintel.serving.spec.Speculation;
import java.util.Arrays;

/**
 * A test proposer that proposes the fake model's greedy continuation, each draft token right with
 * probability {@code rightProbability} and otherwise a wrong one, where the coin is a hash of the
 * context and the draft index: its proposals are a function of the sequence's own tokens only,
 * as a reproducible sampled run needs (prompt lookup is such a proposer).
 */
final class OracleProposer implements DraftProposer {

    private final HashingCausalLm model;
    private final double rightProbability;
    int calls;

    OracleProposer(HashingCausalLm model, double rightProbability) {
        this.model = model;
        this.rightProbability = rightProbability;
    }

    /** Proposals are a function of the sequence's own tokens, as prompt lookup's are. */
    @Override
    public Speculation speculation() {
        return Speculation.PROMPT_LOOKUP;
    }

    @Override
    public Proposal propose(long sequenceId, int[] context, int maxTokens) {
        calls++;
        int[] drafts = new int[maxTokens];
        int[] extended = Arrays.copyOf(context, context.length + maxTokens);
        for (int i = 0; i < maxTokens; i++) {
            int right = model.greedyNext(Arrays.copyOf(extended, context.length + i));
            boolean isRight = coin(extended, context.length + i) < rightProbability;
            drafts[i] = isRight ? right : (right + 1) % model.vocabSize();
            extended[context.length + i] = drafts[i];
        }
        return Proposal.deterministic(drafts);
    }

    /** A uniform in [0, 1) from the first {@code length} tokens. */
    private static double coin(int[] tokens, int length) {
        long z = 0x9E3779B97F4A7C15L * (length + 1);
        for (int i = 0; i < length; i++) {
            z = (z ^ tokens[i]) * 0xBF58476D1CE4E5B9L;
            z ^= z >>> 31;
        }
        return (z >>> 11) / (double) (1L << 53);
    }

    @Override
    public void release(long sequenceId) {}
}
