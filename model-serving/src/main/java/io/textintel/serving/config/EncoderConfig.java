package io.textintel.serving.config;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What a checkpoint's {@code config.json} says about an encoder model: fixed by the checkpoint,
 * validated once when read.
 *
 * <p>The Hugging Face key names are mapped onto these components in one place, {@link Json},
 * including DistilBERT's own names ({@code dim}, {@code n_layers}, {@code n_heads},
 * {@code hidden_dim}, {@code activation}).
 *
 * @param modelType {@code model_type}, e.g. {@code bert}, {@code roberta}, {@code xlm-roberta}, {@code distilbert},
 *     {@code mpnet}
 * @param architectures {@code architectures}, e.g. {@code [BertForSequenceClassification]}; may be empty
 * @param hiddenSize {@code hidden_size}
 * @param numHiddenLayers {@code num_hidden_layers}
 * @param numAttentionHeads {@code num_attention_heads}
 * @param intermediateSize {@code intermediate_size}
 * @param hiddenAct {@code hidden_act}, e.g. {@code gelu}
 * @param maxPositionEmbeddings {@code max_position_embeddings}
 * @param typeVocabSize {@code type_vocab_size}; 0 when the model has no token type embeddings
 * @param vocabSize {@code vocab_size}
 * @param layerNormEps {@code layer_norm_eps}
 * @param padTokenId {@code pad_token_id}
 * @param labels {@code id2label} values in id order; empty when the config names none
 * @param problemType {@code problem_type}, e.g. {@code multi_label_classification}; may be null
 * @param positionEmbeddingType {@code position_embedding_type}
 */
