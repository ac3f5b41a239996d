package io.textintel.serving.config;

import java.util.Set;

/**
 * How a checkpoint stretches rotary position embeddings past the context it was trained on
 * ({@code rope_scaling} in {@code config.json}).
 *
 * @param type {@code linear} (position interpolation), {@code dynamic} (NTK-aware, base grows with
 *     the sequence), {@code llama3} (Llama 3.1 frequency bands) or {@code yarn}
 * @param factor how much longer the context becomes; > 0
 * @param lowFreqFactor llama3's {@code low_freq_factor}; 0 for the other types
 * @param highFreqFactor llama3's {@code high_freq_factor}; 0 for the other types
 * @param originalMaxPositionEmbeddings the context the model was trained on (llama3, yarn, dynamic)
 */
public record RopeScaling(String type, double factor, double lowFreqFactor, double highFreqFactor,
        int originalMaxPositionEmbeddings) {

    /** The types the decoder implements. */
    public static final Set<String> TYPES = Set.of("linear", "dynamic", "llama3", "yarn");

    public RopeScaling {
        if (type == null || !TYPES.contains(type)) {
            throw new IllegalArgumentException("config.json: rope_scaling type " + type + ", expected one of "
                    + "linear, dynamic, llama3, yarn");
        }
        if (!(factor > 0) || !Double.isFinite(factor)) {
            throw new IllegalArgumentException("config.json: rope_scaling factor " + factor + ", expected > 0");
        }
        if (type.equals("llama3") && !(highFreqFactor > lowFreqFactor && lowFreqFactor > 0)) {
            throw new IllegalArgumentException("config.json: rope_scaling llama3 low_freq_factor " + lowFreqFactor
                    + " and high_freq_factor " + highFreqFactor + ", expected 0 < low_freq_factor < high_freq_factor");
        }
        if (originalMaxPositionEmbeddings <= 0) {
            throw new IllegalArgumentException("config.json: rope_scaling original_max_position_embeddings "
                    + originalMaxPositionEmbeddings + ", expected > 0");
        }
    }
}
