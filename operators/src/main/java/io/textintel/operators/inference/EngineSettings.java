package io.textintel.operators.inference;

import io.textintel.serving.backend.WeightFormat;
import io.textintel.serving.config.BackendChoice;
import io.textintel.serving.config.EngineConfig;
import io.textintel.serving.spec.Speculation;
import io.textintel.serving.task.DecoderTasksConfig;

import java.io.Serializable;
import java.time.Duration;
import java.util.Collection;

/**
 * The {@code engine} section of the pipeline configuration: the settings of the per-JVM inference
 * engines, each optional. Unset values take {@link EngineConfig}'s defaults, which are also where
 * the values are checked.
 *
 * @param backend {@code auto}, {@code cuda}, {@code cpu} or {@code cpu-reference}
 * @param threads compute threads of the engine
 * @param maxBatchSize most requests in one forward pass
 * @param maxBatchTokens most tokens (padding included) in one forward pass
 * @param maxBatchDelay longest a request waits for others to fill its batch
 * @param maxQueuedRequests queued requests beyond which the engine refuses work as overloaded
 * @param kvCacheBlocks blocks of a decoder's paged KV cache (generative tasks); with
 *     {@code kvBlockSize} it bounds the tokens all running sequences hold at once
 * @param kvBlockSize positions per KV cache block (generative tasks)
 * @param gpuIndex the GPU of the {@code cuda} backend; unset, the GPU Flink's {@code gpu} external
 *     resource assigns the TaskManager (see {@link #withAssignedGpu}), else the first visible one
 * @param weights the format of a decoder's linear-layer weights in memory: {@code f32} (default),
 *     {@code bf16} or {@code int8} ({@link WeightFormat}); encoders compute in f32 whatever it says
 */
public record EngineSettings(
        String backend,
        Integer threads,
        Integer maxBatchSize,
        Integer maxBatchTokens,
        Duration maxBatchDelay,
        Integer maxQueuedRequests,
        Integer kvCacheBlocks,
        Integer kvBlockSize,
        Integer gpuIndex,
        String weights)
        implements Serializable {

    public EngineSettings {
        if (weights != null) {
            WeightFormat.parse(weights);
        }
        toEngineConfig(backend, threads, maxBatchSize, maxBatchTokens, maxBatchDelay, maxQueuedRequests, gpuIndex);
        decoderConfig(threads, maxBatchTokens, kvCacheBlocks, kvBlockSize).build();
    }

    /** The encoder settings; the decoder's KV cache at its defaults. */
    public EngineSettings(String backend, Integer threads, Integer maxBatchSize, Integer maxBatchTokens,
            Duration maxBatchDelay, Integer maxQueuedRequests) {
        this(backend, threads, maxBatchSize, maxBatchTokens, maxBatchDelay, maxQueuedRequests, null, null, null, null);
    }

    /**
     * These settings on the GPU Flink assigned: the first {@code index} among {@code assignedIndices}
     * (the {@code gpu} external resource's infos) unless {@code gpu-index} is configured, or unchanged
     * when Flink assigned none.
     */
    public EngineSettings withAssignedGpu(Collection<String> assignedIndices) {
        if (gpuIndex != null || assignedIndices.isEmpty()) {
            return this;
        }
        int index = assignedIndices.stream().mapToInt(value -> {
            try {
                return Integer.parseInt(value.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("Flink's gpu resource gave index '" + value
                        + "', expected a device number", e);
            }
        }).min().getAsInt();
        return new EngineSettings(backend, threads, maxBatchSize, maxBatchTokens, maxBatchDelay, maxQueuedRequests,
                kvCacheBlocks, kvBlockSize, index, weights);
    }

    /** All defaults. */
    public static EngineSettings defaults() {
        return new EngineSettings(null, null, null, null, null, null, null, null, null, null);
    }

    /** The engine configuration these settings describe. */
    public EngineConfig toEngineConfig() {
        return toEngineConfig(backend, threads, maxBatchSize, maxBatchTokens, maxBatchDelay, maxQueuedRequests, gpuIndex);
    }

    /**
     * The decoder engine configuration of a generative task: this section's backend and GPU (as
     * {@link #toEngineConfig()} resolves them) and {@code max-queued-requests}; weights, threads,
     * {@code max-batch-size} (a decoder's running sequences), {@code max-batch-tokens} and KV cache
     * where set; the task's speculation. {@code max-batch-delay} is the encoders' alone: continuous
     * batching lets new sequences join at every step and never waits for others.
     *
     * @param draftModelDir the resolved draft checkpoint for {@link Speculation#DRAFT_MODEL}, else null
     */
    public DecoderTasksConfig toDecoderConfig(Speculation speculation, String draftModelDir) {
        EngineConfig engine = toEngineConfig();
        DecoderTasksConfig.Builder config = decoderConfig(threads, maxBatchTokens, kvCacheBlocks, kvBlockSize)
                .backend(engine.backend())
                .gpuIndex(engine.gpuIndex())
                .maxQueuedRequests(engine.maxQueuedRequests());
        if (weights != null) {
            config.weights(WeightFormat.parse(weights));
        }
        if (maxBatchSize != null) {
            config.maxRunningSequences(maxBatchSize); // a decoder's batch is its running sequences
        }
        if (speculation == Speculation.DRAFT_MODEL) {
            config.draftModel(draftModelDir);
        } else {
            config.speculation(speculation);
        }
        return config.build();
    }

    private static DecoderTasksConfig.Builder decoderConfig(
            Integer threads, Integer maxBatchTokens, Integer kvCacheBlocks, Integer kvBlockSize) {
        DecoderTasksConfig.Builder config = DecoderTasksConfig.builder();
        if (threads != null) {
            config.threads(threads);
        }
        if (maxBatchTokens != null) {
            config.maxBatchTokens(maxBatchTokens);
        }
        if (kvCacheBlocks != null) {
            config.kvBlocks(kvCacheBlocks);
        }
        if (kvBlockSize != null) {
            config.kvBlockSize(kvBlockSize);
        }
        return config;
    }

    private static EngineConfig toEngineConfig(
            String backend, Integer threads, Integer maxBatchSize, Integer maxBatchTokens, Duration maxBatchDelay,
            Integer maxQueuedRequests, Integer gpuIndex) {
        EngineConfig.Builder config = EngineConfig.builder();
        if (gpuIndex != null) {
            config.gpuIndex(gpuIndex);
        }
        if (backend != null) {
            config.backend(BackendChoice.parse(backend));
        }
        if (threads != null) {
            config.threads(threads);
        }
        if (maxBatchSize != null) {
            config.maxBatchSize(maxBatchSize);
        }
        if (maxBatchTokens != null) {
            config.maxBatchTokens(maxBatchTokens);
        }
        if (maxBatchDelay != null) {
            config.maxBatchDelay(maxBatchDelay);
        }
        if (maxQueuedRequests != null) {
            config.maxQueuedRequests(maxQueuedRequests);
        }
        return config.build();
    }
}
