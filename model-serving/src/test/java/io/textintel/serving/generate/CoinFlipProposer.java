package io.textintel.serving.generate;

import io.textintel.serving.spec.DraftProposer;
import io.textintel.serving.spec.Proposal;
import io.textintel.serving.spec.Speculation;
import java.util.Arrays;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A test proposer that knows the fake model's greedy continuation and proposes each draft token
 * right with a given probability, otherwise a wrong one; drafts continue from the drafts before
 * them, as a real draft model's would. Called only by the scheduler thread.
 */
final class CoinFlipProposer implements DraftProposer {

    private final HashingCausalLm model;
    private final double rightProbability;
    private final Random random;
    final Set<Long> proposedFor = ConcurrentHashMap.newKeySet();
    final Set<Long> released = ConcurrentHashMap.newKeySet();

    CoinFlipProposer(HashingCausalLm model, double rightProbability, long seed) {
        this.model = model;
        this.rightProbability = rightProbability;
        this.random = new Random(seed);
    }

    /** Drafts continue from the drafts before them, as a draft model's do. */
    @Override
    public Speculation speculation() {
        return Speculation.DRAFT_MODEL;
    }

    @Override
    public Proposal propose(long sequenceId, int[] context, int maxTokens) {
        proposedFor.add(sequenceId);
        int count = random.nextInt(maxTokens + 1);
        int[] drafts = new int[count];
        int[] extended = Arrays.copyOf(context, context.length + count);
        for (int i = 0; i < count; i++) {
            int right = model.greedyNext(Arrays.copyOf(extended, context.length + i));
            drafts[i] = random.nextDouble() < rightProbability ? right
                    : (right + 1 + random.nextInt(model.vocabSize() - 1)) % model.vocabSize();
            extended[context.length + i] = drafts[i];
        }
        return new Proposal(drafts, null);
    }

    @Override
    public void release(long sequenceId) {
        released.add(sequenceId);
    }
}
