package io.textintel.serving.backend;

/**
 * The tokens of one decoder pass as {@link DecoderOps} reads them: for each token its position,
 * its sequence and the block table that maps the sequence's positions onto the blocks of a paged KV
 * cache, and for each chunk its rotary inverse frequencies. Token {@code t}'s position {@code p}
 * lies in block {@code blockTable(chunkOfToken(t))[p / blockSize()]} at slot {@code p % blockSize()}.
 *
 * <p>A chunk's tokens are consecutive positions of its sequence, in order.
 */
public interface PagedAttentionBatch {

    /** Tokens in the pass, all chunks together. */
    int tokenCount();

    /** The position of token {@code token} in its sequence, counted from 0. */
    int position(int token);

    /** Chunks in the pass: one per sequence. */
    int chunkCount();

    /** The chunk (one sequence's part of the pass) that token {@code token} belongs to, {@code 0 <= chunk < chunkCount()}. */
    int chunkOfToken(int token);

    /** The id of the sequence that token {@code token} belongs to, as the KV cache knows it. */
    long sequenceOfToken(int token);

    /** The block ids of chunk {@code chunk}'s sequence, in position order; the caller must not modify them. */
    int[] blockTable(int chunk);

    /** Positions per KV cache block. */
    int blockSize();

    /**
     * The rotary inverse frequencies {@code [headDim / 2]} of chunk {@code chunk}'s tokens (they
     * depend on the sequence's length under dynamic scaling); the caller must not modify them.
     */
    double[] inverseFrequencies(int chunk);

    /**
     * The cache slot of token {@code token}: {@code block * blockSize + position % blockSize}, so
     * its keys start at {@code slot * KvLayout#positionStride()} in a layer's arrays.
     */
    default int slot(int token) {
        int position = position(token);
        return blockTable(chunkOfToken(token))[position / blockSize()] * blockSize() + position % blockSize();
    }
}
