package io.textintel.serving.backend.cuda;

import io.textintel.serving.backend.PagedAttentionBatch;
import java.util.ArrayList;
import java.util.List;

/**
 * How {@link CudaDecoderOps} run one pass's attention: chunks of one token on the split-K decode
 * kernel, longer chunks on the prefill kernel, each group with the host arrays its launch reads.
 * Plain Java, so the plan is tested without a GPU.
 */
final class DecoderAttentionPlan {

    /**
     * One launch's chunks.
     *
     * @param tokens {@code [rows]}: the pass's token index of each query row of the launch, chunk by chunk
     * @param blockTables {@code [chunks, tableStride]} row-major, rows padded with block 0
     * @param tableStride block ids per row, at least 1
     * @param chunkTokenStart {@code [chunks + 1]}: each chunk's first row; the last entry is rows
     * @param chunkStartPosition {@code [chunks]}: the position of each chunk's first token
     * @param contextLens {@code [chunks]}: each chunk's last position + 1
     * @param maxChunkTokens the most tokens of any chunk
     * @param maxContextLen the longest of {@code contextLens}
     */
    record Group(int[] tokens, int[] blockTables, int tableStride, int[] chunkTokenStart, int[] chunkStartPosition,
            int[] contextLens, int maxChunkTokens, int maxContextLen) {

        int chunks() {
            return chunkStartPosition.length;
        }

        int rows() {
            return tokens.length;
        }
    }

    private final Group decode;
    private final Group prefill;

    private DecoderAttentionPlan(Group decode, Group prefill) {
        this.decode = decode;
        this.prefill = prefill;
    }

    /** The decode launch: chunks of one token (a sequence's next token, or a one-token prompt). */
    Group decode() {
        return decode;
    }

    /** The prefill launch: chunks of two or more tokens. */
    Group prefill() {
        return prefill;
    }

    /**
     * Plans {@code batch}.
     *
     * @throws IllegalArgumentException if a chunk's tokens are not consecutive positions in order, or a
     *     chunk's block table does not cover its last position
     */
    static DecoderAttentionPlan of(PagedAttentionBatch batch) {
        List<List<Integer>> byChunk = new ArrayList<>();
        for (int c = 0; c < batch.chunkCount(); c++) {
            byChunk.add(new ArrayList<>());
        }
        for (int t = 0; t < batch.tokenCount(); t++) {
            int chunk = batch.chunkOfToken(t);
            if (chunk < 0 || chunk >= batch.chunkCount()) {
                throw new IllegalArgumentException("token " + t + " is in chunk " + chunk + ", expected 0 <= chunk < "
                        + batch.chunkCount());
            }
            List<Integer> tokens = byChunk.get(chunk);
            if (!tokens.isEmpty() && batch.position(t) != batch.position(tokens.get(tokens.size() - 1)) + 1) {
                throw new IllegalArgumentException("chunk " + chunk + ": token " + t + " is at position "
                        + batch.position(t) + ", expected " + (batch.position(tokens.get(tokens.size() - 1)) + 1)
                        + " (a chunk's tokens are consecutive positions in order)");
            }
            tokens.add(t);
        }
        List<Integer> single = new ArrayList<>();
        List<Integer> longer = new ArrayList<>();
        for (int c = 0; c < byChunk.size(); c++) {
            int size = byChunk.get(c).size();
            if (size == 1) {
                single.add(c);
            } else if (size > 1) {
                longer.add(c);
            }
        }
        return new DecoderAttentionPlan(group(batch, byChunk, single), group(batch, byChunk, longer));
    }

    private static Group group(PagedAttentionBatch batch, List<List<Integer>> byChunk, List<Integer> chunks) {
        int rows = 0;
        int stride = 1;
        for (int c : chunks) {
            List<Integer> tokens = byChunk.get(c);
            rows += tokens.size();
            int last = batch.position(tokens.get(tokens.size() - 1));
            int needed = last / batch.blockSize() + 1;
            if (batch.blockTable(c).length < needed) {
                throw new IllegalArgumentException("chunk " + c + " reaches position " + last + " but its block table"
                        + " holds " + batch.blockTable(c).length + " blocks of " + batch.blockSize()
                        + ", expected at least " + needed);
            }
            stride = Math.max(stride, needed);
        }
        int[] tokenRows = new int[rows];
        int[] tables = new int[chunks.size() * stride];
        int[] tokenStart = new int[chunks.size() + 1];
        int[] startPosition = new int[chunks.size()];
        int[] contextLens = new int[chunks.size()];
        int maxChunk = 0;
        int maxContext = 0;
        int row = 0;
        for (int i = 0; i < chunks.size(); i++) {
            int c = chunks.get(i);
            List<Integer> tokens = byChunk.get(c);
            tokenStart[i] = row;
            for (int t : tokens) {
                tokenRows[row++] = t;
            }
            startPosition[i] = batch.position(tokens.get(0));
            contextLens[i] = batch.position(tokens.get(tokens.size() - 1)) + 1;
            int[] table = batch.blockTable(c);
            int needed = (contextLens[i] - 1) / batch.blockSize() + 1;
            System.arraycopy(table, 0, tables, i * stride, needed);
            maxChunk = Math.max(maxChunk, tokens.size());
            maxContext = Math.max(maxContext, contextLens[i]);
        }
        tokenStart[chunks.size()] = row;
        return new Group(tokenRows, tables, stride, tokenStart, startPosition, contextLens, maxChunk, maxContext);
    }
}
