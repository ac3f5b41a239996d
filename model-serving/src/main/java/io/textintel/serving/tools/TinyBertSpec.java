package io.textintel.serving.tools;

import io.textintel.serving.weights.DType;

/**
 * The shape, seed and storage type of a generated BERT-family checkpoint.
 *
 * @param vocabularyWords how many words of the bundled English word list enter the vocabulary
 *     (capped by the list); special tokens, single characters and {@code ##} pieces always do
 * @param hiddenSize model width ({@code hidden_size})
 * @param layers encoder layers ({@code num_hidden_layers})
 * @param heads attention heads; must divide {@code hiddenSize}
 * @param intermediateSize feed-forward width ({@code intermediate_size})
 * @param maxPositions position embeddings, and the tokenizer's {@code model_max_length}
 * @param typeVocabSize token type (segment) embeddings
 * @param seed seed of the random weights; the same spec always gives the same bytes
 * @param dtype storage type: F32, F16 or BF16
 * @param pooling sentence-transformers pooling written for embedders
 * @param biasAndNormStd 0 for Hugging Face's init (biases 0, LayerNorm weight 1 and bias 0); above 0,
 *     biases and LayerNorm parameters are perturbed by normal noise of this deviation, so that tests
 *     of an engine notice a bias or norm parameter that is ignored
 * @param family the architecture written: BERT ({@code BertModel}) or MPNet ({@code MPNetModel})
 * @param denseFeatures output size of a sentence-transformers {@code Dense} module (tanh) written
 *     after pooling for embedders; 0 for none
 */
public record TinyBertSpec(
        int vocabularyWords,
        int hiddenSize,
        int layers,
        int heads,
        int intermediateSize,
        int maxPositions,
        int typeVocabSize,
        long seed,
        DType dtype,
        Pooling pooling,
        double biasAndNormStd,
        Family family,
        int denseFeatures) {

    /** Architectures the generator writes. */
    public enum Family {
        /** {@code BertModel}: WordPiece with [CLS]/[SEP], token types, absolute positions from 0. */
        BERT,
        /**
         * {@code MPNetModel}: WordPiece with {@code <s>}/{@code </s>} and pad id 1, no token types,
         * positions from 2, a relative position bias in attention.
         */
        MPNET
    }

    /** Sentence-transformers pooling modes the generator writes. */
    public enum Pooling {
        /** Mean of the token states under the attention mask. */
        MEAN,
        /** The first ([CLS]) token's state. */
        CLS
    }

    /** Standard deviation of weight init, as Hugging Face's {@code initializer_range}. */
    public static final double INITIALIZER_RANGE = 0.02;

    public TinyBertSpec {
        require(vocabularyWords >= 0, "vocabularyWords", vocabularyWords, ">= 0");
        require(hiddenSize > 0, "hiddenSize", hiddenSize, "> 0");
        require(layers > 0, "layers", layers, "> 0");
        require(heads > 0 && hiddenSize % heads == 0, "heads", heads, "> 0 and a divisor of hiddenSize " + hiddenSize);
        require(intermediateSize > 0, "intermediateSize", intermediateSize, "> 0");
        require(maxPositions >= 4, "maxPositions", maxPositions, ">= 4");
        require(typeVocabSize > 0, "typeVocabSize", typeVocabSize, "> 0");
        require(dtype == DType.F32 || dtype == DType.F16 || dtype == DType.BF16, "dtype", dtype, "F32, F16 or BF16");
        require(pooling != null, "pooling", pooling, "MEAN or CLS");
        require(biasAndNormStd >= 0 && Double.isFinite(biasAndNormStd), "biasAndNormStd", biasAndNormStd, ">= 0");
        require(family != null, "family", family, "BERT or MPNET");
        require(denseFeatures >= 0, "denseFeatures", denseFeatures, ">= 0");
    }

    /** A spec of the BERT family without a Dense module. */
    public TinyBertSpec(int vocabularyWords, int hiddenSize, int layers, int heads, int intermediateSize,
            int maxPositions, int typeVocabSize, long seed, DType dtype, Pooling pooling, double biasAndNormStd) {
        this(vocabularyWords, hiddenSize, layers, heads, intermediateSize, maxPositions, typeVocabSize, seed, dtype,
                pooling, biasAndNormStd, Family.BERT, 0);
    }

    /** A 2-layer, 32-wide model with the whole word list, 128 positions, seed 42, F32, mean pooling. */
    public static TinyBertSpec small() {
        return new TinyBertSpec(Integer.MAX_VALUE, 32, 2, 4, 64, 128, 2, 42L, DType.F32, Pooling.MEAN, 0.0);
    }

    public TinyBertSpec withVocabularyWords(int words) {
        return new TinyBertSpec(words, hiddenSize, layers, heads, intermediateSize, maxPositions, typeVocabSize,
                seed, dtype, pooling, biasAndNormStd, family, denseFeatures);
    }

    public TinyBertSpec withSizes(int hidden, int layerCount, int headCount, int intermediate) {
        return new TinyBertSpec(vocabularyWords, hidden, layerCount, headCount, intermediate, maxPositions,
                typeVocabSize, seed, dtype, pooling, biasAndNormStd, family, denseFeatures);
    }

    public TinyBertSpec withMaxPositions(int positions) {
        return new TinyBertSpec(vocabularyWords, hiddenSize, layers, heads, intermediateSize, positions,
                typeVocabSize, seed, dtype, pooling, biasAndNormStd, family, denseFeatures);
    }

    public TinyBertSpec withSeed(long newSeed) {
        return new TinyBertSpec(vocabularyWords, hiddenSize, layers, heads, intermediateSize, maxPositions,
                typeVocabSize, newSeed, dtype, pooling, biasAndNormStd, family, denseFeatures);
    }

    public TinyBertSpec withDtype(DType newDtype) {
        return new TinyBertSpec(vocabularyWords, hiddenSize, layers, heads, intermediateSize, maxPositions,
                typeVocabSize, seed, newDtype, pooling, biasAndNormStd, family, denseFeatures);
    }

    public TinyBertSpec withPooling(Pooling newPooling) {
        return new TinyBertSpec(vocabularyWords, hiddenSize, layers, heads, intermediateSize, maxPositions,
                typeVocabSize, seed, dtype, newPooling, biasAndNormStd, family, denseFeatures);
    }

    public TinyBertSpec withBiasAndNormStd(double std) {
        return new TinyBertSpec(vocabularyWords, hiddenSize, layers, heads, intermediateSize, maxPositions,
                typeVocabSize, seed, dtype, pooling, std, family, denseFeatures);
    }

    public TinyBertSpec withFamily(Family newFamily) {
        return new TinyBertSpec(vocabularyWords, hiddenSize, layers, heads, intermediateSize, maxPositions,
                typeVocabSize, seed, dtype, pooling, biasAndNormStd, newFamily, denseFeatures);
    }

    public TinyBertSpec withDenseFeatures(int features) {
        return new TinyBertSpec(vocabularyWords, hiddenSize, layers, heads, intermediateSize, maxPositions,
                typeVocabSize, seed, dtype, pooling, biasAndNormStd, family, features);
    }

    private static void require(boolean condition, String field, Object value, String expected) {
        if (!condition) {
            throw new IllegalArgumentException("TinyBertSpec." + field + " is " + value + ", expected " + expected);
        }
    }
}
