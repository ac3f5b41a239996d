package io.textintel.benchmarks;

import io.textintel.serving.spec.DraftProposer;
import io.textintel.serving.spec.Proposal;
import io.textintel.serving.spec.Speculation;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A synthetic draft proposer for controlled acceptance rates: it knows the target's greedy
 * continuation of each prompt (from a plain run) and proposes each draft token right with
 * probability {@code α}, otherwise a wrong one. Costs a hash lookup and a few random draws per
 * call, so the measured speedup is the verifier's and the scheduler's, not a draft model's.
 */
final class OracleDraftProposer implements DraftProposer {

    private final Map<Integer, int[]> continuations = new HashMap<>(); // prompt hash -> greedy tokens
    private final int promptLength;
    private final int vocabSize;
    private final double alpha;
    private final SplittableRandom random;

    OracleDraftProposer(int promptLength, int vocabSize, double alpha, long seed) {
        this.promptLength = promptLength;
        this.vocabSize = vocabSize;
        this.alpha = alpha;
        this.random = new SplittableRandom(seed);
    }

    /** Records the target's greedy continuation of {@code prompt}. */
    void learn(int[] prompt, int[] continuation) {
        continuations.put(Arrays.hashCode(prompt), continuation.clone());
    }

    /** Stands in for a draft model of a given acceptance rate. */
    @Override
    public Speculation speculation() {
        return Speculation.DRAFT_MODEL;
    }

    @Override
    public Proposal propose(long sequenceId, int[] context, int maxTokens) {
        int[] continuation = continuations.get(Arrays.hashCode(Arrays.copyOf(context, promptLength)));
        if (continuation == null) {
            throw new IllegalStateException("no greedy continuation recorded for sequence " + sequenceId
                    + ", expected learn() for every prompt first");
        }
        int generated = context.length - promptLength;
        int count = Math.max(0, Math.min(maxTokens, continuation.length - generated));
        int[] drafts = new int[count];
        for (int i = 0; i < count; i++) {
            int right = continuation[generated + i];
            drafts[i] = random.nextDouble() < alpha ? right : (right + 1) % vocabSize;
        }
        return Proposal.deterministic(drafts);
    }

    @Override
    public void release(long sequenceId) {}
}
