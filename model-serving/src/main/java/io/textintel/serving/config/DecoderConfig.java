package io.textintel.serving.config;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What a decoder checkpoint's {@code config.json} says: a Llama (2, 3.x), Mistral or Qwen2 (2.5)
 * causal language model. Fixed by the checkpoint, validated once when read.
 *
 * <p>The Hugging Face key names are mapped onto these components in one place, {@link Json}, with
 * the defaults transformers uses: {@code num_key_value_heads} defaults to
 * {@code num_attention_heads}, {@code head_dim} to {@code hidden_size / num_attention_heads};
 * {@code rope_scaling} is read under its {@code type} or newer {@code rope_type} key; Qwen2's
 * q/k/v biases are implied by {@code model_type qwen2}; {@code eos_token_id} may be one id or a list.
 *
 * <p>The decoder attends over the whole sequence; where a Mistral or Qwen2 config puts a sliding
 * window in force, {@link #maxPositionEmbeddings} is capped at the window so that full attention
 * is exact.
 *
 * @param modelType {@code model_type}: {@code llama}, {@code qwen2} or {@code mistral}
 * @param vocabSize {@code vocab_size}
 * @param hiddenSize {@code hidden_size}
 * @param intermediateSize {@code intermediate_size} (SwiGLU width)
 * @param numHiddenLayers {@code num_hidden_layers}
 * @param numAttentionHeads {@code num_attention_heads} (query heads)
 * @param numKeyValueHeads {@code num_key_value_heads}; divides the query heads
 * @param headDim {@code head_dim}; even
 * @param maxPositionEmbeddings {@code max_position_embeddings}, capped by a sliding window in force
 * @param rmsNormEps {@code rms_norm_eps}
 * @param ropeTheta {@code rope_theta}
 * @param ropeScaling {@code rope_scaling}, or null for none
 * @param tieWordEmbeddings {@code tie_word_embeddings}: the LM head reuses the embedding matrix
 * @param attentionBias q/k/v projections carry biases (Qwen2, or {@code attention_bias})
 * @param bosTokenId {@code bos_token_id}, or -1 if none
 * @param eosTokenIds {@code eos_token_id}s; may be empty
 */
public record DecoderConfig(
        String modelType,
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int numKeyValueHeads,
        int headDim,
        int maxPositionEmbeddings,
        double rmsNormEps,
        double ropeTheta,
        RopeScaling ropeScaling,
        boolean tieWordEmbeddings,
        boolean attentionBias,
        int bosTokenId,
        List<Integer> eosTokenIds) {

    /** The file name inside a model directory. */
    public static final String FILE_NAME = "config.json";

    /** The model types the decoder implements. */
    public static final Set<String> MODEL_TYPES = Set.of("llama", "qwen2", "mistral");

    private static final ObjectMapper MAPPER =
            new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    public DecoderConfig {
        Objects.requireNonNull(modelType, "modelType");
        if (!MODEL_TYPES.contains(modelType)) {
            throw new IllegalArgumentException("config.json: model_type " + modelType
                    + ", expected one of llama, qwen2, mistral");
        }
        eosTokenIds = List.copyOf(eosTokenIds == null ? List.of() : eosTokenIds);
        requirePositive("vocab_size", vocabSize);
        requirePositive("hidden_size", hiddenSize);
        requirePositive("intermediate_size", intermediateSize);
        requirePositive("num_hidden_layers", numHiddenLayers);
        requirePositive("num_attention_heads", numAttentionHeads);
        requirePositive("num_key_value_heads", numKeyValueHeads);
        requirePositive("head_dim", headDim);
        requirePositive("max_position_embeddings", maxPositionEmbeddings);
        if (numAttentionHeads % numKeyValueHeads != 0) {
            throw new IllegalArgumentException("config.json: num_key_value_heads " + numKeyValueHeads
                    + " does not divide num_attention_heads " + numAttentionHeads);
        }
        if (headDim % 2 != 0) {
            throw new IllegalArgumentException("config.json: head_dim " + headDim
                    + ", expected an even size (rotary embeddings rotate pairs)");
        }
        if (!(rmsNormEps > 0)) {
            throw new IllegalArgumentException("config.json: rms_norm_eps " + rmsNormEps + ", expected > 0");
        }
        if (!(ropeTheta > 1) || !Double.isFinite(ropeTheta)) {
            throw new IllegalArgumentException("config.json: rope_theta " + ropeTheta + ", expected > 1");
        }
        if (bosTokenId < -1 || bosTokenId >= vocabSize) {
            throw new IllegalArgumentException("config.json: bos_token_id " + bosTokenId
                    + ", expected an id below vocab_size " + vocabSize + " or none");
        }
        for (int eos : eosTokenIds) {
            if (eos < 0 || eos >= vocabSize) {
                throw new IllegalArgumentException("config.json: eos_token_id " + eos
                        + ", expected 0 <= id < vocab_size " + vocabSize);
            }
        }
    }

    /**
     * Reads {@code config.json} from a model directory.
     *
     * @throws IOException if the file cannot be read or is not JSON
     * @throws IllegalArgumentException naming the key and value when the content is invalid
     */
    public static DecoderConfig read(Path modelDir) throws IOException {
        Path file = modelDir.resolve(FILE_NAME);
        if (!Files.isRegularFile(file)) {
            throw new IOException("model directory " + modelDir + " has no " + FILE_NAME);
        }
        return MAPPER.readValue(file.toFile(), Json.class).toConfig();
    }

    /** Parses the text of a {@code config.json}. */
    public static DecoderConfig parse(String json) throws IOException {
        return MAPPER.readValue(json, Json.class).toConfig();
    }

    /** Query heads that share one key/value head. */
    public int queriesPerKeyValueHead() {
        return numAttentionHeads / numKeyValueHeads;
    }

    private static void requirePositive(String key, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException("config.json: " + key + " " + value + ", expected > 0");
        }
    }

    /** The Hugging Face key names, with the defaults transformers uses when a key is absent. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    static final class Json {
        @JsonProperty("model_type")
        String modelType;

        @JsonProperty("vocab_size")
        int vocabSize;

        @JsonProperty("hidden_size")
        int hiddenSize;

        @JsonProperty("intermediate_size")
        int intermediateSize;

        @JsonProperty("num_hidden_layers")
        int numHiddenLayers;

        @JsonProperty("num_attention_heads")
        int numAttentionHeads;

        @JsonProperty("num_key_value_heads")
        Integer numKeyValueHeads;

        @JsonProperty("head_dim")
        Integer headDim;

        @JsonProperty("max_position_embeddings")
        int maxPositionEmbeddings = 2048;

        @JsonProperty("rms_norm_eps")
        double rmsNormEps = 1e-6;

        @JsonProperty("rope_theta")
        Double ropeTheta;

        @JsonProperty("rope_scaling")
        JsonNode ropeScaling;

        // transformers 5 writes rope_theta and the scaling into one object, without the two keys above
        @JsonProperty("rope_parameters")
        JsonNode ropeParameters;

        @JsonProperty("tie_word_embeddings")
        Boolean tieWordEmbeddings;

        @JsonProperty("attention_bias")
        Boolean attentionBias;

        @JsonProperty("mlp_bias")
        boolean mlpBias;

        @JsonProperty("hidden_act")
        String hiddenAct = "silu";

        @JsonProperty("sliding_window")
        Integer slidingWindow;

        @JsonProperty("use_sliding_window")
        Boolean useSlidingWindow;

        @JsonProperty("partial_rotary_factor")
        Double partialRotaryFactor;

        @JsonProperty("bos_token_id")
        Integer bosTokenId;

        @JsonProperty("eos_token_id")
        JsonNode eosTokenId;

        DecoderConfig toConfig() {
            if (modelType == null) {
                throw new IllegalArgumentException("config.json: model_type is missing, expected llama, qwen2 or mistral");
            }
            if (!"silu".equals(hiddenAct)) {
                throw new IllegalArgumentException("config.json: hidden_act " + hiddenAct + ", expected silu (SwiGLU)");
            }
            if (mlpBias) {
                throw new IllegalArgumentException("config.json: mlp_bias true, expected false (MLP biases are not supported)");
            }
            if (partialRotaryFactor != null && partialRotaryFactor != 1.0) {
                throw new IllegalArgumentException("config.json: partial_rotary_factor " + partialRotaryFactor
                        + ", expected 1.0 (partial rotary embeddings are not supported)");
            }
            boolean qwen2 = "qwen2".equals(modelType);
            int kvHeads = numKeyValueHeads != null ? numKeyValueHeads : numAttentionHeads;
            if (numAttentionHeads > 0 && headDim == null && hiddenSize % numAttentionHeads != 0) {
                throw new IllegalArgumentException("config.json: num_attention_heads " + numAttentionHeads
                        + " does not divide hidden_size " + hiddenSize + " and head_dim is absent");
            }
            int dim = headDim != null ? headDim : (numAttentionHeads > 0 ? hiddenSize / numAttentionHeads : 0);
            // LlamaConfig, MistralConfig and Qwen2Config all default tie_word_embeddings to false
            boolean tie = tieWordEmbeddings != null && tieWordEmbeddings;
            boolean bias = qwen2 || (attentionBias != null && attentionBias);
            return new DecoderConfig(modelType, vocabSize, hiddenSize, intermediateSize, numHiddenLayers,
                    numAttentionHeads, kvHeads, dim, positionLimit(), rmsNormEps, ropeTheta(), ropeScaling(), tie, bias,
                    bosTokenId == null ? -1 : bosTokenId, eosTokenIds());
        }

        private int positionLimit() {
            boolean windowed = slidingWindow != null && slidingWindow > 0
                    && ("mistral".equals(modelType) || Boolean.TRUE.equals(useSlidingWindow));
            return windowed ? Math.min(maxPositionEmbeddings, slidingWindow) : maxPositionEmbeddings;
        }

        private double ropeTheta() {
            if (ropeTheta != null) {
                return ropeTheta;
            }
            if (ropeParameters != null && ropeParameters.isObject() && ropeParameters.hasNonNull("rope_theta")) {
                if (!ropeParameters.get("rope_theta").isNumber()) {
                    throw new IllegalArgumentException("config.json: rope_parameters rope_theta "
                            + ropeParameters.get("rope_theta") + ", expected a number");
                }
                return ropeParameters.get("rope_theta").asDouble();
            }
            return 10000.0;
        }

        private RopeScaling ropeScaling() {
            String key = "rope_scaling";
            JsonNode scaling = ropeScaling;
            if (scaling == null || scaling.isNull()) {
                key = "rope_parameters";
                scaling = ropeParameters;
            }
            if (scaling == null || scaling.isNull()) {
                return null;
            }
            if (!scaling.isObject()) {
                throw new IllegalArgumentException("config.json: " + key + " " + scaling + ", expected an object");
            }
            String type = scaling.path("rope_type").asText(scaling.path("type").asText(null));
            if (type == null && key.equals("rope_parameters")) {
                return null; // rope_theta alone
            }
            if (type == null) {
                throw new IllegalArgumentException("config.json: " + key + " " + scaling
                        + " has neither rope_type nor type");
            }
            if ("default".equals(type)) {
                return null;
            }
            if (type.equals("yarn")) {
                requireDefault(key, scaling, "beta_fast", 32);
                requireDefault(key, scaling, "beta_slow", 1);
                for (String parameter : List.of("attention_factor", "mscale", "mscale_all_dim")) {
                    if (scaling.hasNonNull(parameter)) {
                        throw new IllegalArgumentException("config.json: " + key + " " + parameter + " "
                                + scaling.get(parameter) + ", expected it absent (only the default YaRN attention "
                                + "factor is supported)");
                    }
                }
            }
            int original = scaling.path("original_max_position_embeddings").asInt(maxPositionEmbeddings);
            return new RopeScaling(type, scaling.path("factor").asDouble(Double.NaN),
                    scaling.path("low_freq_factor").asDouble(0), scaling.path("high_freq_factor").asDouble(0),
                    original);
        }

        private static void requireDefault(String key, JsonNode scaling, String parameter, double expected) {
            if (scaling.hasNonNull(parameter) && scaling.get(parameter).asDouble() != expected) {
                throw new IllegalArgumentException("config.json: " + key + " " + parameter + " " + scaling.get(parameter)
                        + ", expected " + expected + " (the YaRN default; others are not supported)");
            }
        }

        private List<Integer> eosTokenIds() {
            List<Integer> ids = new ArrayList<>();
            if (eosTokenId == null || eosTokenId.isNull()) {
                return ids;
            }
            if (eosTokenId.isInt()) {
                ids.add(eosTokenId.intValue());
            } else if (eosTokenId.isArray()) {
                for (JsonNode id : eosTokenId) {
                    if (!id.isInt()) {
                        throw new IllegalArgumentException("config.json: eos_token_id " + eosTokenId
                                + ", expected an integer or a list of integers");
                    }
                    ids.add(id.intValue());
                }
            } else {
                throw new IllegalArgumentException("config.json: eos_token_id " + eosTokenId
                        + ", expected an integer or a list of integers");
            }
            return ids;
        }
    }
}
