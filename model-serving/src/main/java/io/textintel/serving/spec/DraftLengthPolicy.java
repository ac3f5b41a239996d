package io.textintel.serving.spec;

/**
 * The draft-length policy of one speculating sequence: how many draft tokens (γ) each of its decode
 * steps asks for, and what happens to them when a step's token budget or the KV cache is short.
 * One instance per sequence, asked by the scheduler once per decode step; not thread-safe.
 *
 * <p>With a fixed γ (no {@link SpeculationOptions}) every decode step asks for
 * {@code maxDraftTokens} drafts. With adaptive speculation the sequence has its own
 * {@link AdaptiveDraftLength}, fed only its own verifications ({@link #record}): γ follows its
 * smoothed acceptance rate, at most {@code maxDraftTokens}, and drops to 0 under the acceptance
 * floor (with one-token probes every {@code probeInterval} of its steps). Greedy sequences also
 * stand down while the step's batch (running sequences plus those about to join) is above
 * {@code maxBatchSize}, where verifying extra positions is no longer nearly free. The caller then
 * caps γ by what the sequence may still generate; {@link #withinBudget} fits it to the step.
 *
 * <p>Reproducibility. Greedy output never depends on γ: it is token for token plain greedy output,
 * whatever the batch, cache or policy did. Sampled output does depend on γ (each examined draft
 * consumes a uniform from the request's stream), so for a sampled sequence γ is a function of its
 * own history only: its tokens, its verifications and the fixed config; never of other requests,
 * the batch size, the budget left in a step or the cache. Such a sequence is therefore exempt from
 * the batch-size rule; when its drafts do not fit the step's budget it waits for the next step
 * instead of shortening them ({@link #withinBudget} says -1); when the cache is short it preempts
 * (or is preempted) instead of dropping them ({@link #mayDropDrafts} is false); after a preemption
 * it recomputes all but its last token, which it then decodes as an ordinary step. The adaptive
 * choice is made once per sequence length ({@link #choose}): a step planned twice (a retry with a
 * smaller budget, a join that did not fit, a decode after recomputing) gets the same answer and
 * advances the probe counter once. Given the same model, proposer (deterministic in the sequence's
 * own context and seed), prompt, parameters and config, a sampled request then gives the same
 * tokens alone or in any mix of traffic. What is not promised: the same tokens as plain sampling
 * with the same seed (the distribution is the same, the draws are not), nor across different
 * {@link SpeculationOptions} or {@code maxDraftTokens}.
 */
public final class DraftLengthPolicy {

    /** Why the policy gave a decode step no drafts. */
    public enum StandDown {
        /** It did not: drafts were asked for (or speculation is off for the request). */
        NONE,
        /** More sequences in the step than {@link SpeculationOptions#maxBatchSize}. */
        BATCH_SIZE,
        /** The sequence's acceptance rate is under the floor or too low to pay for drafts. */
        ACCEPTANCE
    }

    /**
     * The policy's answer for one decode step.
     *
     * @param draftLength draft tokens to ask for before the sequence's own limits and the step's budget
     * @param standDown why {@code draftLength} is 0, {@link StandDown#NONE} when the policy did not stand down
     */
    public record Choice(int draftLength, StandDown standDown) {}

    private final int maxDraftTokens;
    private final SpeculationOptions options; // null: fixed γ
    private final AdaptiveDraftLength adaptive; // null: fixed γ
    private final boolean sampled;
    private int decidedAtSize = -1;
    private int decidedDraftLength;

    /**
     * @param maxDraftTokens most draft tokens per step (the fixed γ, or the cap on the adaptive one), at least 0
     * @param options the adaptive policy's options; null for a fixed γ
     * @param sampled whether the request samples (its tokens depend on γ) rather than decoding greedily
     */
    public DraftLengthPolicy(int maxDraftTokens, SpeculationOptions options, boolean sampled) {
        if (maxDraftTokens < 0) {
            throw new IllegalArgumentException("maxDraftTokens is " + maxDraftTokens + ", expected >= 0");
        }
        this.maxDraftTokens = maxDraftTokens;
        this.options = options;
        this.adaptive = options == null ? null : new AdaptiveDraftLength(options, maxDraftTokens);
        this.sampled = sampled;
    }

    /**
     * The draft length for the decode step of a sequence of {@code size} tokens, in a step of
     * {@code batchSize} sequences (which only a greedy, adaptive sequence looks at).
     */
    public Choice choose(int size, int batchSize) {
        if (adaptive == null) {
            return new Choice(maxDraftTokens, StandDown.NONE);
        }
        int own = adaptiveDraftLength(size); // asked even when the batch rule applies: one probe count per step
        if (!sampled && batchSize > options.maxBatchSize()) {
            return new Choice(0, StandDown.BATCH_SIZE);
        }
        if (own == 0) {
            return new Choice(0, StandDown.ACCEPTANCE);
        }
        return new Choice(Math.min(maxDraftTokens, own), StandDown.NONE); // a probe's 1 too stays under a cap of 0
    }

    /**
     * The drafts to ask for when the step has {@code budget} tokens left (at least 1) for this
     * sequence's last token and its drafts: {@code draftLength} when they fit; otherwise
     * {@code budget - 1} for a greedy sequence, and -1 for a sampled one, which waits for a step
     * with room instead.
     */
    public int withinBudget(int draftLength, int budget) {
        if (budget < 1) {
            throw new IllegalArgumentException("budget is " + budget + ", expected >= 1");
        }
        if (draftLength <= budget - 1) {
            return draftLength;
        }
        return sampled ? -1 : budget - 1;
    }

    /**
     * Whether the drafts may be dropped when the KV cache cannot hold them: for a greedy sequence;
     * a sampled one keeps them and preempts (or is preempted) instead.
     */
    public boolean mayDropDrafts() {
        return !sampled;
    }

    /** Records one of this sequence's verifications: {@code accepted} of {@code proposed} drafts kept. */
    public void record(int proposed, int accepted) {
        if (adaptive != null) {
            adaptive.record(proposed, accepted);
        }
    }

    /** The adaptive draft length at this size, asked of {@link AdaptiveDraftLength} once per size. */
    private int adaptiveDraftLength(int size) {
        if (decidedAtSize != size) {
            decidedDraftLength = adaptive.draftLength(1); // 1: the batch-size rule is choose()'s, for greedy only
            decidedAtSize = size;
        }
        return decidedDraftLength;
    }
}
