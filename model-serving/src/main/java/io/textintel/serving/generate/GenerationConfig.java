package io.textintel.serving.generate;

import io.textintel.serving.spec.SpeculationOptions;
import java.io.Serializable;

/**
 * What the operator of a generation engine chooses: batching limits, KV cache size and speculation.
 * Validated at construction; build one with {@link #builder()}.
 *
 * @param maxRunningSequences most sequences holding KV blocks and taking part in steps at once
 * @param maxBatchTokens most new tokens (prefill pieces, decode tokens, draft tokens) in one forward pass
 * @param kvBlockSize positions per KV cache block
 * @param kvBlocks blocks in the KV cache; {@code kvBlocks * kvBlockSize} must hold one sequence of
 *     the model's maximum length, so the oldest running sequence can always finish
 * @param maxDraftTokens most draft tokens (γ) asked of the proposer per sequence and step
 * @param adaptiveSpeculation how each sequence's γ adapts to its acceptance rate and when
 *     speculation stands down (see {@link io.textintel.serving.spec.DraftLengthPolicy}); γ is then
 *     also at most {@code maxDraftTokens}. Null: every step of a speculating sequence asks for
 *     {@code maxDraftTokens} drafts.
 * @param maxQueuedRequests most requests waiting beyond the {@code maxRunningSequences} that can
 *     run: a request that finds {@code maxRunningSequences + maxQueuedRequests} unfinished fails
 *     with {@code EngineException.Kind.OVERLOADED}, as an encoder engine's does past its queue
 */
public record GenerationConfig(int maxRunningSequences, int maxBatchTokens, int kvBlockSize, int kvBlocks,
        int maxDraftTokens, SpeculationOptions adaptiveSpeculation, int maxQueuedRequests) implements Serializable {

    private static final long serialVersionUID = 2L;

    /** The default of {@link #maxQueuedRequests}, as the encoder engine's. */
    public static final int DEFAULT_MAX_QUEUED_REQUESTS = 4096;

    /** A configuration with a fixed draft length and the default queue bound. */
    public GenerationConfig(int maxRunningSequences, int maxBatchTokens, int kvBlockSize, int kvBlocks,
            int maxDraftTokens) {
        this(maxRunningSequences, maxBatchTokens, kvBlockSize, kvBlocks, maxDraftTokens, null);
    }

    /** A configuration with the default queue bound. */
    public GenerationConfig(int maxRunningSequences, int maxBatchTokens, int kvBlockSize, int kvBlocks,
            int maxDraftTokens, SpeculationOptions adaptiveSpeculation) {
        this(maxRunningSequences, maxBatchTokens, kvBlockSize, kvBlocks, maxDraftTokens, adaptiveSpeculation,
                DEFAULT_MAX_QUEUED_REQUESTS);
    }

    public GenerationConfig {
        requireAtLeast("maxRunningSequences", maxRunningSequences, 1);
        requireAtLeast("maxBatchTokens", maxBatchTokens, 1);
        requireAtLeast("kvBlockSize", kvBlockSize, 1);
        requireAtLeast("kvBlocks", kvBlocks, 1);
        requireAtLeast("maxDraftTokens", maxDraftTokens, 0);
        requireAtLeast("maxQueuedRequests", maxQueuedRequests, 1);
    }

    /**
     * 64 running sequences, 2048 tokens per step, 4096 blocks of 16 positions, 4 draft tokens, fixed γ,
     * {@value #DEFAULT_MAX_QUEUED_REQUESTS} requests queued.
     */
    public static Builder builder() {
        return new Builder();
    }

    /** Positions the KV cache holds in all. */
    public long kvPositions() {
        return (long) kvBlocks * kvBlockSize;
    }

    private static void requireAtLeast(String name, int value, int minimum) {
        if (value < minimum) {
            throw new IllegalArgumentException("generation " + name + " is " + value + ", expected >= " + minimum);
        }
    }

    /** Builds a {@link GenerationConfig}; {@link #build()} checks every value. */
    public static final class Builder {
        private int maxRunningSequences = 64;
        private int maxBatchTokens = 2048;
        private int kvBlockSize = 16;
        private int kvBlocks = 4096;
        private int maxDraftTokens = 4;
        private SpeculationOptions adaptiveSpeculation;
        private int maxQueuedRequests = DEFAULT_MAX_QUEUED_REQUESTS;

        private Builder() {}

        public Builder maxRunningSequences(int maxRunningSequences) {
            this.maxRunningSequences = maxRunningSequences;
            return this;
        }

        public Builder maxBatchTokens(int maxBatchTokens) {
            this.maxBatchTokens = maxBatchTokens;
            return this;
        }

        public Builder kvBlockSize(int kvBlockSize) {
            this.kvBlockSize = kvBlockSize;
            return this;
        }

        public Builder kvBlocks(int kvBlocks) {
            this.kvBlocks = kvBlocks;
            return this;
        }

        public Builder maxDraftTokens(int maxDraftTokens) {
            this.maxDraftTokens = maxDraftTokens;
            return this;
        }

        /** Adaptive draft length and stand-down policy; null (the default) for a fixed γ. */
        public Builder adaptiveSpeculation(SpeculationOptions options) {
            this.adaptiveSpeculation = options;
            return this;
        }

        public Builder maxQueuedRequests(int maxQueuedRequests) {
            this.maxQueuedRequests = maxQueuedRequests;
            return this;
        }

        public GenerationConfig build() {
            return new GenerationConfig(maxRunningSequences, maxBatchTokens, kvBlockSize, kvBlocks, maxDraftTokens,
                    adaptiveSpeculation, maxQueuedRequests);
        }
    }
}
