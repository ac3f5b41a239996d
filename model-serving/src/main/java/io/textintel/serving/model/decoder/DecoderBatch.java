package io.textintel.serving.model.decoder;

import io.textintel.serving.backend.PagedAttentionBatch;
import io.textintel.serving.kv.PagedKvCache;
import io.textintel.serving.model.SequenceChunk;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The plan of one decoder forward pass: the chunks' tokens laid end to end, with each token's
 * sequence, position and KV cache slot, and the rows whose logits are wanted. Made and checked
 * before any tensor is touched, so a bad batch fails without writing into the cache.
 */
public final class DecoderBatch implements PagedAttentionBatch {

    private final int[] tokens; // [tokens]
    private final int[] positions; // [tokens]
    private final int[] chunkOfToken; // [tokens]
    private final int[] kvOffsets; // [tokens]: index of (position, head 0, dim 0) in the cache's layer arrays
    private final long[] sequenceIds; // [chunks]
    private final int[][] blockTables; // [chunks][blocks]
    private final double[][] inverseFrequencies; // [chunks][headDim / 2]
    private final int[] logitTokens; // [logit rows]: token index of each logit row, in chunk order
    private final int blockSize;

    private DecoderBatch(int[] tokens, int[] positions, int[] chunkOfToken, int[] kvOffsets, long[] sequenceIds,
            int[][] blockTables, double[][] inverseFrequencies, int[] logitTokens, int blockSize) {
        this.tokens = tokens;
        this.positions = positions;
        this.chunkOfToken = chunkOfToken;
        this.kvOffsets = kvOffsets;
        this.sequenceIds = sequenceIds;
        this.blockTables = blockTables;
        this.inverseFrequencies = inverseFrequencies;
        this.logitTokens = logitTokens;
        this.blockSize = blockSize;
    }

    /**
     * Plans a pass over {@code chunks}.
     *
     * @throws IllegalArgumentException naming the chunk and value if a sequence repeats, a token is
     *     outside the vocabulary, a chunk starts past its sequence's cached length, or it runs past
     *     the reserved capacity or the model's maximum sequence length
     */
    public static DecoderBatch plan(List<SequenceChunk> chunks, PagedKvCache cache, int vocabSize,
            int maxSequenceLength, RotaryEmbedding rotary) {
        if (chunks == null || chunks.isEmpty()) {
            throw new IllegalArgumentException("chunks are empty, expected at least one sequence chunk");
        }
        int tokenCount = 0;
        int logitRows = 0;
        Set<Long> seen = new HashSet<>();
        for (SequenceChunk chunk : chunks) {
            long id = chunk.sequenceId();
            if (!seen.add(id)) {
                throw new IllegalArgumentException("sequence " + id + " appears twice in one forward pass, expected "
                        + "one chunk per sequence");
            }
            int end = chunk.startPosition() + chunk.tokens().length;
            if (chunk.startPosition() > cache.length(id)) {
                throw new IllegalArgumentException("sequence " + id + ": chunk starts at position "
                        + chunk.startPosition() + ", expected at most its cached length " + cache.length(id));
            }
            if (end > cache.capacity(id)) {
                throw new IllegalArgumentException("sequence " + id + ": chunk ends at position " + end
                        + ", expected at most its reserved capacity " + cache.capacity(id) + "; reserve first");
            }
            if (end > maxSequenceLength) {
                throw new IllegalArgumentException("sequence " + id + ": chunk ends at position " + end
                        + ", expected at most the model's maximum sequence length " + maxSequenceLength);
            }
            for (int token : chunk.tokens()) {
                if (token < 0 || token >= vocabSize) {
                    throw new IllegalArgumentException("sequence " + id + ": token id " + token
                            + ", expected 0 <= id < vocabSize " + vocabSize);
                }
            }
            tokenCount += chunk.tokens().length;
            logitRows += chunk.logitRows();
        }

        int[] tokens = new int[tokenCount];
        int[] positions = new int[tokenCount];
        int[] chunkOfToken = new int[tokenCount];
        int[] kvOffsets = new int[tokenCount];
        long[] sequenceIds = new long[chunks.size()];
        int[][] blockTables = new int[chunks.size()][];
        double[][] frequencies = new double[chunks.size()][];
        int[] logitTokens = new int[logitRows];
        int t = 0;
        int row = 0;
        for (int c = 0; c < chunks.size(); c++) {
            SequenceChunk chunk = chunks.get(c);
            int n = chunk.tokens().length;
            sequenceIds[c] = chunk.sequenceId();
            blockTables[c] = cache.blockTable(chunk.sequenceId());
            frequencies[c] = rotary.inverseFrequencies(chunk.startPosition() + n);
            for (int i = 0; i < n; i++) {
                tokens[t + i] = chunk.tokens()[i];
                positions[t + i] = chunk.startPosition() + i;
                chunkOfToken[t + i] = c;
                kvOffsets[t + i] = cache.offset(chunk.sequenceId(), chunk.startPosition() + i);
            }
            for (int i = n - chunk.logitRows(); i < n; i++) {
                logitTokens[row++] = t + i;
            }
            t += n;
        }
        return new DecoderBatch(tokens, positions, chunkOfToken, kvOffsets, sequenceIds, blockTables, frequencies,
                logitTokens, cache.blockSize());
    }

    /** Tokens in the pass, all chunks together. */
    @Override
    public int tokenCount() {
        return tokens.length;
    }

    /** The token ids {@code [tokens]}; the caller must not modify them. */
    public int[] tokens() {
        return tokens;
    }

    @Override
    public int position(int token) {
        return positions[token];
    }

    @Override
    public int chunkOfToken(int token) {
        return chunkOfToken[token];
    }

    @Override
    public long sequenceOfToken(int token) {
        return sequenceIds[chunkOfToken[token]];
    }

    /** Index of the token's (position, head 0, dim 0) in the cache's layer arrays. */
    public int kvOffset(int token) {
        return kvOffsets[token];
    }

    @Override
    public int chunkCount() {
        return sequenceIds.length;
    }

    /** The block ids of chunk {@code chunk}'s sequence, in position order. */
    @Override
    public int[] blockTable(int chunk) {
        return blockTables[chunk];
    }

    @Override
    public int blockSize() {
        return blockSize;
    }

    /** The rotary inverse frequencies {@code [headDim / 2]} of chunk {@code chunk}. */
    @Override
    public double[] inverseFrequencies(int chunk) {
        return inverseFrequencies[chunk];
    }

    /** The token index of each logit row {@code [logit rows]}, in chunk order; the caller must not modify it. */
    public int[] logitTokens() {
        return logitTokens;
    }
}
