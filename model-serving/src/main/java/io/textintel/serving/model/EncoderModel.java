package io.textintel.serving.model;

import io.textintel.serving.backend.Backend;
import io.textintel.serving.batch.TokenBatch;
import io.textintel.serving.config.EncoderConfig;
import io.textintel.serving.config.PoolingConfig;
import io.textintel.serving.config.PoolingMode;
import io.textintel.serving.tensor.SequenceSpans;
import io.textintel.serving.tensor.Tensor;
import io.textintel.serving.weights.CheckpointWeights;
import io.textintel.serving.weights.WeightLoader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An encoder checkpoint ready to run: the {@link BertEncoder}, its sentence pooling (and any
 * sentence-transformers {@code Dense} modules after it) when it is an embedder, and its
 * {@link SequenceClassificationHead} when it is a classifier.
 *
 * <p>A checkpoint is an embedder when it has a sentence-transformers pooling module, or when it
 * has no classification head (then pooling defaults to the mean, as sentence-transformers does
 * for a plain transformers model). Embeddings are always L2-normalised, after the Dense modules.
 */
public final class EncoderModel {

    private final String name;
    private final BertEncoder encoder;
    private final PoolingMode pooling; // null when not an embedder
    private final List<SentenceDense> dense; // after pooling, in order; empty for none
    private final int embeddingDimension; // 0 when not an embedder
    private final SequenceClassificationHead head; // null when not a classifier

    private EncoderModel(String name, BertEncoder encoder, PoolingMode pooling, List<SentenceDense> dense,
            int embeddingDimension, SequenceClassificationHead head) {
        this.name = name;
        this.encoder = encoder;
        this.pooling = pooling;
        this.dense = dense;
        this.embeddingDimension = embeddingDimension;
        this.head = head;
    }

    /**
     * The length of the embeddings the model in {@code modelDir} produces as an embedder: the last
     * sentence-transformers Dense module's {@code out_features}, else {@code hidden_size}. Reads
     * {@code config.json} and the sentence-transformers module configs only, no weights.
     *
     * @throws IOException if a file cannot be read
     * @throws IllegalArgumentException if the configs are invalid or disagree
     */
    public static int outputDimension(Path modelDir) throws IOException {
        EncoderConfig config = EncoderConfig.read(modelDir);
        Optional<PoolingConfig> pooling = PoolingConfig.read(modelDir);
        requireConsistent(config, pooling);
        return pooling.map(PoolingConfig::outputDimension).orElse(config.hiddenSize());
    }

    /**
     * Loads a model directory ({@code config.json}, safetensors weights, optional
     * sentence-transformers {@code modules.json} with its Pooling, Dense and Normalize modules)
     * onto {@code backend}.
     *
     * @throws IOException if a file cannot be read
     * @throws IllegalArgumentException naming the value that does not fit
     */
    public static EncoderModel load(Path modelDir, Backend backend) throws IOException {
        EncoderConfig config = EncoderConfig.read(modelDir);
        Optional<PoolingConfig> pooling = PoolingConfig.read(modelDir);
        try (CheckpointWeights weights = CheckpointWeights.open(modelDir)) {
            Path fileName = modelDir.toAbsolutePath().normalize().getFileName();
            return load(fileName == null ? modelDir.toString() : fileName.toString(), config, pooling, weights, backend);
        }
    }

    /**
     * Builds a model from already-read parts; {@code weights} may be closed afterwards. The
     * weights of Dense modules in {@code pooling} are read from their own files.
     *
     * @throws java.io.UncheckedIOException if a Dense module's weights cannot be read
     */
    public static EncoderModel load(String name, EncoderConfig config, Optional<PoolingConfig> pooling,
            WeightLoader weights, Backend backend) {
        Objects.requireNonNull(name, "name");
        requireConsistent(config, pooling);
        BertEncoder encoder = BertEncoder.load(config, weights, backend);
        SequenceClassificationHead head = SequenceClassificationHead.load(config, weights, backend).orElse(null);
        PoolingMode mode = pooling.map(PoolingConfig::mode).orElse(head == null ? PoolingMode.MEAN : null);
        List<SentenceDense> dense = pooling.map(p -> SentenceDense.load(p.dense(), backend)).orElse(List.of());
        int dimension = mode == null ? 0 : pooling.map(PoolingConfig::outputDimension).orElse(config.hiddenSize());
        return new EncoderModel(name, encoder, mode, dense, dimension, head);
    }

