package io.textintel.serving.tools;

import io.textintel.serving.config.RopeScaling;
import io.textintel.serving.weights.DType;

/**
 * The family, shape, seed and storage type of a generated decoder checkpoint.
 *
 * @param family {@link Family#LLAMA} (Llama 3 layout and tokens) or {@link Family#QWEN2}
 *     (q/k/v biases, tied embeddings, ChatML tokens)
 * @param merges BPE merges learned over the bundled word list; the vocabulary is 256 byte tokens,
 *     the merges and the family's special tokens
 * @param hiddenSize model width
 * @param layers decoder layers
 * @param heads query heads
 * @param kvHeads key/value heads; divides {@code heads}
 * @param intermediateSize SwiGLU width
 * @param maxPositions {@code max_position_embeddings}
 * @param ropeTheta {@code rope_theta}
 * @param ropeScaling {@code rope_scaling}, or null
 * @param seed seed of the random weights; the same spec always gives the same bytes
 * @param dtype storage type: F32, F16 or BF16
 */
public record TinyDecoderSpec(Family family, int merges, int hiddenSize, int layers, int heads, int kvHeads,
        int intermediateSize, int maxPositions, double ropeTheta, RopeScaling ropeScaling, long seed, DType dtype) {

    /** The model families the generator writes. */
    public enum Family {
        LLAMA,
        QWEN2
    }

    /** Standard deviation of the weights, as Hugging Face's {@code initializer_range}. */
    public static final double INITIALIZER_RANGE = 0.02;

    public TinyDecoderSpec {
        require(family != null, "family", family, "LLAMA or QWEN2");
        require(merges >= 0, "merges", merges, ">= 0");
        require(hiddenSize > 0, "hiddenSize", hiddenSize, "> 0");
        require(layers > 0, "layers", layers, "> 0");
        require(heads > 0 && hiddenSize % heads == 0 && (hiddenSize / heads) % 2 == 0, "heads", heads,
                "> 0, dividing hiddenSize " + hiddenSize + " into even head sizes");
        require(kvHeads > 0 && heads % kvHeads == 0, "kvHeads", kvHeads, "> 0 and a divisor of heads " + heads);
        require(intermediateSize > 0, "intermediateSize", intermediateSize, "> 0");
        require(maxPositions >= 4, "maxPositions", maxPositions, ">= 4");
        require(ropeTheta > 1, "ropeTheta", ropeTheta, "> 1");
        require(dtype == DType.F32 || dtype == DType.F16 || dtype == DType.BF16, "dtype", dtype, "F32, F16 or BF16");
    }

    /** A 2-layer, 64-wide Llama with 4 query and 2 key/value heads, 400 merges, 256 positions, seed 42, F32. */
    public static TinyDecoderSpec llama() {
        return new TinyDecoderSpec(Family.LLAMA, 400, 64, 2, 4, 2, 128, 256, 500000.0, null, 42L, DType.F32);
    }

    /** A 2-layer, 64-wide Qwen2 with 4 query and 2 key/value heads, 400 merges, 256 positions, seed 42, F32. */
    public static TinyDecoderSpec qwen2() {
        return new TinyDecoderSpec(Family.QWEN2, 400, 64, 2, 4, 2, 128, 256, 1000000.0, null, 42L, DType.F32);
    }

    /** The key/value heads a command line writes when it names none: half the query heads where that divides them, else all. */
    public static int defaultKvHeads(int heads) {
        return heads % 2 == 0 ? heads / 2 : heads;
    }

    public int headDim() {
        return hiddenSize / heads;
    }

    public TinyDecoderSpec withSizes(int hidden, int layerCount, int headCount, int kvHeadCount, int intermediate) {
        return new TinyDecoderSpec(family, merges, hidden, layerCount, headCount, kvHeadCount, intermediate,
                maxPositions, ropeTheta, ropeScaling, seed, dtype);
    }

    public TinyDecoderSpec withMerges(int mergeCount) {
        return new TinyDecoderSpec(family, mergeCount, hiddenSize, layers, heads, kvHeads, intermediateSize,
                maxPositions, ropeTheta, ropeScaling, seed, dtype);
    }

    public TinyDecoderSpec withMaxPositions(int positions) {
        return new TinyDecoderSpec(family, merges, hiddenSize, layers, heads, kvHeads, intermediateSize, positions,
                ropeTheta, ropeScaling, seed, dtype);
    }

    public TinyDecoderSpec withRopeScaling(RopeScaling scaling) {
        return new TinyDecoderSpec(family, merges, hiddenSize, layers, heads, kvHeads, intermediateSize,
                maxPositions, ropeTheta, scaling, seed, dtype);
    }

    public TinyDecoderSpec withRopeTheta(double theta) {
        return new TinyDecoderSpec(family, merges, hiddenSize, layers, heads, kvHeads, intermediateSize,
                maxPositions, theta, ropeScaling, seed, dtype);
    }

    public TinyDecoderSpec withSeed(long newSeed) {
        return new TinyDecoderSpec(family, merges, hiddenSize, layers, heads, kvHeads, intermediateSize,
                maxPositions, ropeTheta, ropeScaling, newSeed, dtype);
    }

    public TinyDecoderSpec withDtype(DType newDtype) {
        return new TinyDecoderSpec(family, merges, hiddenSize, layers, heads, kvHeads, intermediateSize,
                maxPositions, ropeTheta, ropeScaling, seed, newDtype);
    }

    private static void require(boolean condition, String field, Object value, String expected) {
        if (!condition) {
            throw new IllegalArgumentException("TinyDecoderSpec." + field + " is " + value + ", expected " + expected);
        }
    }
}
