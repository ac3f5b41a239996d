package io.textintel.serving.model;

import io.textintel.serving.config.EncoderConfig;
import io.textintel.serving.weights.WeightLoader;

/**
 * Where an encoder's tensors are in a Hugging Face checkpoint: the family's naming scheme and
 * the prefix the checkpoint's class put in front of it ({@code bert.}, {@code roberta.},
 * {@code distilbert.}, {@code mpnet.} or none).
 */
final class EncoderTensorNames {

    /** The parts of one transformer layer, each a linear layer or a LayerNorm. */
    enum LayerPart {
        QUERY, KEY, VALUE, ATTENTION_OUTPUT, ATTENTION_NORM, INTERMEDIATE, OUTPUT, OUTPUT_NORM
    }

    private static final String WORD_EMBEDDINGS = "embeddings.word_embeddings.weight";

    private final String prefix;
    private final boolean distilbert;
    private final boolean mpnet;

    private EncoderTensorNames(String prefix, boolean distilbert, boolean mpnet) {
        this.prefix = prefix;
        this.distilbert = distilbert;
        this.mpnet = mpnet;
    }

    /**
     * Detects the prefix from where the word embeddings are.
     *
     * @throws IllegalArgumentException if no tensor is named {@code <prefix>embeddings.word_embeddings.weight}
     */
    static EncoderTensorNames detect(EncoderConfig config, WeightLoader weights) {
        String found = null;
        for (String name : weights.tensorNames()) {
            if (name.endsWith(WORD_EMBEDDINGS)) {
                String candidate = name.substring(0, name.length() - WORD_EMBEDDINGS.length());
                if (candidate.isEmpty() || candidate.endsWith(".")) {
                    if (found == null || candidate.length() < found.length()) {
                        found = candidate;
                    }
                }
            }
        }
        if (found == null) {
            throw new IllegalArgumentException("checkpoint has no tensor named [prefix.]" + WORD_EMBEDDINGS
                    + ", expected a BERT, RoBERTa, XLM-R, DistilBERT or MPNet encoder; it has " + weights.tensorNames().size()
                    + " tensors");
        }
        return new EncoderTensorNames(found, "distilbert".equals(config.modelType()), config.isMpnet());
    }

    String prefix() {
        return prefix;
    }

    String wordEmbeddings() {
        return prefix + WORD_EMBEDDINGS;
    }

    String positionEmbeddings() {
        return prefix + "embeddings.position_embeddings.weight";
    }

    String tokenTypeEmbeddings() {
        return prefix + "embeddings.token_type_embeddings.weight";
    }

    /** Base name of the embeddings' LayerNorm (without {@code .weight}). */
    String embeddingNorm() {
        return prefix + "embeddings.LayerNorm";
    }

    /** Base name (without {@code .weight} / {@code .bias}) of a part of layer {@code layer}. */
    String layer(int layer, LayerPart part) {
        if (distilbert) {
            String base = prefix + "transformer.layer." + layer + ".";
            switch (part) {
                case QUERY: return base + "attention.q_lin";
                case KEY: return base + "attention.k_lin";
                case VALUE: return base + "attention.v_lin";
                case ATTENTION_OUTPUT: return base + "attention.out_lin";
                case ATTENTION_NORM: return base + "sa_layer_norm";
                case INTERMEDIATE: return base + "ffn.lin1";
                case OUTPUT: return base + "ffn.lin2";
                case OUTPUT_NORM: return base + "output_layer_norm";
                default: throw new IllegalArgumentException("unknown layer part " + part);
            }
        }
        String base = prefix + "encoder.layer." + layer + ".";
        if (mpnet) {
            switch (part) {
                case QUERY: return base + "attention.attn.q";
                case KEY: return base + "attention.attn.k";
                case VALUE: return base + "attention.attn.v";
                case ATTENTION_OUTPUT: return base + "attention.attn.o";
                case ATTENTION_NORM: return base + "attention.LayerNorm";
                default: break; // the feed-forward block is named as BERT's
            }
        }
        switch (part) {
            case QUERY: return base + "attention.self.query";
            case KEY: return base + "attention.self.key";
            case VALUE: return base + "attention.self.value";
            case ATTENTION_OUTPUT: return base + "attention.output.dense";
            case ATTENTION_NORM: return base + "attention.output.LayerNorm";
            case INTERMEDIATE: return base + "intermediate.dense";
            case OUTPUT: return base + "output.dense";
            case OUTPUT_NORM: return base + "output.LayerNorm";
            default: throw new IllegalArgumentException("unknown layer part " + part);
        }
    }

    /** MPNet's relative position bias table, {@code [buckets, heads]}, shared by all layers. */
    String relativeAttentionBias() {
        return prefix + "encoder.relative_attention_bias.weight";
    }

    /** Base name of the BERT pooler's dense layer. */
    String pooler() {
        return prefix + "pooler.dense";
    }
}