    private static void requireConsistent(EncoderConfig config, Optional<PoolingConfig> pooling) {
        if (pooling.isPresent() && pooling.get().dimension() != config.hiddenSize()) {
            throw new IllegalArgumentException("pooling word_embedding_dimension " + pooling.get().dimension()
                    + " differs from hidden_size " + config.hiddenSize() + ", expected them equal");
        }
    }

    /** The model's name (its directory name). */
    public String name() {
        return name;
    }

    public EncoderConfig config() {
        return encoder.config();
    }

    public BertEncoder encoder() {
        return encoder;
    }

    /** The sentence pooling, when the model is an embedder. */
    public Optional<PoolingMode> pooling() {
        return Optional.ofNullable(pooling);
    }

    /** The classification head, when the model is a classifier. */
    public Optional<SequenceClassificationHead> head() {
        return Optional.ofNullable(head);
    }

    /** Label names in id order; empty when the model is not a classifier. */
    public List<String> labels() {
        return head == null ? List.of() : head.labels();
    }

    /** Length of the embeddings (after any Dense modules); 0 when the model is not an embedder. */
    public int embeddingDimension() {
        return embeddingDimension;
    }

    /** The outputs of one forward pass; either part may be null when it was not asked for. */
    public record Output(
            Tensor embeddings, // [sequences, embeddingDimension], unit L2 norm
            Tensor scores) {} // [sequences, labels]

    /**
     * One encoder pass over {@code batch}, then pooling and/or the head.
     *
     * @throws IllegalStateException if an output is asked for that the model does not have
     */
    public Output run(TokenBatch batch, boolean embeddings, boolean scores) {
        if (embeddings && pooling == null) {
            throw new IllegalStateException("model " + name + " is not an embedder, expected embed requests only for"
                    + " models with pooling");
        }
        if (scores && head == null) {
            throw new IllegalStateException("model " + name + " has no classification head, expected classify"
                    + " requests only for classifiers");
        }
        Tensor hidden = encoder.forward(batch); // [rows, hidden]
        Tensor pooled = embeddings ? embed(hidden, batch) : null; // [sequences, embeddingDimension]
        Tensor probabilities = scores ? head.classify(hidden, batch.spans()) : null; // [sequences, labels]
        return new Output(pooled, probabilities);
    }

    /** Pooling, then the Dense modules in order, then L2 normalisation (Normalize). */
    private Tensor embed(Tensor hidden, TokenBatch batch) {
        Backend backend = encoder.backend();
        Tensor pooled = Tensor.zeros(batch.size(), hidden.cols()); // [sequences, hidden]
        if (dense.isEmpty()) {
            backend.pool(hidden, batch.spans(), pooling, true, pooled);
            return pooled;
        }
        backend.pool(hidden, batch.spans(), pooling, false, pooled);
        Tensor x = pooled;
        for (SentenceDense module : dense) {
            x = module.apply(backend, x); // [sequences, out]
        }
        // normalising is CLS pooling of one-row sequences with normalize on: each row scaled to unit norm
        int[] ones = new int[x.rows()];
        Arrays.fill(ones, 1);
        Tensor normalized = Tensor.zeros(x.rows(), x.cols()); // [sequences, out]
        backend.pool(x, SequenceSpans.packed(ones), PoolingMode.CLS, true, normalized);
        return normalized;
    }

    /** Normalised embeddings of the batch's sequences, {@code [sequences, embeddingDimension]}. */
    public Tensor embed(TokenBatch batch) {
        return run(batch, true, false).embeddings();
    }

    /** Class scores of the batch's sequences, {@code [sequences, labels]}. */
    public Tensor classify(TokenBatch batch) {
        return run(batch, false, true).scores();
    }
}
