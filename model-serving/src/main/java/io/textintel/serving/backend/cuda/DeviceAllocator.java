package io.textintel.serving.backend.cuda;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A caching device-memory allocator that does not fragment: every request is rounded up to a
 * size class, and a freed block waits in its class's free list for the next request of that
 * class; blocks are never split or merged, so no free space is ever stranded between live blocks.
 *
 * <p>Size classes are powers of two from 256 B up to 1 MiB, then quarter-octave steps
 * ({@code 1.25, 1.5, 1.75, 2 x 2^e}), so a block wastes at most half of a small request and a
 * quarter of a large one. Each block is one allocation of the {@link Backing} (e.g.
 * {@code cuMemAlloc}); cached blocks are handed back to it by {@link #trim()}, by
 * {@link #close()}, and whenever the backing runs out of memory, after which the request is
 * retried once. Two bounds follow, and {@code DeviceAllocatorTest} checks both over a long
 * randomized continuous-batching workload:
 * <ul>
 *   <li>with room to spare, the cache holds per class no more blocks than were ever live at once
 *       in that class, so after a warm-up almost every request is served from it;
 *   <li>on a device that has exactly the peak working set (the most class bytes ever live at
 *       once), every request still succeeds: the pool never needs more than that peak. The price
 *       is reuse: the cache is handed back whenever a class runs dry with the device full.
 * </ul>
 *
 * <p>A block handed to a kernel on a stream may be freed as soon as that work is enqueued
 * <em>on the same stream</em>: the next user of the block is ordered after it. The allocator is
 * thread-safe.
 *
 * @param <P> the backing's pointer type ({@code CUdeviceptr} on a device)
 */
public final class DeviceAllocator<P> implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DeviceAllocator.class);

    /** The smallest block: the alignment cuMemAlloc gives, and enough for any vector of a few dozen floats. */
    public static final long MIN_BLOCK_BYTES = 256;
    /** The largest power-of-two class; larger classes step by quarter octaves. */
    public static final long LARGEST_POWER_OF_TWO_CLASS = 1L << 20;

    /** Where blocks come from: raw device memory. */
    public interface Backing<P> {
        /**
         * A new allocation of {@code bytes}.
         *
         * @throws CudaException of kind {@link CudaException.Kind#OUT_OF_MEMORY} when there is no room
         */
        P allocate(long bytes);

        void free(P pointer);
    }

    /** A block of device memory owned by the caller until {@link #free}d. */
    public static final class Block<P> {
        private final P pointer;
        private final long bytes;
        private long requested;

        private Block(P pointer, long bytes) {
            this.pointer = pointer;
            this.bytes = bytes;
        }

        public P pointer() {
            return pointer;
        }

        /** The block's size: its size class, at least what was requested. */
        public long bytes() {
            return bytes;
        }

        /** The bytes the current owner asked for. */
        public long requested() {
            return requested;
        }
    }

    /**
     * Counters of an allocator.
     *
     * @param inUseBytes class bytes of the blocks owned by callers
     * @param requestedBytes bytes callers asked for, of the blocks they own
     * @param reservedBytes bytes held from the backing: in use plus cached
     * @param peakInUseBytes the most {@code inUseBytes} has been
     * @param peakReservedBytes the most {@code reservedBytes} has been
     * @param allocations calls of {@link #allocate}
     * @param reused allocations served from a free list
     * @param backingAllocations allocations of the backing
     * @param backingFrees frees of the backing
     * @param releases times the cache was handed back because the backing ran out of memory
     */
    public record Stats(long inUseBytes, long requestedBytes, long reservedBytes, long peakInUseBytes,
            long peakReservedBytes, long allocations, long reused, long backingAllocations, long backingFrees,
            long releases) {}

    private final Backing<P> backing;
    private final Map<Long, ArrayDeque<Block<P>>> free = new HashMap<>();
    private final Map<Block<P>, Boolean> live = new IdentityHashMap<>();
    private long inUse;
    private long requested;
    private long reserved;
    private long peakInUse;
    private long peakReserved;
    private long allocations;
    private long reused;
    private long backingAllocations;
    private long backingFrees;
    private long releases;
    private boolean closed;

    public DeviceAllocator(Backing<P> backing) {
        this.backing = Objects.requireNonNull(backing, "backing");
    }

    /** The size class of a request of {@code bytes}: the size of the block that serves it. */
    public static long classSize(long bytes) {
        if (bytes < 1) {
            throw new IllegalArgumentException("allocation of " + bytes + " bytes, expected >= 1");
        }
        if (bytes <= MIN_BLOCK_BYTES) {
            return MIN_BLOCK_BYTES;
        }
        if (bytes <= LARGEST_POWER_OF_TWO_CLASS) {
            return Long.highestOneBit(bytes - 1) << 1;
        }
        long step = Long.highestOneBit(bytes - 1) >> 2;
        return (bytes + step - 1) / step * step;
    }

    /**
     * A block of at least {@code bytes}: a cached one of the same size class, or a new one.
     *
     * @throws CudaException of kind {@link CudaException.Kind#OUT_OF_MEMORY} if the backing has no
     *     room even after the cache was handed back
     */
    public synchronized Block<P> allocate(long bytes) {
        requireOpen();
        long size = classSize(bytes);
        allocations++;
        ArrayDeque<Block<P>> cached = free.get(size);
        Block<P> block = cached == null ? null : cached.pollLast();
        if (block != null) {
            reused++;
        } else {
            block = new Block<>(allocateBacking(size), size);
        }
        block.requested = bytes;
        live.put(block, Boolean.TRUE);
        inUse += size;
        requested += bytes;
        peakInUse = Math.max(peakInUse, inUse);
        return block;
    }

    /**
     * Returns {@code block} to its class's free list.
     *
     * @throws IllegalStateException if the block is not live in this allocator (freed twice, or another's)
     */
    public synchronized void free(Block<P> block) {
        Objects.requireNonNull(block, "block");
        if (closed) {
            return; // close() handed every block back already
        }
        if (live.remove(block) == null) {
            throw new IllegalStateException("block of " + block.bytes + " bytes at " + block.pointer
                    + " is not live in this allocator, expected each block freed once. This is a bug.");
        }
        inUse -= block.bytes;
        requested -= block.requested;
        free.computeIfAbsent(block.bytes, size -> new ArrayDeque<>()).addLast(block);
    }

    /** Hands every cached (free) block back to the backing; live blocks stay. */
    public synchronized void trim() {
        for (ArrayDeque<Block<P>> blocks : free.values()) {
            for (Block<P> block : blocks) {
                freeBacking(block);
            }
        }
        free.clear();
    }

    public synchronized Stats stats() {
        return new Stats(inUse, requested, reserved, peakInUse, peakReserved, allocations, reused, backingAllocations,
                backingFrees, releases);
    }

    /**
     * Hands the cache back, and every block still live too (their owners must not use them any
     * more); logs how many were still live.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        trim();
        if (!live.isEmpty()) {
            LOG.warn("Device allocator closed with {} blocks ({} bytes) still in use; freeing them", live.size(), inUse);
            for (Block<P> block : live.keySet()) {
                freeBacking(block);
            }
            live.clear();
            inUse = 0;
            requested = 0;
        }
        closed = true;
    }

    private P allocateBacking(long size) {
        try {
            return countAllocation(backing.allocate(size), size);
        } catch (CudaException e) {
            if (e.kind() != CudaException.Kind.OUT_OF_MEMORY) {
                throw e;
            }
            long cached = reserved - inUse;
            releases++;
            LOG.debug("Device allocator out of memory for {} bytes with {} bytes cached; handing the cache back", size,
                    cached);
            trim();
            return countAllocation(backing.allocate(size), size);
        }
    }

    private P countAllocation(P pointer, long size) {
        backingAllocations++;
        reserved += size;
        peakReserved = Math.max(peakReserved, reserved);
        return pointer;
    }

    private void freeBacking(Block<P> block) {
        backing.free(block.pointer);
        backingFrees++;
        reserved -= block.bytes;
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("device allocator is closed, expected allocations before close()");
        }
    }
}
