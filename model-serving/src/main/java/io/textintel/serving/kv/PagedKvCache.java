package io.textintel.serving.kv;

import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A paged key/value cache: per layer, one key and one value array of {@code numBlocks} blocks of
 * {@code blockSize} positions, handed out to sequences block by block.
 *
 * <p>Storage of {@link #keys(int)} and {@link #values(int)} is
 * {@code [numBlocks, blockSize, kvHeads, headDim]} row-major. A sequence reserves capacity before a
 * forward pass, the model writes K/V at the new positions, and the caller commits the positions
 * it keeps; rejected speculative positions are truncated. Not thread-safe: one thread owns it.
 */
public final class PagedKvCache implements AutoCloseable {

    private final KvLayout layout;
    private final int blockSize;
    private final int numBlocks;
    private final float[][] keys; // [layers][numBlocks * blockSize * kvHeads * headDim]
    private final float[][] values; // [layers][numBlocks * blockSize * kvHeads * headDim]
    private final Deque<Integer> freeList = new ArrayDeque<>();
    private final Map<Long, Sequence> sequences = new HashMap<>();
    private boolean closed;

    private static final class Sequence {
        final List<Integer> blocks = new ArrayList<>();
        int length;
    }

    public PagedKvCache(KvLayout layout, int blockSize, int numBlocks) {
        if (layout == null) {
            throw new IllegalArgumentException("layout is null, expected a KvLayout");
        }
        if (blockSize <= 0 || numBlocks <= 0) {
            throw new IllegalArgumentException("blockSize " + blockSize + " and numBlocks " + numBlocks
                    + ", expected both > 0");
        }
        long perLayer = (long) numBlocks * blockSize * layout.positionStride();
        if (perLayer > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("numBlocks " + numBlocks + " x blockSize " + blockSize + " x "
                    + layout.positionStride() + " floats per position = " + perLayer
                    + " floats per layer, expected at most " + (Integer.MAX_VALUE - 8));
        }
        this.layout = layout;
        this.blockSize = blockSize;
        this.numBlocks = numBlocks;
        this.keys = new float[layout.layers()][(int) perLayer];
        this.values = new float[layout.layers()][(int) perLayer];
        for (int block = 0; block < numBlocks; block++) {
            freeList.addLast(block);
        }
    }

    public int blockSize() {
        return blockSize;
    }

    public int freeBlocks() {
        return freeList.size();
    }

    public KvLayout layout() {
        return layout;
    }

    /**
     * Ensures capacity for {@code extraTokens} more positions past the committed length; returns
     * false, changing nothing, if there are not enough free blocks. Creates the sequence on first call.
     */
    public boolean reserve(long seqId, int extraTokens) {
        checkOpen();
        if (extraTokens < 0) {
            throw new IllegalArgumentException("extraTokens is " + extraTokens + ", expected >= 0");
        }
        Sequence sequence = sequences.get(seqId);
        int length = sequence == null ? 0 : sequence.length;
        int have = sequence == null ? 0 : sequence.blocks.size();
        int needed = (int) (((long) length + extraTokens + blockSize - 1) / blockSize) - have;
        if (needed > freeList.size()) {
            return false;
        }
        if (sequence == null) {
            sequence = new Sequence();
            sequences.put(seqId, sequence);
        }
        for (int i = 0; i < needed; i++) {
            sequence.blocks.add(freeList.pollFirst());
        }
        return true;
    }

    /** Sets the number of valid positions; at most the reserved capacity. */
    public void commit(long seqId, int newLength) {
        Sequence sequence = sequence(seqId);
        if (newLength < 0 || newLength > capacity(seqId)) {
            throw new IllegalArgumentException("sequence " + seqId + ": length " + newLength
                    + ", expected 0.." + capacity(seqId) + " (its reserved capacity)");
        }
        sequence.length = newLength;
    }

    /** Rolls the sequence back to {@code length} positions, freeing whole blocks past it. */
    public void truncate(long seqId, int length) {
        Sequence sequence = sequence(seqId);
        if (length < 0 || length > sequence.length) {
            throw new IllegalArgumentException("sequence " + seqId + ": truncate to " + length
                    + ", expected 0.." + sequence.length + " (its length)");
        }
        sequence.length = length;
        int keep = (length + blockSize - 1) / blockSize;
        while (sequence.blocks.size() > keep) {
            freeList.addFirst(sequence.blocks.remove(sequence.blocks.size() - 1));
        }
    }

    public void free(long seqId) {
        Sequence sequence = sequences.remove(seqId);
        if (sequence != null) {
            sequence.blocks.forEach(freeList::addFirst);
        }
    }

    public int length(long seqId) {
        return sequence(seqId).length;
    }

    public int capacity(long seqId) {
        return sequence(seqId).blocks.size() * blockSize;
    }

    /** Block ids of the sequence, in position order. */
    public int[] blockTable(long seqId) {
        return sequence(seqId).blocks.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Storage {@code [numBlocks, blockSize, kvHeads, headDim]} of layer {@code layer}'s keys. */
    public float[] keys(int layer) {
        checkOpen();
        return keys[layer];
    }

    /** Storage {@code [numBlocks, blockSize, kvHeads, headDim]} of layer {@code layer}'s values. */
    public float[] values(int layer) {
        checkOpen();
        return values[layer];
    }

    /** Index of (position, head 0, dim 0) in {@link #keys(int)} and {@link #values(int)}. */
    public int offset(long seqId, int position) {
        Sequence sequence = sequence(seqId);
        if (position < 0 || position >= sequence.blocks.size() * blockSize) {
            throw new IllegalArgumentException("sequence " + seqId + ": position " + position + ", expected 0.."
                    + (sequence.blocks.size() * blockSize - 1) + " (its reserved capacity)");
        }
        int block = sequence.blocks.get(position / blockSize);
        return (block * blockSize + position % blockSize) * layout.positionStride();
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
            throw new IllegalArgumentException("sequence " + seqId + " is not in the cache, expected one reserved first");
        }
        return sequence;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the KV cache is closed");
        }
    }
}
