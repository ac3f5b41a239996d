package io.textintel.serving.model.decoder;

import io.textintel.serving.backend.DecoderOps;
import io.textintel.serving.backend.WeightFormat;
import io.textintel.serving.backend.WeightMatrix;
import io.textintel.serving.config.DecoderConfig;
import io.textintel.serving.weights.DType;
import io.textintel.serving.weights.TensorInfo;
import io.textintel.serving.weights.WeightLoader;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The read-only weights of a Llama-family decoder, checked against the config and prepared for
 * one {@link DecoderOps}. The Hugging Face tensor names live here and nowhere else.
 *
 * @param embedding {@code [vocab, hidden]}: {@code model.embed_tokens.weight}
 * @param layers one per decoder layer
 * @param finalNorm {@code [hidden]}: {@code model.norm.weight}
 * @param lmHead {@code [vocab, hidden]}: {@code lm_head.weight}, or the embedding when tied
 */
public record DecoderWeights(float[] embedding, List<Layer> layers, float[] finalNorm, DecoderOps.Linear lmHead) {

    /**
     * One decoder layer.
     *
     * @param inputNorm {@code [hidden]}: {@code input_layernorm.weight}
     * @param q {@code [heads * headDim, hidden]} (+ bias under Qwen2)
     * @param k {@code [kvHeads * headDim, hidden]} (+ bias under Qwen2)
     * @param v {@code [kvHeads * headDim, hidden]} (+ bias under Qwen2)
     * @param o {@code [hidden, heads * headDim]}
     * @param postAttentionNorm {@code [hidden]}: {@code post_attention_layernorm.weight}
     * @param gate {@code [intermediate, hidden]}
     * @param up {@code [intermediate, hidden]}
     * @param down {@code [hidden, intermediate]}
     */
    public record Layer(float[] inputNorm, DecoderOps.Linear q, DecoderOps.Linear k, DecoderOps.Linear v,
            DecoderOps.Linear o, float[] postAttentionNorm, DecoderOps.Linear gate, DecoderOps.Linear up,
            DecoderOps.Linear down) {}

    static final String EMBEDDING = "model.embed_tokens.weight";
    static final String FINAL_NORM = "model.norm.weight";
    static final String LM_HEAD = "lm_head.weight";

    static String layer(int layer, String name) {
        return "model.layers." + layer + "." + name;
    }

    /** {@link #load(DecoderConfig, WeightLoader, DecoderOps, WeightFormat)} with f32 linear layers. */
    public static DecoderWeights load(DecoderConfig config, WeightLoader weights, DecoderOps ops) {
        return load(config, weights, ops, WeightFormat.F32);
    }

    /**
     * Reads every tensor the config implies from {@code weights}, the linear layers' weights (the
     * LM head among them) in {@code format}: a bf16 checkpoint read as bf16 bits for bf16 and int8,
     * never widened as a whole; any other checkpoint read as f32 and converted at load. Embeddings,
     * norms and biases are f32.
     *
     * @throws IllegalArgumentException naming the tensor if one is missing or has the wrong shape
     */
    public static DecoderWeights load(DecoderConfig config, WeightLoader weights, DecoderOps ops,
            WeightFormat format) {
        int hidden = config.hiddenSize();
        int qWidth = config.numAttentionHeads() * config.headDim();
        int kvWidth = config.numKeyValueHeads() * config.headDim();
        int inter = config.intermediateSize();
        float[] embedding = read(weights, EMBEDDING, config.vocabSize(), hidden);
        List<Layer> layers = new ArrayList<>(config.numHiddenLayers());
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            boolean bias = config.attentionBias();
            layers.add(new Layer(
                    read(weights, layer(i, "input_layernorm.weight"), hidden),
                    linear(weights, ops, format, layer(i, "self_attn.q_proj"), qWidth, hidden, bias),
                    linear(weights, ops, format, layer(i, "self_attn.k_proj"), kvWidth, hidden, bias),
                    linear(weights, ops, format, layer(i, "self_attn.v_proj"), kvWidth, hidden, bias),
                    linear(weights, ops, format, layer(i, "self_attn.o_proj"), hidden, qWidth, false),
                    read(weights, layer(i, "post_attention_layernorm.weight"), hidden),
                    linear(weights, ops, format, layer(i, "mlp.gate_proj"), inter, hidden, false),
                    linear(weights, ops, format, layer(i, "mlp.up_proj"), inter, hidden, false),
                    linear(weights, ops, format, layer(i, "mlp.down_proj"), hidden, inter, false)));
        }
        float[] finalNorm = read(weights, FINAL_NORM, hidden);
        WeightMatrix head = config.tieWordEmbeddings()
                ? new WeightMatrix.F32(embedding, config.vocabSize(), hidden).to(format)
                : matrix(weights, LM_HEAD, config.vocabSize(), hidden, format);
        DecoderOps.Linear lmHead = ops.prepareLinear(LM_HEAD, head, null);
        return new DecoderWeights(embedding, List.copyOf(layers), finalNorm, lmHead);
    }

    private static DecoderOps.Linear linear(WeightLoader weights, DecoderOps ops, WeightFormat format, String name,
            int out, int in, boolean bias) {
        WeightMatrix weight = matrix(weights, name + ".weight", out, in, format);
        float[] biasValues = bias ? read(weights, name + ".bias", out) : null;
        return ops.prepareLinear(name, weight, biasValues);
    }

    /** A weight {@code [out, in]} in {@code format}; a BF16 tensor is read as its bits for bf16 and int8. */
    private static WeightMatrix matrix(WeightLoader weights, String name, int out, int in, WeightFormat format) {
        TensorInfo info = check(weights, name, out, in);
        if (format == WeightFormat.F32) {
            return new WeightMatrix.F32(weights.readFloats(name), out, in);
        }
        WeightMatrix stored = info.dtype() == DType.BF16 || format == WeightFormat.BF16
                ? new WeightMatrix.Bf16(weights.readBFloat16(name), out, in)
                : new WeightMatrix.F32(weights.readFloats(name), out, in);
        try {
            return stored.to(format);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("tensor " + name + ": " + e.getMessage(), e);
        }
    }

    private static float[] read(WeightLoader weights, String name, long... shape) {
        check(weights, name, shape);
        return weights.readFloats(name);
    }

    private static TensorInfo check(WeightLoader weights, String name, long... shape) {
        if (!weights.contains(name)) {
            throw new IllegalArgumentException("tensor " + name + " is missing from the checkpoint, expected shape "
                    + Arrays.toString(shape));
        }
        TensorInfo info = weights.info(name);
        if (!Arrays.equals(info.shape(), shape)) {
            throw new IllegalArgumentException("tensor " + name + " has shape " + Arrays.toString(info.shape())
                    + ", expected " + Arrays.toString(shape));
        }
        return info;
    }
}
