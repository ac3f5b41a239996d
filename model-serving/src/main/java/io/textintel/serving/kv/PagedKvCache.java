package io.textintel.serving.kv;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A paged KV cache: key and value storage for every layer cut into fixed-size blocks of
 * {@code blockSize} positions, handed out to sequences from a free list and recorded in one block
 * table per sequence. Memory is fixed at construction ({@code numBlocks} blocks); a sequence holds
 * only the blocks its positions need, so sequences of very different lengths share the cache
 * without fragmentation.
 *
 * <p>Per sequence the cache tracks a <em>capacity</em> (blocks held times {@code blockSize}) and a
 * <em>length</em> (positions whose keys and values are valid). The protocol, planned before it is
 * applied:
 * <pre>
 *   reserve(seq, n)        before a forward pass: capacity for n positions past length (false: no blocks, nothing changed)
 *   forward pass           writes keys/values at positions length .. length + n - 1 via offset()
 *   commit(seq, length')   after acceptance: length' valid positions (length &lt;= length' &lt;= capacity)
 *   truncate(seq, length') rolls back rejected speculative positions, freeing whole blocks past length'
 *   free(seq)              the sequence left: all of its blocks return to the free list
 * </pre>
 *
 * <p>Storage of layer {@code l}: {@code keys(l)} and {@code values(l)}, each
 * {@code [numBlocks, blockSize, kvHeads, headDim]} row-major; {@link #offset(long, int)} turns a
 * sequence's position into the index of its {@code (head 0, dim 0)} element.
 *
 * <p>Not thread-safe and not meant to be: it is confined to the thread that schedules and runs the
 * forward passes (the generation scheduler's thread), which is the only one that reserves, writes,
 * commits and frees. No locks are taken.
 */
public final class PagedKvCache implements AutoCloseable {

    private final KvLayout layout;
    private final int blockSize;
    private final int numBlocks;
    private float[][] keys; // [layers][numBlocks * blockSize * kvHeads * headDim]
    private float[][] values; // [layers][numBlocks * blockSize * kvHeads * headDim]
    private final int[] freeList; // [numBlocks]: free block ids in freeList[0 .. freeCount)
    private int freeCount;
    private final boolean[] held; // [numBlocks]: whether a sequence holds the block (guards double frees)
    private final Map<Long, Sequence> sequences = new HashMap<>();
    private boolean closed;

    /** One sequence's block table and valid length. */
    private static final class Sequence {
        int[] blocks = new int[4]; // [blockCount] block ids in position order
        int blockCount;
        int length;
    }

    /**
     * @param layout the shape of one position's keys and values
     * @param blockSize positions per block
     * @param numBlocks blocks in the cache; memory is {@code 2 * layers * numBlocks * blockSize * kvHeads * headDim} floats
     */
    public PagedKvCache(KvLayout layout, int blockSize, int numBlocks) {
        this.layout = Objects.requireNonNull(layout, "layout");
        if (blockSize < 1 || numBlocks < 1) {
            throw new IllegalArgumentException("KV cache of " + numBlocks + " blocks of " + blockSize
                    + " positions, expected both >= 1");
        }
        long perLayer = (long) numBlocks * blockSize * layout.positionStride();
        if (perLayer > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("KV cache of " + numBlocks + " blocks of " + blockSize + " positions"
                    + " with layout " + layout + " needs " + perLayer + " floats per layer, expected at most "
                    + (Integer.MAX_VALUE - 8) + "; use fewer or smaller blocks");
        }
        this.blockSize = blockSize;
        this.numBlocks = numBlocks;
        this.keys = new float[layout.layers()][(int) perLayer];
        this.values = new float[layout.layers()][(int) perLayer];
        this.freeList = new int[numBlocks];
        for (int i = 0; i < numBlocks; i++) {
            freeList[i] = numBlocks - 1 - i; // pop() hands out block 0 first
        }
        this.freeCount = numBlocks;
        this.held = new boolean[numBlocks];
    }

    public KvLayout layout() {
        return layout;
    }

    public int blockSize() {
        return blockSize;
    }

    public int numBlocks() {
        return numBlocks;
    }

    public int freeBlocks() {
        return freeCount;
    }

    /** Whether {@code seqId} holds a block table (reserved at least once and not freed since). */
    public boolean contains(long seqId) {
        return sequences.containsKey(seqId);
    }

    /** Sequences holding a block table. */
    public int sequenceCount() {
        return sequences.size();
    }

    /**
     * Ensures capacity for {@code extraTokens} positions past the sequence's length, taking blocks
     * from the free list; creates the sequence on its first call.
     *
     * @return false, changing nothing (not even creating the sequence), when too few blocks are free
     */
    public boolean reserve(long seqId, int extraTokens) {
        checkOpen();
        if (extraTokens < 0) {
            throw new IllegalArgumentException("reserve of " + extraTokens + " positions for sequence " + seqId
                    + ", expected >= 0");
        }
        Sequence sequence = sequences.get(seqId);
        int length = sequence == null ? 0 : sequence.length;
        int held = sequence == null ? 0 : sequence.blockCount;
        long needed = blocksFor((long) length + extraTokens) - held;
        if (needed > freeCount) {
            return false;
        }
        if (sequence == null) {
            sequence = new Sequence();
            sequences.put(seqId, sequence);
        }
        for (long i = 0; i < needed; i++) {
            append(sequence, pop());
        }
        return true;
    }

    /** Sets the number of valid positions after a forward pass: {@code length(seqId) <= newLength <= capacity(seqId)}. */
    public void commit(long seqId, int newLength) {
        Sequence sequence = require(seqId, "commit");
        int capacity = sequence.blockCount * blockSize;
        if (newLength < sequence.length || newLength > capacity) {
            throw new IllegalArgumentException("commit of length " + newLength + " for sequence " + seqId
                    + ", expected between its length " + sequence.length + " and its reserved capacity " + capacity);
        }
        sequence.length = newLength;
    }

    /**
     * Rolls the sequence back to {@code length} valid positions ({@code 0 <= length <= length(seqId)})
     * and frees the whole blocks past it.
     */
    public void truncate(long seqId, int length) {
        Sequence sequence = require(seqId, "truncate");
        if (length < 0 || length > sequence.length) {
            throw new IllegalArgumentException("truncate to length " + length + " for sequence " + seqId
                    + ", expected between 0 and its length " + sequence.length);
        }
        sequence.length = length;
        int keep = blocksFor(length);
        while (sequence.blockCount > keep) {
            push(sequence.blocks[--sequence.blockCount]);
        }
    }

    /** Returns all of the sequence's blocks to the free list; unknown ids are ignored, so freeing twice is harmless. */
    public void free(long seqId) {
        checkOpen();
        Sequence sequence = sequences.remove(seqId);
        if (sequence == null) {
            return;
        }
        while (sequence.blockCount > 0) {
            push(sequence.blocks[--sequence.blockCount]);
        }
    }

    /** Valid positions of the sequence. */
    public int length(long seqId) {
        return require(seqId, "length").length;
    }

    /** Positions the sequence may write: blocks held times the block size. */
    public int capacity(long seqId) {
        return require(seqId, "capacity").blockCount * blockSize;
    }

    /** The sequence's block ids in position order (a copy). */
    public int[] blockTable(long seqId) {
        Sequence sequence = require(seqId, "blockTable");
        return Arrays.copyOf(sequence.blocks, sequence.blockCount);
    }

    /** Key storage of one layer: {@code [numBlocks, blockSize, kvHeads, headDim]} row-major (the array itself). */
    public float[] keys(int layer) {
        checkOpen();
        checkLayer(layer);
        return keys[layer];
    }

    /** Value storage of one layer: {@code [numBlocks, blockSize, kvHeads, headDim]} row-major (the array itself). */
    public float[] values(int layer) {
        checkOpen();
        checkLayer(layer);
        return values[layer];
    }

    /** Index of {@code (position, head 0, dim 0)} of the sequence in {@link #keys(int)} and {@link #values(int)}. */
    public int offset(long seqId, int position) {
        Sequence sequence = require(seqId, "offset");
        if (position < 0 || position >= sequence.blockCount * blockSize) {
            throw new IllegalArgumentException("position " + position + " of sequence " + seqId
                    + " is outside its reserved capacity, expected 0 <= position < " + sequence.blockCount * blockSize);
        }
        int block = sequence.blocks[position / blockSize];
        return (block * blockSize + position % blockSize) * layout.positionStride();
    }

    /**
     * Checks the cache's invariants: every block is either free or held by exactly one sequence,
     * and every sequence's length fits its capacity.
     *
     * @throws IllegalStateException naming the broken invariant ("This is a bug.")
     */
    public void checkInvariants() {
        int[] seen = new int[numBlocks];
        for (int i = 0; i < freeCount; i++) {
            seen[freeList[i]]++;
        }
        for (Map.Entry<Long, Sequence> entry : sequences.entrySet()) {
            Sequence sequence = entry.getValue();
            if (sequence.length > sequence.blockCount * blockSize || sequence.length < 0) {
                throw new IllegalStateException("sequence " + entry.getKey() + " has length " + sequence.length
                        + " but capacity " + sequence.blockCount * blockSize + ". This is a bug.");
            }
            for (int i = 0; i < sequence.blockCount; i++) {
                seen[sequence.blocks[i]]++;
            }
        }
        for (int block = 0; block < numBlocks; block++) {
            if (seen[block] != 1) {
                throw new IllegalStateException("block " + block + " is counted " + seen[block]
                        + " times among the free list and the block tables, expected once. This is a bug.");
            }
        }
    }

    /** Whether {@link #close()} was called: a device copy of the cache may then be released. */
    public boolean isClosed() {
        return closed;
    }

    /** Releases the storage; the cache cannot be used afterwards. */
    @Override
    public void close() {
        closed = true;
        keys = null;
        values = null;
        sequences.clear();
    }

    private int blocksFor(long positions) {
        return (int) ((positions + blockSize - 1) / blockSize);
    }

    private int pop() {
        int block = freeList[--freeCount];
        if (held[block]) {
            throw new IllegalStateException("block " + block + " on the free list is held by a sequence. This is a bug.");
        }
        held[block] = true;
        return block;
    }

    private void push(int block) {
        if (!held[block] || freeCount == numBlocks) {
            throw new IllegalStateException("block " + block + " is freed but is not held. This is a bug.");
        }
        held[block] = false;
        freeList[freeCount++] = block;
    }

    private static void append(Sequence sequence, int block) {
        if (sequence.blockCount == sequence.blocks.length) {
            sequence.blocks = Arrays.copyOf(sequence.blocks, sequence.blocks.length * 2);
        }
        sequence.blocks[sequence.blockCount++] = block;
    }

    private Sequence require(long seqId, String call) {
        checkOpen();
        Sequence sequence = sequences.get(seqId);
        if (sequence == null) {
            throw new IllegalStateException(call + " of sequence " + seqId
                    + ", which holds no blocks; expected reserve() first and no free() before");
        }
        return sequence;
    }

    private void checkLayer(int layer) {
        if (layer < 0 || layer >= layout.layers()) {
            throw new IllegalArgumentException("layer " + layer + ", expected 0 <= layer < " + layout.layers());
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("KV cache is closed, expected calls before close()");
        }
    }
}
