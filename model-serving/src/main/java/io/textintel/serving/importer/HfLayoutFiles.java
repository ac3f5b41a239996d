package io.textintel.serving.importer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.textintel.serving.config.EncoderConfig;
import io.textintel.serving.config.PoolingMode;

/**
 * The JSON files of a Hugging Face / sentence-transformers model directory, built from what an
 * import knows: {@code config.json}, {@code tokenizer.json} without its embedded limits,
 * {@code tokenizer_config.json}, {@code modules.json}, the pooling module's {@code config.json}
 * and {@code sentence_bert_config.json}.
 */
final class HfLayoutFiles {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private HfLayoutFiles() {}

    /** {@code config.json} with transformers' key names (DistilBERT's own where it has them). */
    static ObjectNode config(EncoderConfig config) {
        ObjectNode node = JSON.objectNode();
        ArrayNode architectures = node.putArray("architectures");
        config.architectures().forEach(architectures::add);
        node.put("model_type", config.modelType());
        if (config.modelType().equals("distilbert")) {
            node.put("dim", config.hiddenSize());
            node.put("n_layers", config.numHiddenLayers());
            node.put("n_heads", config.numAttentionHeads());
            node.put("hidden_dim", config.intermediateSize());
            node.put("activation", config.hiddenAct());
            node.put("max_position_embeddings", config.maxPositionEmbeddings());
            node.put("vocab_size", config.vocabSize());
            node.put("pad_token_id", config.padTokenId());
            node.put("layer_norm_eps", config.layerNormEps());
            node.put("sinusoidal_pos_embds", false);
            node.put("torch_dtype", "float32");
            return node;
        }
        node.put("hidden_size", config.hiddenSize());
        node.put("num_hidden_layers", config.numHiddenLayers());
        node.put("num_attention_heads", config.numAttentionHeads());
        node.put("intermediate_size", config.intermediateSize());
        node.put("hidden_act", config.hiddenAct());
        node.put("max_position_embeddings", config.maxPositionEmbeddings());
        node.put("type_vocab_size", config.typeVocabSize());
        node.put("vocab_size", config.vocabSize());
        node.put("layer_norm_eps", config.layerNormEps());
        node.put("pad_token_id", config.padTokenId());
        node.put("position_embedding_type", config.positionEmbeddingType());
        node.put("hidden_dropout_prob", 0.1);
        node.put("attention_probs_dropout_prob", 0.1);
        node.put("torch_dtype", "float32");
        return node;
    }

    /**
     * The tokenizer with {@code truncation} and {@code padding} set to null: an export's tokenizer
     * often carries the limits its first user chose (LangChain4j's: truncate and pad to 128), while
     * the engine truncates to its own limits and packs sequences unpadded.
     */
    static ObjectNode tokenizerWithoutLimits(JsonNode tokenizer) {
        if (!tokenizer.isObject() || !tokenizer.has("model")) {
            throw new IllegalArgumentException("tokenizer.json has no 'model' object, expected a Hugging Face"
                    + " tokenizers file");
        }
        ObjectNode copy = ((ObjectNode) tokenizer).deepCopy();
        copy.putNull("truncation");
        copy.putNull("padding");
        return copy;
    }

    /** The padding id the tokenizer names (its {@code padding.pad_id}, or the {@code [PAD]}/{@code <pad>} token). */
    static int padTokenId(JsonNode tokenizer, int fallback) {
        JsonNode padId = tokenizer.path("padding").path("pad_id");
        if (padId.isInt()) {
            return padId.intValue();
        }
        for (JsonNode added : tokenizer.path("added_tokens")) {
            String content = added.path("content").asText();
            if (content.equals("[PAD]") || content.equals("<pad>")) {
                return added.path("id").asInt(fallback);
            }
        }
        return fallback;
    }

    /** {@code tokenizer_config.json}: the length limit, lower-casing and special tokens transformers reads. */
    static ObjectNode tokenizerConfig(JsonNode tokenizer, int modelMaxLength) {
        ObjectNode node = JSON.objectNode();
        node.put("model_max_length", modelMaxLength);
        boolean wordPiece = "WordPiece".equals(tokenizer.path("model").path("type").asText());
        if (wordPiece) {
            node.put("tokenizer_class", "BertTokenizer");
            node.put("do_lower_case", tokenizer.path("normalizer").path("lowercase").asBoolean(false));
        }
        for (JsonNode added : tokenizer.path("added_tokens")) {
            String content = added.path("content").asText();
            switch (content) {
                case "[CLS]", "<s>" -> node.put("cls_token", content);
                case "[SEP]", "</s>" -> node.put("sep_token", content);
                case "[PAD]", "<pad>" -> node.put("pad_token", content);
                case "[MASK]", "<mask>" -> node.put("mask_token", content);
                case "[UNK]", "<unk>" -> node.put("unk_token", content);
                default -> { }
            }
        }
        return node;
    }

    /** {@code modules.json}: Transformer, Pooling and (when normalising) Normalize. */
    static ArrayNode modules(boolean normalize) {
        ArrayNode modules = JSON.arrayNode();
        modules.add(module(0, "", "Transformer"));
        modules.add(module(1, "1_Pooling", "Pooling"));
        if (normalize) {
            modules.add(module(2, "2_Normalize", "Normalize"));
        }
        return modules;
    }

    private static ObjectNode module(int index, String path, String type) {
        ObjectNode node = JSON.objectNode();
        node.put("idx", index);
        node.put("name", Integer.toString(index));
        node.put("path", path);
        node.put("type", "sentence_transformers.models." + type);
        return node;
    }

    /** {@code 1_Pooling/config.json} with exactly the one mode enabled. */
    static ObjectNode pooling(PoolingMode mode, int dimension) {
        ObjectNode node = JSON.objectNode();
        node.put("word_embedding_dimension", dimension);
        node.put("pooling_mode_cls_token", mode == PoolingMode.CLS);
        node.put("pooling_mode_mean_tokens", mode == PoolingMode.MEAN);
        node.put("pooling_mode_max_tokens", mode == PoolingMode.MAX);
        node.put("pooling_mode_mean_sqrt_len_tokens", mode == PoolingMode.MEAN_SQRT_LEN);
        node.put("pooling_mode_weightedmean_tokens", false);
        node.put("pooling_mode_lasttoken", false);
        node.put("include_prompt", true);
        return node;
    }

    /** {@code sentence_bert_config.json}: the length sentence-transformers truncates to. */
    static ObjectNode sentenceBertConfig(int maxSeqLength) {
        ObjectNode node = JSON.objectNode();
        node.put("max_seq_length", maxSeqLength);
        node.put("do_lower_case", false);
        return node;
    }
}
