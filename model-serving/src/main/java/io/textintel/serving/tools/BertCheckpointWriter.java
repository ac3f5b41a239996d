package io.textintel.serving.tools;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.textintel.serving.weights.DType;
import io.textintel.serving.weights.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Writes random BERT or MPNet weights under their Hugging Face names, and the matching
 * {@code config.json}.
 *
 * <p>Every tensor draws from its own {@link Random} seeded by the spec's seed and the tensor's
 * name without prefix, so a classifier and an embedder of one seed share their encoder, and the
 * output does not depend on the order tensors are written in.
 */
final class BertCheckpointWriter {

    /** MPNet's padding id, which its embeddings' {@code padding_idx} is fixed at. */
    static final int MPNET_PAD_ID = 1;

    /** Rows of MPNet's relative attention bias ({@code relative_attention_num_buckets}). */
    private static final int RELATIVE_BUCKETS = 32;

    private final TinyBertSpec spec;
    private final int vocabularySize;
    private final String prefix;
    private final SafetensorsWriter writer = new SafetensorsWriter();

    /**
     * @param prefix prepended to every encoder tensor name: "" for BertModel, "bert." for heads
     */
    BertCheckpointWriter(TinyBertSpec spec, int vocabularySize, String prefix) {
        this.spec = spec;
        this.vocabularySize = vocabularySize;
        this.prefix = prefix;
    }

    /** Adds embeddings, encoder layers and pooler, named as {@code spec.family()} names them. */
    BertCheckpointWriter addEncoder() {
        return spec.family() == TinyBertSpec.Family.MPNET ? addMpnetEncoder() : addBertEncoder();
    }

    private BertCheckpointWriter addBertEncoder() {
        int hidden = spec.hiddenSize();
        addEmbedding("embeddings.word_embeddings.weight", vocabularySize, 0); // nn.Embedding(padding_idx=0)
        addWeight("embeddings.position_embeddings.weight", spec.maxPositions(), hidden);
        addWeight("embeddings.token_type_embeddings.weight", spec.typeVocabSize(), hidden);
        addLayerNorm("embeddings.LayerNorm");
        for (int layer = 0; layer < spec.layers(); layer++) {
            String base = "encoder.layer." + layer + ".";
            addLinear(base + "attention.self.query", hidden, hidden);
            addLinear(base + "attention.self.key", hidden, hidden);
            addLinear(base + "attention.self.value", hidden, hidden);
            addLinear(base + "attention.output.dense", hidden, hidden);
            addLayerNorm(base + "attention.output.LayerNorm");
            addFeedForward(base);
        }
        addLinear("pooler.dense", hidden, hidden);
        return this;
    }

    /**
     * MPNet's layout: no token types, position rows for the tokens plus the two slots its
     * positions skip, q/k/v/o under {@code attention.attn}, and the relative attention bias
     * {@code [32, heads]} shared by all layers.
     */
    private BertCheckpointWriter addMpnetEncoder() {
        int hidden = spec.hiddenSize();
        addEmbedding("embeddings.word_embeddings.weight", vocabularySize, MPNET_PAD_ID);
        addEmbedding("embeddings.position_embeddings.weight", mpnetPositions(), MPNET_PAD_ID);
        addLayerNorm("embeddings.LayerNorm");
        for (int layer = 0; layer < spec.layers(); layer++) {
            String base = "encoder.layer." + layer + ".";
            addLinear(base + "attention.attn.q", hidden, hidden);
            addLinear(base + "attention.attn.k", hidden, hidden);
            addLinear(base + "attention.attn.v", hidden, hidden);
            addLinear(base + "attention.attn.o", hidden, hidden);
            addLayerNorm(base + "attention.LayerNorm");
            addFeedForward(base);
        }
        String bias = "encoder.relative_attention_bias.weight";
        float[] table = normal(bias, (long) RELATIVE_BUCKETS * spec.heads(), TinyBertSpec.INITIALIZER_RANGE);
        float[] noise = normal(bias + ".noise", table.length, spec.biasAndNormStd());
        for (int i = 0; i < table.length; i++) {
            table[i] += noise[i];
        }
        add(bias, new long[] {RELATIVE_BUCKETS, spec.heads()}, table);
        addLinear("pooler.dense", hidden, hidden);
        return this;
    }

    private void addFeedForward(String base) {
        addLinear(base + "intermediate.dense", spec.intermediateSize(), spec.hiddenSize());
        addLinear(base + "output.dense", spec.hiddenSize(), spec.intermediateSize());
        addLayerNorm(base + "output.LayerNorm");
    }

    /** MPNet's {@code max_position_embeddings}: the tokenizer's maximum plus the skipped slots 0 and 1. */
    private int mpnetPositions() {
        return spec.maxPositions() + MPNET_PAD_ID + 1;
    }

    /** Adds {@code classifier.weight} [labels, hidden] and {@code classifier.bias} [labels], unprefixed. */
    BertCheckpointWriter addClassifier(int labels) {
        long[] weightShape = {labels, spec.hiddenSize()};
        writer.add("classifier.weight", spec.dtype(), weightShape,
                normal("classifier.weight", (long) labels * spec.hiddenSize(), TinyBertSpec.INITIALIZER_RANGE));
        writer.add("classifier.bias", spec.dtype(), new long[] {labels},
                normal("classifier.bias", labels, spec.biasAndNormStd()));
        return this;
    }

    void write(Path file) throws IOException {
        writer.write(file);
    }

