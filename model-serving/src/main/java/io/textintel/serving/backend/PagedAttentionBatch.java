package io.textintel.serving.backend;

/**
 * The tokens of one decoder pass as {@link DecoderOps#attention} reads them: for each token its
 * position, its sequence and the block table that maps the sequence's positions onto the blocks of a
 * paged KV cache. Token {@code t}'s position {@code p} lies in block
 * {@code blockTable(chunkOfToken(t))[p / blockSize()]} at slot {@code p % blockSize()}.
 */
public interface PagedAttentionBatch {

    /** Tokens in the pass, all chunks together. */
    int tokenCount();

    /** The position of token {@code token} in its sequence, counted from 0. */
    int position(int token);

    /** The chunk (one sequence's part of the pass) that token {@code token} belongs to. */
    int chunkOfToken(int token);

    /** The id of the sequence that token {@code token} belongs to, as the KV cache knows it. */
    long sequenceOfToken(int token);

    /** The block ids of chunk {@code chunk}'s sequence, in position order; the caller must not modify them. */
    int[] blockTable(int chunk);

    /** Positions per KV cache block. */
    int blockSize();
}
