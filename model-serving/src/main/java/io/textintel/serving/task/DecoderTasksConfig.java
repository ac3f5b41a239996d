package io.textintel.serving.task;

import io.textintel.serving.backend.WeightFormat;
import io.textintel.serving.config.BackendChoice;
import io.textintel.serving.generate.GenerationConfig;
import io.textintel.serving.spec.Speculation;
import io.textintel.serving.spec.SpeculationOptions;
import java.io.Serializable;

/**
 * What the operator of a {@link DecoderTasks} chooses: the backend, CPU threads, the generation
 * engine's batching and KV cache, and speculative decoding. Serializable so that a Flink operator
 * can carry it; validated at construction. Build one with {@link #builder()}.
 *
 * @param backend which backend's decoder ops run the model (target and draft), chosen by
 *     {@link io.textintel.serving.engine.BackendFactory#createDecoderOps}
 * @param gpuIndex the GPU of the {@code cuda} backend, as {@code EngineConfig.gpuIndex}: {@code >= 0},
 *     or -1 for the first visible one
 * @param threads CPU threads of the forward pass (target and draft model each)
 * @param generation the generation engine's batching, KV cache and most draft tokens per step; its
 *     adaptive speculation policy is chosen by the engine from the kind of proposer
 * @param speculation where draft tokens come from
 * @param draftModelDir the draft checkpoint's directory for {@link Speculation#DRAFT_MODEL}, else null
 * @param weights the format of the linear layers' weights in memory (target and draft model),
 *     {@code engine.weights}
 */
public record DecoderTasksConfig(BackendChoice backend, int gpuIndex, int threads, GenerationConfig generation,
        Speculation speculation, String draftModelDir, WeightFormat weights) implements Serializable {

    private static final long serialVersionUID = 5L;

    public DecoderTasksConfig {
        if (backend == null) {
            throw new IllegalArgumentException(
                    "decoder backend is null, expected one of auto, cuda, cpu, cpu-reference");
        }
        requireAtLeast("gpuIndex", gpuIndex, -1);
        requireAtLeast("threads", threads, 1);
        if (generation == null) {
            throw new IllegalArgumentException("decoder generation settings are null, expected a GenerationConfig");
        }
        if (speculation == null) {
            throw new IllegalArgumentException("decoder speculation is null, expected none, prompt-lookup or draft-model");
        }
        boolean hasDraft = draftModelDir != null && !draftModelDir.isBlank();
        if (speculation == Speculation.DRAFT_MODEL && !hasDraft) {
            throw new IllegalArgumentException("decoder speculation is draft-model but no draft model directory is"
                    + " set, expected the directory of a smaller checkpoint with the same tokenizer");
        }
        if (speculation != Speculation.DRAFT_MODEL && hasDraft) {
            throw new IllegalArgumentException("decoder draft model " + draftModelDir + " is set but speculation is "
                    + speculation.configName() + ", expected speculation draft-model (or no draft model)");
        }
        requireAtLeast("maxDraftTokens", generation.maxDraftTokens(), speculation == Speculation.NONE ? 0 : 1);
        if (weights == null) {
            throw new IllegalArgumentException("decoder weights format is null, expected one of f32, bf16, int8");
        }
    }

    /**
     * Backend auto, the first GPU, 4 threads, 16 running sequences, 1024 tokens per step, 4096 blocks
     * of 16 positions, no speculation, γ = 4, 4096 requests queued, f32 weights.
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The generation engine's settings with an adaptive speculation policy.
     *
     * @param adaptiveSpeculation how γ adapts and when speculation stands down; null for a fixed γ
     */
    public GenerationConfig generationConfig(SpeculationOptions adaptiveSpeculation) {
        return new GenerationConfig(generation.maxRunningSequences(), generation.maxBatchTokens(),
                generation.kvBlockSize(), generation.kvBlocks(), generation.maxDraftTokens(), adaptiveSpeculation,
                generation.maxQueuedRequests());
    }

    private static void requireAtLeast(String name, int value, int minimum) {
        if (value < minimum) {
            throw new IllegalArgumentException("decoder " + name + " is " + value + ", expected >= " + minimum);
        }
    }

    /** Builds a {@link DecoderTasksConfig}; {@link #build()} checks every value. */
    public static final class Builder {
        private BackendChoice backend = BackendChoice.AUTO;
        private int gpuIndex = -1;
        private int threads = 4;
        private final GenerationConfig.Builder generation =
                GenerationConfig.builder().maxRunningSequences(16).maxBatchTokens(1024);
        private Speculation speculation = Speculation.NONE;
        private String draftModelDir;
        private WeightFormat weights = WeightFormat.F32;

        private Builder() {}

        /** The format of the linear layers' weights in memory; f32 unless set. */
        public Builder weights(WeightFormat weights) {
            this.weights = weights;
            return this;
        }

        public Builder backend(BackendChoice backend) {
            this.backend = backend;
            return this;
        }

        public Builder gpuIndex(int gpuIndex) {
            this.gpuIndex = gpuIndex;
            return this;
        }

        public Builder threads(int threads) {
            this.threads = threads;
            return this;
        }

        public Builder maxRunningSequences(int maxRunningSequences) {
            generation.maxRunningSequences(maxRunningSequences);
            return this;
        }

        public Builder maxBatchTokens(int maxBatchTokens) {
            generation.maxBatchTokens(maxBatchTokens);
            return this;
        }

        public Builder maxQueuedRequests(int maxQueuedRequests) {
            generation.maxQueuedRequests(maxQueuedRequests);
            return this;
        }

        public Builder kvBlockSize(int kvBlockSize) {
            generation.kvBlockSize(kvBlockSize);
            return this;
        }

        public Builder kvBlocks(int kvBlocks) {
            generation.kvBlocks(kvBlocks);
            return this;
        }

        /** Speculation without a draft model: {@link Speculation#NONE} or {@link Speculation#PROMPT_LOOKUP}. */
        public Builder speculation(Speculation speculation) {
            this.speculation = speculation;
            return this;
        }

        /** Speculation with the draft checkpoint in {@code draftModelDir}. */
        public Builder draftModel(String draftModelDir) {
            this.speculation = Speculation.DRAFT_MODEL;
            this.draftModelDir = draftModelDir;
            return this;
        }

        public Builder maxDraftTokens(int maxDraftTokens) {
            generation.maxDraftTokens(maxDraftTokens);
            return this;
        }

        public DecoderTasksConfig build() {
            return new DecoderTasksConfig(backend, gpuIndex, threads, generation.build(), speculation, draftModelDir,
                    weights);
        }
    }
}
