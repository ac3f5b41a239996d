package io.textintel.serving.config;

import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;

/**
 * What the operator of an engine chooses: backend, threads and batching limits. Validated at
 * construction; build one with {@link #builder()} or start from {@link #defaults()}.
 *
 * @param backend which backend runs the model
 * @param threads worker threads of a CPU backend
 * @param maxBatchSize most sequences in one forward pass
 * @param maxBatchTokens most token rows (padding included) in one forward pass; a single longer
 *     sequence still runs, alone
 * @param maxBatchDelay longest a request waits for more requests to share its batch
 * @param maxQueuedRequests most requests waiting; beyond, new requests are rejected as overloaded
 * @param gpuIndex the GPU the {@code cuda} backend (or {@code auto}, choosing CUDA) runs on: the index
 *     Flink's external-resource framework hands the TaskManager (the {@code index} property of the
 *     operator's {@code getRuntimeContext().getExternalResourceInfos("gpu")}), numbered as
 *     {@code nvidia-smi} numbers the GPUs, or -1 for the first visible device; see
 *     {@code backend.cuda.CudaDeviceSelection} for how it maps through {@code CUDA_VISIBLE_DEVICES}
 */
public record EngineConfig(
        BackendChoice backend,
        int threads,
        int maxBatchSize,
        int maxBatchTokens,
        Duration maxBatchDelay,
        int maxQueuedRequests,
        int gpuIndex) implements Serializable {

    private static final long serialVersionUID = 1L;

    public EngineConfig {
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(maxBatchDelay, "maxBatchDelay");
        requirePositive("threads", threads);
        requirePositive("maxBatchSize", maxBatchSize);
        requirePositive("maxBatchTokens", maxBatchTokens);
        requirePositive("maxQueuedRequests", maxQueuedRequests);
        if (gpuIndex < -1) {
            throw new IllegalArgumentException("engine gpuIndex is " + gpuIndex + ", expected >= 0, or -1 for the first"
                    + " visible device");
        }
        if (maxBatchDelay.isNegative()) {
            throw new IllegalArgumentException("maxBatchDelay is " + maxBatchDelay + ", expected >= 0");
        }
    }

    /** Automatic backend (first visible GPU), one thread per core, batches of up to 32 sequences and 8192 tokens, 2 ms delay. */
    public static EngineConfig defaults() {
        return builder().build();
    }

    /** A builder starting from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this configuration. */
    public Builder toBuilder() {
        return new Builder()
                .backend(backend)
                .threads(threads)
                .maxBatchSize(maxBatchSize)
                .maxBatchTokens(maxBatchTokens)
                .maxBatchDelay(maxBatchDelay)
                .maxQueuedRequests(maxQueuedRequests)
                .gpuIndex(gpuIndex);
    }

    private static void requirePositive(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException("engine " + name + " is " + value + ", expected >= 1");
        }
    }

    /** Builds an {@link EngineConfig}; {@link #build()} checks every value. */
    public static final class Builder {
        private BackendChoice backend = BackendChoice.AUTO;
        private int threads = Runtime.getRuntime().availableProcessors();
        private int maxBatchSize = 32;
        private int maxBatchTokens = 8192;
        private Duration maxBatchDelay = Duration.ofMillis(2);
        private int maxQueuedRequests = 4096;
        private int gpuIndex = -1;

        private Builder() {}

        public Builder backend(BackendChoice backend) {
            this.backend = backend;
            return this;
        }

        public Builder threads(int threads) {
            this.threads = threads;
            return this;
        }

        public Builder maxBatchSize(int maxBatchSize) {
            this.maxBatchSize = maxBatchSize;
            return this;
        }

        public Builder maxBatchTokens(int maxBatchTokens) {
            this.maxBatchTokens = maxBatchTokens;
            return this;
        }

        public Builder maxBatchDelay(Duration maxBatchDelay) {
            this.maxBatchDelay = maxBatchDelay;
            return this;
        }

        public Builder maxQueuedRequests(int maxQueuedRequests) {
            this.maxQueuedRequests = maxQueuedRequests;
            return this;
        }

        public Builder gpuIndex(int gpuIndex) {
            this.gpuIndex = gpuIndex;
            return this;
        }

        /** The configuration. @throws IllegalArgumentException naming the first invalid value */
        public EngineConfig build() {
            return new EngineConfig(backend, threads, maxBatchSize, maxBatchTokens, maxBatchDelay, maxQueuedRequests,
                    gpuIndex);
        }
    }
}
