package io.textintel.serving.tools;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.textintel.serving.weights.DType;
import io.textintel.serving.weights.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/**
 * Writes random BERT weights under their Hugging Face names, and the matching {@code config.json}.
 *
 * <p>Every tensor draws from its own {@link Random} seeded by the spec's seed and the tensor's
 * name without prefix, so a classifier and an embedder of one seed share their encoder, and the
 * output does not depend on the order tensors are written in.
 */
final class BertCheckpointWriter {

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

    /** Adds embeddings, encoder layers and pooler. */
    BertCheckpointWriter addEncoder() {
        int hidden = spec.hiddenSize();
        float[] wordEmbeddings = normal("embeddings.word_embeddings.weight", (long) vocabularySize * hidden,
                TinyBertSpec.INITIALIZER_RANGE);
        java.util.Arrays.fill(wordEmbeddings, 0, hidden, 0f); // padding_idx row, as nn.Embedding(padding_idx=0)
        add("embeddings.word_embeddings.weight", new long[] {vocabularySize, hidden}, wordEmbeddings);
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
            addLinear(base + "intermediate.dense", spec.intermediateSize(), hidden);
            addLinear(base + "output.dense", hidden, spec.intermediateSize());
            addLayerNorm(base + "output.LayerNorm");
        }
        addLinear("pooler.dense", hidden, hidden);
        return this;
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

    /** The {@code config.json} of a BertModel with this spec. */
    ObjectNode config(List<String> architectures) {
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
