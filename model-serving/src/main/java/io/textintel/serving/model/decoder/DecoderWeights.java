package io.textintel.serving.model.decoder;

import io.textintel.serving.backend.DecoderOps;
import io.textintel.serving.config.DecoderConfig;
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

    /**
     * Reads every tensor the config implies from {@code weights}.
     *
     * @throws IllegalArgumentException naming the tensor if one is missing or has the wrong shape
     */
    public static DecoderWeights load(DecoderConfig config, WeightLoader weights, DecoderOps ops) {
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
                    linear(weights, ops, layer(i, "self_attn.q_proj"), qWidth, hidden, bias),
                    linear(weights, ops, layer(i, "self_attn.k_proj"), kvWidth, hidden, bias),
                    linear(weights, ops, layer(i, "self_attn.v_proj"), kvWidth, hidden, bias),
                    linear(weights, ops, layer(i, "self_attn.o_proj"), hidden, qWidth, false),
                    read(weights, layer(i, "post_attention_layernorm.weight"), hidden),
                    linear(weights, ops, layer(i, "mlp.gate_proj"), inter, hidden, false),
                    linear(weights, ops, layer(i, "mlp.up_proj"), inter, hidden, false),
                    linear(weights, ops, layer(i, "mlp.down_proj"), hidden, inter, false)));
        }
        float[] finalNorm = read(weights, FINAL_NORM, hidden);
        float[] head = config.tieWordEmbeddings() ? embedding : read(weights, LM_HEAD, config.vocabSize(), hidden);
        DecoderOps.Linear lmHead = ops.prepareLinear(LM_HEAD, head, null, config.vocabSize(), hidden);
        return new DecoderWeights(embedding, List.copyOf(layers), finalNorm, lmHead);
    }

    private static DecoderOps.Linear linear(WeightLoader weights, DecoderOps ops, String name, int out, int in,
            boolean bias) {
        float[] weight = read(weights, name + ".weight", out, in);
        float[] biasValues = bias ? read(weights, name + ".bias", out) : null;
        return ops.prepareLinear(name, weight, biasValues, out, in);
    }

    private static float[] read(WeightLoader weights, String name, long... shape) {
        if (!weights.contains(name)) {
            throw new IllegalArgumentException("tensor " + name + " is missing from the checkpoint, expected shape "
                    + Arrays.toString(shape));
        }
        TensorInfo info = weights.info(name);
        if (!Arrays.equals(info.shape(), shape)) {
            throw new IllegalArgumentException("tensor " + name + " has shape " + Arrays.toString(info.shape())
                    + ", expected " + Arrays.toString(shape));
        }
        return weights.readFloats(name);
    }
}
