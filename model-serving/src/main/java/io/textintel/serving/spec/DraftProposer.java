package io.textintel.serving.spec;

/** Proposes draft tokens for speculative decoding; called only by the scheduler thread. */
public interface DraftProposer {

    /** Up to {@code maxTokens} proposed continuations of {@code context}; may be fewer or none. */
    Proposal propose(long sequenceId, int[] context, int maxTokens);

    /** The sequence left the engine: drop whatever is kept for it. */
    void release(long sequenceId);
}
