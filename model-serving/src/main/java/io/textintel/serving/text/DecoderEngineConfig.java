package io.textintel.serving.text;

import io.textintel.serving.generate.GenerationConfig;
import io.textintel.serving.spec.SpeculationOptions;
import java.io.Serializable;

/**
 * What the operator of a {@link DecoderEngine} chooses: CPU threads, the generation engine's
 * batching and KV cache, and speculative decoding. Serializable so that a Flink operator can carry
 * it; validated at construction. Build one with {@link #builder()}.
 *
 * @param threads CPU threads of the forward pass (target and draft model each)
 * @param maxRunningSequences most sequences generating at once
 * @param maxBatchTokens most new tokens in one forward pass
 * @param kvBlockSize positions per KV cache block
 * @param kvBlocks blocks in the KV cache; with {@code kvBlockSize}, at least the model's maximum length
 * @param speculation where draft tokens come from
 * @param draftModelDir the draft checkpoint's directory for {@link SpeculationKind#DRAFT_MODEL}, else null
 * @param maxDraftTokens most draft tokens (γ) per sequence and step, at least 1 when speculating
 */
public record DecoderEngineConfig(int threads, int maxRunningSequences, int maxBatchTokens, int kvBlockSize,
        int kvBlocks, SpeculationKind speculation, String draftModelDir, int maxDraftTokens) implements Serializable {

    private static final long serialVersionUID = 1L;

    public DecoderEngineConfig {
        requireAtLeast("threads", threads, 1);
        requireAtLeast("maxRunningSequences", maxRunningSequences, 1);
        requireAtLeast("maxBatchTokens", maxBatchTokens, 1);
        requireAtLeast("kvBlockSize", kvBlockSize, 1);
        requireAtLeast("kvBlocks", kvBlocks, 1);
        if (speculation == null) {
            throw new IllegalArgumentException("decoder speculation is null, expected none, prompt-lookup or draft-model");
        }
        boolean hasDraft = draftModelDir != null && !draftModelDir.isBlank();
        if (speculation == SpeculationKind.DRAFT_MODEL && !hasDraft) {
            throw new IllegalArgumentException("decoder speculation is draft-model but no draft model directory is"
                    + " set, expected the directory of a smaller checkpoint with the same tokenizer");
        }
        if (speculation != SpeculationKind.DRAFT_MODEL && hasDraft) {
            throw new IllegalArgumentException("decoder draft model " + draftModelDir + " is set but speculation is "
                    + speculation.configName() + ", expected speculation draft-model (or no draft model)");
        }
        requireAtLeast("maxDraftTokens", maxDraftTokens, speculation == SpeculationKind.NONE ? 0 : 1);
    }

    /** 4 threads, 16 running sequences, 1024 tokens per step, 4096 blocks of 16 positions, no speculation, γ = 4. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The generation engine's settings.
     *
     * @param adaptiveSpeculation how γ adapts and when speculation stands down; null for a fixed γ
     */
    public GenerationConfig generationConfig(SpeculationOptions adaptiveSpeculation) {
        return new GenerationConfig(maxRunningSequences, maxBatchTokens, kvBlockSize, kvBlocks, maxDraftTokens,
                adaptiveSpeculation);
    }

    private static void requireAtLeast(String name, int value, int minimum) {
        if (value < minimum) {
            throw new IllegalArgumentException("decoder " + name + " is " + value + ", expected >= " + minimum);
        }
    }

    /** Builds a {@link DecoderEngineConfig}; {@link #build()} checks every value. */
    public static final class Builder {
        private int threads = 4;
        private int maxRunningSequences = 16;
        private int maxBatchTokens = 1024;
        private int kvBlockSize = 16;
        private int kvBlocks = 4096;
        private SpeculationKind speculation = SpeculationKind.NONE;
        private String draftModelDir;
        private int maxDraftTokens = 4;

        private Builder() {}

        public Builder threads(int threads) {
            this.threads = threads;
            return this;
        }

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

        /** Speculation without a draft model: {@link SpeculationKind#NONE} or {@link SpeculationKind#PROMPT_LOOKUP}. */
        public Builder speculation(SpeculationKind speculation) {
            this.speculation = speculation;
            return this;
        }

        /** Speculation with the draft checkpoint in {@code draftModelDir}. */
        public Builder draftModel(String draftModelDir) {
            this.speculation = SpeculationKind.DRAFT_MODEL;
            this.draftModelDir = draftModelDir;
            return this;
        }

        public Builder maxDraftTokens(int maxDraftTokens) {
            this.maxDraftTokens = maxDraftTokens;
            return this;
        }

        public DecoderEngineConfig build() {
            return new DecoderEngineConfig(threads, maxRunningSequences, maxBatchTokens, kvBlockSize, kvBlocks,
                    speculation, draftModelDir, maxDraftTokens);
        }
    }
}