public record EncoderConfig(
        String modelType,
        List<String> architectures,
        int hiddenSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int intermediateSize,
        String hiddenAct,
        int maxPositionEmbeddings,
        int typeVocabSize,
        int vocabSize,
        double layerNormEps,
        int padTokenId,
        List<String> labels,
        String problemType,
        String positionEmbeddingType) {

    /** The file name inside a model directory. */
    public static final String FILE_NAME = "config.json";

    /** The padding index MPNet's embeddings are built with ({@code MPNetEmbeddings.padding_idx}). */
    private static final int MPNET_PADDING_INDEX = 1;

    private static final ObjectMapper MAPPER =
            new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    public EncoderConfig {
        Objects.requireNonNull(modelType, "modelType");
        architectures = List.copyOf(architectures == null ? List.of() : architectures);
        labels = List.copyOf(labels == null ? List.of() : labels);
        positionEmbeddingType = positionEmbeddingType == null ? "absolute" : positionEmbeddingType;
        requirePositive("hidden_size", hiddenSize);
        requirePositive("num_hidden_layers", numHiddenLayers);
        requirePositive("num_attention_heads", numAttentionHeads);
        requirePositive("intermediate_size", intermediateSize);
        requirePositive("max_position_embeddings", maxPositionEmbeddings);
        requirePositive("vocab_size", vocabSize);
        if (hiddenSize % numAttentionHeads != 0) {
            throw new IllegalArgumentException("config.json: num_attention_heads " + numAttentionHeads
                    + " does not divide hidden_size " + hiddenSize);
        }
        if (typeVocabSize < 0) {
            throw new IllegalArgumentException("config.json: type_vocab_size " + typeVocabSize + ", expected >= 0");
        }
        if (!(layerNormEps > 0)) {
            throw new IllegalArgumentException("config.json: layer_norm_eps " + layerNormEps + ", expected > 0");
        }
        if (padTokenId < 0 || padTokenId >= vocabSize) {
            throw new IllegalArgumentException("config.json: pad_token_id " + padTokenId
                    + ", expected 0 <= pad_token_id < vocab_size " + vocabSize);
        }
        if (hiddenAct == null || hiddenAct.isBlank()) {
            throw new IllegalArgumentException("config.json: hidden_act is missing, expected e.g. gelu");
        }
    }

    /**
     * Reads {@code config.json} from a model directory.
     *
     * @throws IOException if the file cannot be read or is not JSON
     * @throws IllegalArgumentException naming the key and value when the content is invalid
     */
    public static EncoderConfig read(Path modelDir) throws IOException {
        Path file = modelDir.resolve(FILE_NAME);
        if (!Files.isRegularFile(file)) {
            throw new IOException("model directory " + modelDir + " has no " + FILE_NAME);
        }
        return MAPPER.readValue(file.toFile(), Json.class).toConfig();
    }

    /** Parses the text of a {@code config.json}. */
    public static EncoderConfig parse(String json) throws IOException {
        return MAPPER.readValue(json, Json.class).toConfig();
    }

    /** Whether {@code problem_type} asks for independent sigmoid scores rather than a softmax. */
    public boolean multiLabel() {
        return "multi_label_classification".equals(problemType);
    }

    /** Whether the model family offsets positions past the padding id, as RoBERTa, XLM-R and MPNet do. */
    public boolean offsetsPositionsByPadding() {
        return modelType.equals("roberta") || modelType.equals("xlm-roberta") || modelType.equals("camembert")
                || isMpnet();
    }

    /**
     * The position id of a sequence's first token: {@code padding_idx + 1} where positions skip the
     * padding slot, else 0. MPNet's embeddings fix {@code padding_idx} at 1 whatever
     * {@code pad_token_id} says; RoBERTa's take {@code pad_token_id}.
     */
    public int positionOffset() {
        if (isMpnet()) {
            return MPNET_PADDING_INDEX + 1;
        }
        return offsetsPositionsByPadding() ? padTokenId + 1 : 0;
    }

    /** Whether the model is an MPNet, whose attention adds a relative position bias shared by all layers. */
    public boolean isMpnet() {
        return modelType.equals("mpnet");
    }

    /** The longest input, special tokens included, the position embeddings allow. */
    public int maxSequenceLength() {
        return maxPositionEmbeddings - positionOffset();
    }

    /** Size of each attention head. */
    public int headDim() {
        return hiddenSize / numAttentionHeads;
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
        String modelType = "bert";

        @JsonProperty("architectures")
        List<String> architectures = List.of();

        @JsonProperty("hidden_size")
        @JsonAlias("dim")
        int hiddenSize;

        @JsonProperty("num_hidden_layers")
        @JsonAlias("n_layers")
        int numHiddenLayers;

        @JsonProperty("num_attention_heads")
        @JsonAlias("n_heads")
        int numAttentionHeads;

        @JsonProperty("intermediate_size")
        @JsonAlias("hidden_dim")
        int intermediateSize;

        @JsonProperty("hidden_act")
        @JsonAlias("activation")
        String hiddenAct = "gelu";

        @JsonProperty("max_position_embeddings")
        int maxPositionEmbeddings = 512;

        @JsonProperty("type_vocab_size")
        Integer typeVocabSize;

        @JsonProperty("vocab_size")
        int vocabSize;

        @JsonProperty("layer_norm_eps")
        double layerNormEps = 1e-12;

        @JsonProperty("pad_token_id")
        Integer padTokenId;

        @JsonProperty("id2label")
        Map<String, String> id2label = Map.of();

        @JsonProperty("problem_type")
        String problemType;

        @JsonProperty("position_embedding_type")
        String positionEmbeddingType = "absolute";

        EncoderConfig toConfig() {
            // DistilBERT and MPNet have no token type embeddings; MPNet pads with id 1
            boolean noTypes = "distilbert".equals(modelType) || "mpnet".equals(modelType);
            int types = typeVocabSize != null ? typeVocabSize : (noTypes ? 0 : 2);
            int pad = padTokenId != null ? padTokenId : ("mpnet".equals(modelType) ? 1 : 0);
            return new EncoderConfig(modelType, architectures, hiddenSize, numHiddenLayers, numAttentionHeads,
                    intermediateSize, hiddenAct, maxPositionEmbeddings, types, vocabSize, layerNormEps, pad,
                    labelsInIdOrder(id2label), problemType, positionEmbeddingType);
        }

        private static List<String> labelsInIdOrder(Map<String, String> id2label) {
            if (id2label == null || id2label.isEmpty()) {
                return List.of();
            }
            TreeMap<Integer, String> byId = new TreeMap<>();
            for (Map.Entry<String, String> entry : id2label.entrySet()) {
                try {
                    byId.put(Integer.parseInt(entry.getKey().trim()), entry.getValue());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("config.json: id2label key " + entry.getKey()
                            + " is not an integer, expected label ids 0.." + (id2label.size() - 1), e);
                }
            }
            if (byId.firstKey() != 0 || byId.lastKey() != byId.size() - 1) {
                throw new IllegalArgumentException("config.json: id2label ids " + byId.keySet()
                        + ", expected the contiguous ids 0.." + (byId.size() - 1));
            }
            return new ArrayList<>(byId.values());
        }
    }
}
