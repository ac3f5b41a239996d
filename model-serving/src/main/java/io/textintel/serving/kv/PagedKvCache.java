package io.textintel.serving.kv;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A paged KV cache: fixed-size blocks of positions shared by all sequences, each sequence holding
 * a table of its blocks in position order.
 *
 * <p>Plan before commit: {@link #reserve} allocates room for the positions a forward pass will
 * write; the pass writes them; {@link #commit} then declares how many are valid, and
 * {@link #truncate} rolls back positions that speculation wrote but did not keep.
 *
 * <p>Storage per layer, keys and values alike: {@code [numBlocks, blockSize, kvHeads, headDim]}
 * row-major. Not thread-safe: the engine's scheduling thread owns it.
 */
public final class PagedKvCache implements AutoCloseable {

    private final KvLayout layout;
    private final int blockSize;
    private final int numBlocks;
    private final int stride; // floats of one position: kvHeads * headDim
    private final float[][] keys;   // [layers][numBlocks * blockSize * kvHeads * headDim]
    private final float[][] values; // [layers][numBlocks * blockSize * kvHeads * headDim]
    private final TreeSet<Integer> free = new TreeSet<>(); // lowest id first: reproducible placement
    private final Map<Long, Sequence> sequences = new HashMap<>();
    private boolean closed;

    private static final class Sequence {
        final List<Integer> blocks = new ArrayList<>();
        int length;
    }

    public PagedKvCache(KvLayout layout, int blockSize, int numBlocks) {
        if (blockSize < 1 || numBlocks < 1) {
            throw new IllegalArgumentException("KV cache of " + numBlocks + " blocks of " + blockSize
                    + " positions, expected both >= 1");
        }
        int stride = layout.kvHeads() * layout.headDim();
        long floats = (long) numBlocks * blockSize * stride;
        if (floats > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("KV cache of " + numBlocks + " blocks of " + blockSize + " positions x "
                    + stride + " floats needs " + floats + " floats per layer, expected at most "
                    + (Integer.MAX_VALUE - 8));
        }
        this.layout = layout;
        this.blockSize = blockSize;
        this.numBlocks = numBlocks;
        this.stride = stride;
        this.keys = new float[layout.layers()][(int) floats];
        this.values = new float[layout.layers()][(int) floats];
        for (int b = 0; b < numBlocks; b++) {
            free.add(b);
        }
    }

    public int blockSize() {
        return blockSize;
    }

    public int freeBlocks() {
        return free.size();
    }

    public KvLayout layout() {
        return layout;
    }

    /**
     * Ensures room for {@code extraTokens} positions past the sequence's length, allocating blocks;
     * creates the sequence on its first call. False, changing nothing, when too few blocks are free.
     */
    public boolean reserve(long seqId, int extraTokens) {
        checkOpen();
        if (extraTokens < 0) {
            throw new IllegalArgumentException("extraTokens is " + extraTokens + ", expected >= 0");
        }
        Sequence sequence = sequences.get(seqId);
        int length = sequence == null ? 0 : sequence.length;
        int have = sequence == null ? 0 : sequence.blocks.size();
        int need = Math.max(0, ceilDiv(length + extraTokens, blockSize) - have);
        if (need > free.size()) {
            return false;
        }
        if (sequence == null) {
            sequence = new Sequence();
            sequences.put(seqId, sequence);
        }
        for (int i = 0; i < need; i++) {
            sequence.blocks.add(free.pollFirst());
        }
        return true;
    }

    /** Sets the number of valid positions; at most the reserved capacity. */
    public void commit(long seqId, int newLength) {
        Sequence sequence = sequence(seqId);
        if (newLength < 0 || newLength > sequence.blocks.size() * blockSize) {
            throw new IllegalArgumentException("commit of sequence " + seqId + " to length " + newLength
                    + ", expected 0.." + sequence.blocks.size() * blockSize + " (its reserved capacity)");
        }
        sequence.length = newLength;
    }

    /** Rolls the sequence back to {@code length} positions, freeing whole blocks past it. */
    public void truncate(long seqId, int length) {
        Sequence sequence = sequence(seqId);
        if (length < 0 || length > sequence.length) {
            throw new IllegalArgumentException("truncate of sequence " + seqId + " to length " + length
                    + ", expected 0.." + sequence.length + " (its length)");
        }
        sequence.length = length;
        int keep = ceilDiv(length, blockSize);
        while (sequence.blocks.size() > keep) {
            free.add(sequence.blocks.remove(sequence.blocks.size() - 1));
        }
    }

    /** Frees every block of the sequence and forgets it; a sequence never seen is ignored. */
    public void free(long seqId) {
        Sequence sequence = sequences.remove(seqId);
        if (sequence != null) {
            free.addAll(sequence.blocks);
        }
    }

    public int length(long seqId) {
        return sequence(seqId).length;
    }

    public int capacity(long seqId) {
        return sequence(seqId).blocks.size() * blockSize;
    }

    /** Block ids of the sequence in position order. */
    public int[] blockTable(long seqId) {
        return sequence(seqId).blocks.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Key storage of one layer: {@code [numBlocks, blockSize, kvHeads, headDim]}. */
    public float[] keys(int layer) {
        checkOpen();
        return keys[layer];
    }

    /** Value storage of one layer: {@code [numBlocks, blockSize, kvHeads, headDim]}. */
    public float[] values(int layer) {
        checkOpen();
        return values[layer];
    }

    /** Index of (position, head 0, dim 0) in {@link #keys}/{@link #values}; position within the capacity. */
    public int offset(long seqId, int position) {
        Sequence sequence = sequence(seqId);
        if (position < 0 || position >= sequence.blocks.size() * blockSize) {
            throw new IllegalArgumentException("position " + position + " of sequence " + seqId + ", expected 0.."
                    + (sequence.blocks.size() * blockSize - 1) + " (its reserved capacity)");
        }
        int block = sequence.blocks.get(position / blockSize);
        return (block * blockSize + position % blockSize) * stride;
    }

    @Override
    public void close() {
        closed = true;
        sequences.clear();
    }

    private Sequence sequence(long seqId) {
        checkOpen();
        Sequence sequence = sequences.get(seqId);
        if (sequence == null) {
            throw new IllegalArgumentException("sequence " + seqId + " has no KV cache, expected reserve() first");
        }
        return sequence;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("KV cache is closed");
        }
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
