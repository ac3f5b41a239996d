package io.textintel.serving.spec;

/**
 * Source of draft tokens for speculative decoding: cheap guesses of how a sequence continues,
 * which the target model then verifies in one forward pass.
 *
 * <p>Called by the engine's scheduling thread only.
 */
public interface DraftProposer {

    /** Where this proposer's draft tokens come from. */
    Speculation speculation();

    /**
     * Up to {@code maxTokens} proposed continuations of {@code context}; may be fewer or none.
     *
     * @param context every token of the sequence so far, prompt included
     */
    Proposal propose(long sequenceId, int[] context, int maxTokens);

    /** Forgets the sequence and frees what the proposer holds for it; unknown ids are ignored. */
    void release(long sequenceId);
}
