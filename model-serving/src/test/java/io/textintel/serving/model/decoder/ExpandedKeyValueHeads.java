package io.textintel.serving.model.decoder;

import io.textintel.serving.config.DecoderConfig;
import io.textintel.serving.weights.DType;
import io.textintel.serving.weights.TensorInfo;
import io.textintel.serving.weights.WeightLoader;
import java.util.Set;

/**
 * A grouped-query checkpoint seen as full multi-head attention: every key/value projection row
 * block is repeated for each query head of its group, which is what GQA means.
 */
final class ExpandedKeyValueHeads implements WeightLoader {

    private final WeightLoader grouped;
    private final DecoderConfig config;

    ExpandedKeyValueHeads(WeightLoader grouped, DecoderConfig config) {
        this.grouped = grouped;
        this.config = config;
    }

    private boolean expands(String name) {
        return name.contains("self_attn.k_proj.") || name.contains("self_attn.v_proj.");
    }

    @Override
    public Set<String> tensorNames() {
        return grouped.tensorNames();
    }

    @Override
    public boolean contains(String name) {
        return grouped.contains(name);
    }

    @Override
    public TensorInfo info(String name) {
        TensorInfo info = grouped.info(name);
        if (!expands(name)) {
            return info;
        }
        long[] shape = info.shape().clone();
        shape[0] = (long) config.numAttentionHeads() * config.headDim();
        return new TensorInfo(name, DType.F32, shape);
    }

    @Override
    public float[] readFloats(String name) {
        float[] values = grouped.readFloats(name);
        if (!expands(name)) {
            return values;
        }
        int headSize = values.length / config.numKeyValueHeads(); // headDim rows (weight) or headDim values (bias)
        float[] expanded = new float[headSize * config.numAttentionHeads()];
        for (int h = 0; h < config.numAttentionHeads(); h++) {
            int kvHead = h / config.queriesPerKeyValueHead();
            System.arraycopy(values, kvHead * headSize, expanded, h * headSize, headSize);
        }
        return expanded;
    }

    @Override
    public void close() {}
}
