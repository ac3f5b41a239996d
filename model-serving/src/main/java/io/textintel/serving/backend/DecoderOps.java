package io.textintel.serving.backend;

import io.textintel.serving.backend.cpu.FastDecoderOps;
import io.textintel.serving.backend.cpu.ScalarDecoderOps;
import io.textintel.serving.kv.PagedKvCache;

/**
 * A backend's operations of a Llama-family decoder layer: linear layers, RMSNorm, SwiGLU, rotary
 * position embeddings, the write of a pass's keys and values into a paged KV cache and
 * grouped-query attention over it. The sibling contract of {@link Backend}: an encoder runs on a
 * {@code Backend}, a decoder on a {@code DecoderOps} of the same backend family, and
 * {@code engine.BackendFactory} chooses both from the one {@code engine.backend} setting.
 *
 * <p>The CPU backend's implementation is {@link FastDecoderOps} (blocked and multithreaded, its
 * linear layers on the {@code CpuBackend}'s dense kernels); the scalar reference's is
 * {@link ScalarDecoderOps} (plain loops, double accumulators), which every other implementation is
 * tested against; the CUDA backend's is {@code backend.cuda.CudaDecoderOps} (the decoder kernels of
 * {@code src/main/cuda}, weights and a mirror of the KV cache resident on the device).
 *
 * <p><b>Sampling stays on the host.</b> The contract has no sampling hook (device argmax, token
 * suppression): its arrays are host arrays, so the logits are on the host once {@link #linear}
 * returns and a device argmax or suppression would first copy them up again; and the generation loop's bit-for-bit
 * replay rests on {@code sampling.Sampler} and {@code sampling.SequenceRandom} running on the host.
 * A hook pays only once the activations stay on the device between operations, which this
 * host-array contract does not allow (see Known gaps in {@code docs/ARCHITECTURE.md}).
 *
 * <p>Arrays are row-major; an output never shares storage with an input unless a method says so.
 * Ops may hold threads or device memory, so they are {@link AutoCloseable}.
 */
public interface DecoderOps extends AutoCloseable {

    /** A linear layer's parameters in the layout these ops compute fastest. */
    interface Linear {
        int inFeatures();

        int outFeatures();
    }

    /** A short name for logs and metrics, e.g. {@code scalar} or {@code fast-vector}. */
    String name();

    /**
     * Prepares {@code y = x · weightᵀ + bias}. The arrays may be kept; the caller must not modify them.
     *
     * @param weight {@code [out, in]}, as HF {@code nn.Linear} stores it
     * @param bias {@code [out]}, or null for none
     */
    Linear prepareLinear(String name, float[] weight, float[] bias, int out, int in);

    /**
     * Prepares {@code y = x · weightᵀ + bias} over weights in any {@link WeightFormat}. An f32
     * weight is {@link #prepareLinear(String, float[], float[], int, int)}'s. Ops without kernels of
     * their own for a format compute with the weight widened to f32 ({@link WeightMatrix#value}):
     * the CUDA ops, whose GEMM rounds weights to bf16 anyway, do so.
     *
     * @param bias {@code [out]}, or null for none
     */
    default Linear prepareLinear(String name, WeightMatrix weight, float[] bias) {
        return prepareLinear(name, WeightMatrix.widen(weight), bias, weight.out(), weight.in());
    }

    /**
     * {@code y = x · weightᵀ + bias}.
     *
     * @param x {@code [rows, in]}
     * @param y {@code [rows, out]}
     */
    void linear(float[] x, int rows, Linear linear, float[] y);

    /**
     * {@code out = x / sqrt(mean(x²) + eps) * weight} over each row; {@code out} may be {@code x}.
     *
     * @param x {@code [rows, hidden]}
     * @param weight {@code [hidden]}
     * @param out {@code [rows, hidden]}
     */
    void rmsNorm(float[] x, int rows, float[] weight, double eps, float[] out);

    /**
     * {@code out = silu(gate) * up} element-wise; {@code out} may be {@code gate}.
     *
     * @param gate {@code [count]}
     * @param up {@code [count]}
     * @param out {@code [count]}
     */
    void swiglu(float[] gate, float[] up, int count, float[] out);

    /**
     * Rotary position embeddings applied in place to every token's query and key heads: token
     * {@code t} at position {@code batch.position(t)} with its chunk's
     * {@link PagedAttentionBatch#inverseFrequencies}, the "rotate half" layout (dimension {@code i}
     * pairs with {@code i + headDim/2}), cos and sin computed in double and multiplied by
     * {@code attentionFactor}, the rotation in float. The CPU ops give exactly
     * {@code RotaryEmbedding#rotate}'s floats.
     *
     * @param q {@code [tokens, heads * headDim]}
     * @param k {@code [tokens, kvHeads * headDim]}
     * @param attentionFactor YaRN's attention temperature, else 1
     */
    void rotary(PagedAttentionBatch batch, float[] q, int heads, float[] k, int kvHeads, int headDim,
            double attentionFactor);

    /**
     * Writes every token's key and value rows into {@code cache}'s layer {@code layer} at the
     * token's {@link PagedAttentionBatch#slot}, before {@link #attention} reads them. Every write
     * into a cache these ops attend over must go through here: a device backend keeps a copy of the
     * cache in step by it.
     *
     * @param k {@code [tokens, kvHeads * headDim]}, rotated
     * @param v {@code [tokens, kvHeads * headDim]}
     */
    void writeKeyValues(PagedAttentionBatch batch, float[] k, float[] v, PagedKvCache cache, int layer);

    /**
     * Causal grouped-query attention of every token of {@code batch} over the positions of its
     * sequence up to and including its own, read from {@code cache}, where this pass's keys and
     * values have already been written. Query head {@code h} reads key/value head
     * {@code h / (heads / kvHeads)}; scores are scaled by {@code 1/sqrt(headDim)}.
     *
     * @param q {@code [tokens, heads * headDim]}, rotated
     * @param out {@code [tokens, heads * headDim]}
     */
    void attention(PagedAttentionBatch batch, float[] q, int heads, PagedKvCache cache, int layer, float[] out);

    /** Stops any threads and releases any device memory. */
    @Override
    void close();
}