    /**
     * Writes a sentence-transformers {@code Dense} module's weights, {@code linear.weight}
     * {@code [out, in]} and {@code linear.bias} {@code [out]}, drawn as {@code nn.Linear} initialises
     * them: uniform in {@code ±1/sqrt(in)}.
     */
    static void writeDense(TinyBertSpec spec, int inFeatures, int outFeatures, Path file) throws IOException {
        double bound = 1.0 / Math.sqrt(inFeatures);
        SafetensorsWriter dense = new SafetensorsWriter();
        dense.add("linear.weight", spec.dtype(), new long[] {outFeatures, inFeatures},
                uniform(spec.seed(), "linear.weight", outFeatures * inFeatures, bound));
        dense.add("linear.bias", spec.dtype(), new long[] {outFeatures},
                uniform(spec.seed(), "linear.bias", outFeatures, bound));
        dense.write(file);
    }

    private static float[] uniform(long seed, String name, int count, double bound) {
        Random random = new Random(seed * 0x9E37_79B9_7F4A_7C15L + name.hashCode());
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = (float) ((2 * random.nextDouble() - 1) * bound);
        }
        return values;
    }

    /** The {@code config.json} of a BertModel (or MPNetModel, per the spec's family) with this spec. */
    ObjectNode config(List<String> architectures) {
        if (spec.family() == TinyBertSpec.Family.MPNET) {
            return mpnetConfig(architectures);
        }
        ObjectNode config = TokenizerFiles.JSON.createObjectNode();
        var architecturesNode = config.putArray("architectures");
        architectures.forEach(architecturesNode::add);
        config.put("attention_probs_dropout_prob", 0.1)
                .putNull("classifier_dropout");
        config.put("hidden_act", "gelu")
                .put("hidden_dropout_prob", 0.1)
                .put("hidden_size", spec.hiddenSize())
                .put("initializer_range", TinyBertSpec.INITIALIZER_RANGE)
                .put("intermediate_size", spec.intermediateSize())
                .put("layer_norm_eps", 1e-12)
                .put("max_position_embeddings", spec.maxPositions())
                .put("model_type", "bert")
                .put("num_attention_heads", spec.heads())
                .put("num_hidden_layers", spec.layers())
                .put("pad_token_id", 0)
                .put("position_embedding_type", "absolute")
                .put("torch_dtype", torchDtype(spec.dtype()))
                .put("transformers_version", "4.44.2")
                .put("type_vocab_size", spec.typeVocabSize())
                .put("use_cache", true)
                .put("vocab_size", vocabularySize);
        return config;
    }

    private ObjectNode mpnetConfig(List<String> architectures) {
        ObjectNode config = TokenizerFiles.JSON.createObjectNode();
        var architecturesNode = config.putArray("architectures");
        architectures.forEach(architecturesNode::add);
        config.put("attention_probs_dropout_prob", 0.1)
                .put("bos_token_id", 0)
                .put("eos_token_id", 2)
                .put("hidden_act", "gelu")
                .put("hidden_dropout_prob", 0.1)
                .put("hidden_size", spec.hiddenSize())
                .put("initializer_range", TinyBertSpec.INITIALIZER_RANGE)
                .put("intermediate_size", spec.intermediateSize())
                .put("layer_norm_eps", 1e-5)
                .put("max_position_embeddings", mpnetPositions())
                .put("model_type", "mpnet")
                .put("num_attention_heads", spec.heads())
                .put("num_hidden_layers", spec.layers())
                .put("pad_token_id", MPNET_PAD_ID)
                .put("relative_attention_num_buckets", RELATIVE_BUCKETS)
                .put("torch_dtype", torchDtype(spec.dtype()))
                .put("transformers_version", "4.44.2")
                .put("vocab_size", vocabularySize);
        return config;
    }

    private static String torchDtype(DType dtype) {
        return switch (dtype) {
            case F16 -> "float16";
            case BF16 -> "bfloat16";
            default -> "float32";
        };
    }

    private void addLinear(String name, int outFeatures, int inFeatures) {
        addWeight(name + ".weight", outFeatures, inFeatures); // [out, in], as nn.Linear stores it
        add(name + ".bias", new long[] {outFeatures}, normal(name + ".bias", outFeatures, spec.biasAndNormStd()));
    }

    /** An embedding table whose padding row is zero, as {@code nn.Embedding(padding_idx)} initialises it. */
    private void addEmbedding(String name, int rows, int paddingRow) {
        int hidden = spec.hiddenSize();
        float[] table = normal(name, (long) rows * hidden, TinyBertSpec.INITIALIZER_RANGE);
        Arrays.fill(table, paddingRow * hidden, (paddingRow + 1) * hidden, 0f);
        add(name, new long[] {rows, hidden}, table);
    }

    private void addWeight(String name, int rows, int columns) {
        add(name, new long[] {rows, columns}, normal(name, (long) rows * columns, TinyBertSpec.INITIALIZER_RANGE));
    }

    private void addLayerNorm(String name) {
        int hidden = spec.hiddenSize();
        float[] weight = normal(name + ".weight", hidden, spec.biasAndNormStd());
        for (int i = 0; i < hidden; i++) {
            weight[i] += 1f;
        }
        add(name + ".weight", new long[] {hidden}, weight);
        add(name + ".bias", new long[] {hidden}, normal(name + ".bias", hidden, spec.biasAndNormStd()));
    }

    private void add(String name, long[] shape, float[] values) {
        writer.add(prefix + name, spec.dtype(), shape, values);
    }

    /** {@code count} draws of N(0, std) from a generator of its own for {@code name}; zeros if std is 0. */
    private float[] normal(String name, long count, double std) {
        if (count > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("tensor " + name + " would have " + count + " elements, too many for "
                    + "the generator; choose a smaller spec");
        }
        float[] values = new float[(int) count];
        if (std == 0) {
            return values;
        }
        Random random = new Random(spec.seed() * 0x9E37_79B9_7F4A_7C15L + name.hashCode());
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (random.nextGaussian() * std);
        }
        return values;
    }
}
