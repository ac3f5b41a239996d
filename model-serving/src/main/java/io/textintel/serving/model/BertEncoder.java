package io.textintel.serving.model;

import io.textintel.serving.backend.Activation;
import io.textintel.serving.backend.Backend;
import io.textintel.serving.backend.LinearWeights;
import io.textintel.serving.batch.TokenBatch;
import io.textintel.serving.config.EncoderConfig;
import io.textintel.serving.model.EncoderTensorNames.LayerPart;
import io.textintel.serving.tensor.SequenceSpans;
import io.textintel.serving.tensor.Tensor;
import io.textintel.serving.weights.WeightLoader;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A BERT-family transformer encoder (BERT, RoBERTa, XLM-R, DistilBERT, MPNet): token ids in, one
 * hidden state per token out.
 *
 * <p>MPNet is BERT's post-norm layer with two differences: no token type embeddings, and a
 * {@link RelativePositionBias} shared by all layers added to the attention scores.
 *
 * <p>The weights are read once into backend-prepared, read-only form; every {@link #forward} call
 * allocates its own activations, so one encoder serves concurrent calls. The backend is borrowed,
 * not owned.
 */
public final class BertEncoder {

    private final EncoderConfig config;
    private final Backend backend;
    private final Activation activation;
    private final float epsilon;
    private final int positionOffset;
    private final Tensor wordEmbeddings; // [vocab, hidden]
    private final Tensor positionEmbeddings; // [maxPositions, hidden]
    private final Tensor tokenTypeEmbeddings; // [typeVocab, hidden] or null
    private final Tensor embeddingNormGamma; // [hidden]
    private final Tensor embeddingNormBeta; // [hidden]
    private final RelativePositionBias relativeBias; // MPNet's, else null
    private final List<Layer> layers;

    /** One transformer layer's parameters. */
    private record Layer(
            LinearWeights qkv, // [hidden] -> [3 * hidden]: query, key, value side by side
            LinearWeights attentionOutput, // [hidden] -> [hidden]
            Tensor attentionNormGamma, // [hidden]
            Tensor attentionNormBeta, // [hidden]
            LinearWeights intermediate, // [hidden] -> [intermediate]
            LinearWeights output, // [intermediate] -> [hidden]
            Tensor outputNormGamma, // [hidden]
            Tensor outputNormBeta) {} // [hidden]

    private BertEncoder(EncoderConfig config, Backend backend, EncoderTensorNames names, CheckpointTensors tensors) {
        this.config = config;
        this.backend = backend;
        this.activation = Activation.fromHuggingFace(config.hiddenAct());
        this.epsilon = (float) config.layerNormEps();
        // RoBERTa, XLM-R and MPNet number positions from padding_idx + 1 (their position ids skip the pad slot)
        this.positionOffset = config.positionOffset();
        int hidden = config.hiddenSize();
        this.wordEmbeddings = tensors.matrix(names.wordEmbeddings(), config.vocabSize(), hidden);
        this.positionEmbeddings = tensors.matrix(names.positionEmbeddings(), config.maxPositionEmbeddings(), hidden);
        this.tokenTypeEmbeddings = config.typeVocabSize() > 0 && tensors.contains(names.tokenTypeEmbeddings())
                ? tensors.matrix(names.tokenTypeEmbeddings(), config.typeVocabSize(), hidden)
                : null;
        Tensor[] embeddingNorm = tensors.layerNorm(names.embeddingNorm(), hidden);
        this.embeddingNormGamma = embeddingNorm[0];
        this.embeddingNormBeta = embeddingNorm[1];
        this.relativeBias = config.isMpnet() ? new RelativePositionBias(
                tensors.matrix(names.relativeAttentionBias(), tensors.rows(names.relativeAttentionBias()),
                        config.numAttentionHeads()),
                config.numAttentionHeads()) : null;
        List<Layer> loaded = new ArrayList<>();
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            loaded.add(loadLayer(i, names, tensors));
        }
        this.layers = List.copyOf(loaded);
    }

    /**
     * Reads the encoder's weights from a checkpoint and prepares them on {@code backend}.
     *
     * @throws IllegalArgumentException naming the tensor, or the config value, that does not fit
     */
    public static BertEncoder load(EncoderConfig config, WeightLoader weights, Backend backend) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(weights, "weights");
        Objects.requireNonNull(backend, "backend");
        if (!"absolute".equals(config.positionEmbeddingType())) {
            throw new IllegalArgumentException("config.json: position_embedding_type " + config.positionEmbeddingType()
                    + ", expected absolute");
        }
        if (config.isMpnet() && !backend.supportsAttentionBias()) {
            throw new IllegalArgumentException("model_type mpnet needs an attention bias (its relative position"
                    + " bias), which backend " + backend.name() + " cannot add; expected a backend that can, e.g. cpu");
        }
        return new BertEncoder(config, backend, EncoderTensorNames.detect(config, weights),
                new CheckpointTensors(weights, backend));
    }

    private Layer loadLayer(int i, EncoderTensorNames names, CheckpointTensors tensors) {
        int hidden = config.hiddenSize();
        int intermediate = config.intermediateSize();
        Tensor[] attentionNorm = tensors.layerNorm(names.layer(i, LayerPart.ATTENTION_NORM), hidden);
        Tensor[] outputNorm = tensors.layerNorm(names.layer(i, LayerPart.OUTPUT_NORM), hidden);
        return new Layer(
                tensors.stackedLinear(List.of(names.layer(i, LayerPart.QUERY), names.layer(i, LayerPart.KEY),
                        names.layer(i, LayerPart.VALUE)), hidden, hidden),
                tensors.linear(names.layer(i, LayerPart.ATTENTION_OUTPUT), hidden, hidden),
                attentionNorm[0],
                attentionNorm[1],
                tensors.linear(names.layer(i, LayerPart.INTERMEDIATE), intermediate, hidden),
                tensors.linear(names.layer(i, LayerPart.OUTPUT), hidden, intermediate),
                outputNorm[0],
                outputNorm[1]);
    }

    /** The checkpoint's configuration. */
    public EncoderConfig config() {
        return config;
    }

    /** The backend the encoder runs on. */
    public Backend backend() {
        return backend;
    }

    /**
     * Runs the encoder over a batch.
     *
     * @return the last layer's hidden states, {@code [batch rows, hidden]}; padding rows hold
     *     values that mean nothing
     * @throws IllegalArgumentException if a token id is outside the vocabulary or a sequence is
     *     longer than the position embeddings allow
     */
    public Tensor forward(TokenBatch batch) {
        SequenceSpans spans = batch.spans();
        int rows = spans.rows();
        int hidden = config.hiddenSize();
        if (spans.maxLength() > config.maxSequenceLength()) {
            throw new IllegalArgumentException("sequence of " + spans.maxLength() + " tokens, expected at most "
                    + config.maxSequenceLength() + " for this model");
        }

        // embeddings: word + position (+ token type 0, where the model has token types), then LayerNorm
        Tensor x = Tensor.zeros(rows, hidden); // [rows, hidden]
        backend.gather(wordEmbeddings, batch.ids(), false, x);
        backend.gather(positionEmbeddings, positionIds(spans), true, x);
        if (tokenTypeEmbeddings != null) {
            backend.gather(tokenTypeEmbeddings, new int[rows], true, x);
        }
        backend.layerNorm(x, null, embeddingNormGamma, embeddingNormBeta, epsilon, x);

        // MPNet: one relative position bias for all layers and sequences, from each sequence's first token
        Tensor bias = relativeBias == null ? null : relativeBias.forLength(spans.maxLength()); // [heads, n, n]

        Tensor qkv = Tensor.zeros(rows, 3 * hidden); // [rows, 3 * hidden]
        Tensor context = Tensor.zeros(rows, hidden); // [rows, hidden]
        Tensor projected = Tensor.zeros(rows, hidden); // [rows, hidden]
        Tensor intermediate = Tensor.zeros(rows, config.intermediateSize()); // [rows, intermediate]
        for (Layer layer : layers) {
            // self-attention block, post-norm: x = LayerNorm(x + Wo · attention(Wqkv · x))
            backend.linear(x, layer.qkv(), Activation.NONE, qkv); // [rows, 3 * hidden]
            backend.attention(qkv, config.numAttentionHeads(), spans, bias, context); // [rows, hidden]
            backend.linear(context, layer.attentionOutput(), Activation.NONE, projected); // [rows, hidden]
            backend.layerNorm(projected, x, layer.attentionNormGamma(), layer.attentionNormBeta(), epsilon, x);

            // feed-forward block: x = LayerNorm(x + W2 · act(W1 · x))
            backend.linear(x, layer.intermediate(), activation, intermediate); // [rows, intermediate]
            backend.linear(intermediate, layer.output(), Activation.NONE, projected); // [rows, hidden]
            backend.layerNorm(projected, x, layer.outputNormGamma(), layer.outputNormBeta(), epsilon, x);
        }
        return x; // [rows, hidden]
    }

    private int[] positionIds(SequenceSpans spans) {
        int[] positions = new int[spans.rows()];
        // padding rows keep the padding slot (or 0): they are computed but never read
        Arrays.fill(positions, positionOffset == 0 ? 0 : positionOffset - 1);
        for (int s = 0; s < spans.count(); s++) {
            for (int t = 0; t < spans.length(s); t++) {
                positions[spans.start(s) + t] = positionOffset + t;
            }
        }
        return positions;
    }
}
