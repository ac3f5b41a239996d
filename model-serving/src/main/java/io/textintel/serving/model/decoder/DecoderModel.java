package io.textintel.serving.model.decoder;

import io.textintel.serving.backend.DecoderOps;
import io.textintel.serving.backend.WeightFormat;
import io.textintel.serving.backend.cpu.FastDecoderOps;
import io.textintel.serving.backend.cpu.ScalarDecoderOps;
import io.textintel.serving.config.DecoderConfig;
import io.textintel.serving.kv.KvLayout;
import io.textintel.serving.kv.PagedKvCache;
import io.textintel.serving.model.CausalLm;
import io.textintel.serving.model.SequenceChunk;
import io.textintel.serving.weights.CheckpointWeights;
import io.textintel.serving.weights.WeightLoader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * A Llama-family causal language model (Llama 2 and 3.x, Mistral, Qwen2 and 2.5): pre-norm
 * decoder layers of grouped-query attention with rotary positions and a SwiGLU MLP, over a paged
 * KV cache.
 *
 * <p>One {@link #forward} runs a batch of chunks of different sequences and lengths: prompts being
 * prefilled, single decode tokens and speculative verification runs together. Each token attends
 * causally within its chunk and to its sequence's cached positions. The config, the read-only
 * weights and the {@link DecoderOps} are fixed at construction; per-sequence state lives in the
 * caller's {@link PagedKvCache}. {@code forward} may be called from one thread at a time.
 */
public final class DecoderModel implements CausalLm, AutoCloseable {

    private final DecoderConfig config;
    private final DecoderWeights weights;
    private final DecoderOps ops;
    private final RotaryEmbedding rotary;
    private final KvLayout kvLayout;
    private final WeightFormat weightFormat;

    /** A model over already-read weights, its linear layers f32; it closes {@code ops} when closed. */
    public DecoderModel(DecoderConfig config, WeightLoader weights, DecoderOps ops) {
        this(config, weights, ops, WeightFormat.F32);
    }

    /** A model over already-read weights, its linear layers in {@code format}; it closes {@code ops} when closed. */
    public DecoderModel(DecoderConfig config, WeightLoader weights, DecoderOps ops, WeightFormat format) {
        this.config = Objects.requireNonNull(config, "config");
        this.ops = Objects.requireNonNull(ops, "ops");
        this.weightFormat = Objects.requireNonNull(format, "format");
        this.weights = DecoderWeights.load(config, weights, ops, format);
        this.rotary = RotaryEmbedding.of(config);
        this.kvLayout = new KvLayout(config.numHiddenLayers(), config.numKeyValueHeads(), config.headDim());
    }

    /**
     * Loads {@code config.json} and the safetensors weights of a model directory onto {@code ops}
     * ({@link ScalarDecoderOps} for the reference path, {@link FastDecoderOps} for speed). The model
     * owns {@code ops} from here on: {@link #close()} closes them, and so does a load that fails.
     *
     * @throws IOException if a file cannot be read
     * @throws IllegalArgumentException if the config or a tensor is invalid, naming it
     */
    public static DecoderModel load(Path modelDir, DecoderOps ops) throws IOException {
        return load(modelDir, ops, WeightFormat.F32);
    }

    /**
     * As {@link #load(Path, DecoderOps)}, the linear layers' weights in {@code format}
     * ({@code engine.weights}): bf16 checkpoints are read as bf16 without an F32 copy, others
     * converted at load (see {@link DecoderWeights#load(DecoderConfig, WeightLoader, DecoderOps, WeightFormat)}).
     */
    public static DecoderModel load(Path modelDir, DecoderOps ops, WeightFormat format) throws IOException {
        try {
            Objects.requireNonNull(format, "format");
            DecoderConfig config = DecoderConfig.read(modelDir);
            try (CheckpointWeights weights = CheckpointWeights.open(modelDir)) {
                return new DecoderModel(config, weights, ops, format);
            }
        } catch (IOException | RuntimeException e) {
            ops.close();
            throw e;
        }
    }

    public DecoderConfig config() {
        return config;
    }

    @Override
    public KvLayout kvLayout() {
        return kvLayout;
    }

    @Override
    public int vocabSize() {
        return config.vocabSize();
    }

    /** The format of the linear layers' weights. */
    public WeightFormat weightFormat() {
        return weightFormat;
    }

    /** The name of the decoder ops this model runs on, e.g. {@code fast-vector} or {@code scalar}. */
    public String opsName() {
        return ops.name();
    }

    @Override
    public int maxSequenceLength() {
        return config.maxPositionEmbeddings();
    }

    @Override
    public float[][] forward(List<SequenceChunk> chunks, PagedKvCache cache) {
        if (!cache.layout().equals(kvLayout)) {
            throw new IllegalArgumentException("KV cache layout " + cache.layout() + ", expected " + kvLayout);
        }
        DecoderBatch batch = DecoderBatch.plan(chunks, cache, vocabSize(), maxSequenceLength(), rotary);
        int n = batch.tokenCount();
        int hidden = config.hiddenSize();
        int heads = config.numAttentionHeads();
        int kvHeads = config.numKeyValueHeads();
        int qWidth = heads * config.headDim();
        int kvWidth = kvHeads * config.headDim();
        int inter = config.intermediateSize();
        double eps = config.rmsNormEps();

        float[] x = new float[n * hidden]; // [n, hidden]: the residual stream
        float[] h = new float[n * hidden]; // [n, hidden]: normed input of a sub-layer
        float[] q = new float[n * qWidth]; // [n, heads * headDim]
        float[] k = new float[n * kvWidth]; // [n, kvHeads * headDim]
        float[] v = new float[n * kvWidth]; // [n, kvHeads * headDim]
        float[] attention = new float[n * qWidth]; // [n, heads * headDim]
        float[] gate = new float[n * inter]; // [n, intermediate]
        float[] up = new float[n * inter]; // [n, intermediate]
        float[] delta = new float[n * hidden]; // [n, hidden]: a sub-layer's output

        // token embeddings: x[t] = embed_tokens[token t]
        int[] tokens = batch.tokens();
        for (int t = 0; t < n; t++) {
            System.arraycopy(weights.embedding(), tokens[t] * hidden, x, t * hidden, hidden);
        }

        for (int l = 0; l < config.numHiddenLayers(); l++) {
            DecoderWeights.Layer layer = weights.layers().get(l);

            // attention block: h = RMSNorm(x); q, k, v projections; rotate q and k by position
            ops.rmsNorm(x, n, layer.inputNorm(), eps, h); // [n, hidden]
            ops.linear(h, n, layer.q(), q); // [n, heads * headDim]
            ops.linear(h, n, layer.k(), k); // [n, kvHeads * headDim]
            ops.linear(h, n, layer.v(), v); // [n, kvHeads * headDim]
            ops.rotary(batch, q, heads, k, kvHeads, config.headDim(), rotary.attentionFactor());

            // this pass's keys and values go into the cache at their positions, then every token
            // attends over its sequence's positions 0..own position
            ops.writeKeyValues(batch, k, v, cache, l); // [blocks, blockSize, kvHeads, headDim] per layer
            ops.attention(batch, q, heads, cache, l, attention); // [n, heads * headDim]

            // x = x + o_proj(attention)
            ops.linear(attention, n, layer.o(), delta); // [n, hidden]
            addInPlace(x, delta, n * hidden);

            // MLP block: x = x + down(silu(gate(h)) * up(h)), h = RMSNorm(x)
            ops.rmsNorm(x, n, layer.postAttentionNorm(), eps, h); // [n, hidden]
            ops.linear(h, n, layer.gate(), gate); // [n, intermediate]
            ops.linear(h, n, layer.up(), up); // [n, intermediate]
            ops.swiglu(gate, up, n * inter, gate); // [n, intermediate]
            ops.linear(gate, n, layer.down(), delta); // [n, hidden]
            addInPlace(x, delta, n * hidden);
        }

        // logits only for the rows the caller wants: final RMSNorm, then the LM head
        int[] logitTokens = batch.logitTokens();
        int rows = logitTokens.length;
        float[] last = new float[rows * hidden]; // [rows, hidden]
        for (int r = 0; r < rows; r++) {
            System.arraycopy(x, logitTokens[r] * hidden, last, r * hidden, hidden);
        }
        ops.rmsNorm(last, rows, weights.finalNorm(), eps, last); // [rows, hidden]
        float[] logits = new float[rows * config.vocabSize()]; // [rows, vocab]
        ops.linear(last, rows, weights.lmHead(), logits);

        float[][] result = new float[rows][]; // [rows][vocab]
        for (int r = 0; r < rows; r++) {
            result[r] = java.util.Arrays.copyOfRange(logits, r * config.vocabSize(), (r + 1) * config.vocabSize());
        }
        return result;
    }

    private static void addInPlace(float[] x, float[] delta, int count) {
        for (int i = 0; i < count; i++) {
            x[i] += delta[i];
        }
    }

    @Override
    public void close() {
        ops.close();
    }

    @Override
    public String toString() {
        return "DecoderModel[" + config.modelType() + ", " + config.numHiddenLayers() + " layers, hidden "
                + config.hiddenSize() + ", heads " + config.numAttentionHeads() + "/" + config.numKeyValueHeads()
                + ", vocab " + config.vocabSize() + ", " + ops.name() + ", weights " + weightFormat.configName() + "]";
    }
}
