package io.textintel.serving.backend.cuda;

import io.textintel.serving.backend.cpu.ScalarDecoderOps;
import io.textintel.serving.backend.cuda.DeviceTensor.Type;
import io.textintel.serving.backend.cuda.KernelLauncher.Dim3;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The launcher of the {@code paged_attention} family: the write of a pass's keys and values into
 * the paged KV cache, causal prefill attention over chunks, and split-K ("flash-decoding") decode
 * attention with its reduce, as {@code ScalarDecoderOps#attention} over {@code PagedKvCache}.
 *
 * <p>A cache layer is a tensor {@code [numBlocks, blockSize, kvHeads, headDim]} of BF16 (serving)
 * or F32 (the CPU cache's type); its type chooses the {@code _bf16} or {@code _f32} kernel. Block
 * tables are {@code [sequences, tableStride]} I32, rows padded.
 */
final class PagedAttentionLauncher {

    static final String FAMILY = "paged_attention";
    /** The kernels' register tiles hold a head of at most this many dimensions. */
    static final int MAX_HEAD_DIM = 256;
    /** Keys per decode partition when the caller does not choose: long enough to amortise, short enough to spread. */
    static final int DEFAULT_PARTITION_SIZE = 512;
    /** Dynamic shared memory a kernel gets without opting in. */
    static final int DEFAULT_SHARED_BYTES = 48 * 1024;
    private static final int THREADS = 128;
    private static final int PREFILL_ROWS = 16;
    private static final int KEY_TILE = 32;
    private static final int WARPS = 4;
    private static final int DECODE_MAX_ROWS = 8;
    private static final int MAX_GRID_YZ = 65_535;

    private final KernelLauncher kernels;
    /** The dynamic shared memory each kernel is opted in to, so each raise happens once. */
    private final Map<String, Integer> optedIn = new HashMap<>();

    PagedAttentionLauncher(KernelLauncher kernels) {
        this.kernels = Objects.requireNonNull(kernels, "kernels");
    }

    /**
     * Writes each token's key and value rows into its cache slot, converting to the cache's type.
     *
     * @param k {@code [tokens, kvHeads * headDim]} F32
     * @param v {@code [tokens, kvHeads * headDim]} F32
     * @param slots {@code [tokens]} I32, {@code PagedKvCache#offset / KvLayout#positionStride}; negative skips a token
     * @param kCache {@code [numBlocks, blockSize, kvHeads, headDim]} BF16 or F32
     * @param vCache as {@code kCache}
     */
    void writeKv(DeviceTensor k, DeviceTensor v, DeviceTensor slots, DeviceTensor kCache, DeviceTensor vCache) {
        String suffix = requireCaches(kCache, vCache);
        int[] cacheShape = kCache.shape();
        int width = cacheShape[2] * cacheShape[3];
        int tokens = k.rows();
        k.requireMatrix("k", Type.F32, tokens, width);
        v.requireMatrix("v", Type.F32, tokens, width);
        slots.requireVector("slots", Type.I32, tokens);
        if (tokens > 0) {
            kernels.launch("kv_cache_write_" + suffix, Dim3.of(tokens), Dim3.of(THREADS), 0, k.pointer(), v.pointer(),
                    slots.pointer(), kCache.pointer(), vCache.pointer(), tokens, width);
        }
    }

    /**
     * Causal attention of chunks of new tokens over their sequences' cached keys and values (written
     * already by {@link #writeKv}): the token at position p attends to positions 0..p.
     *
     * @param q {@code [tokens, heads * headDim]} F32, the chunks' tokens end to end, rotated
     * @param blockTables {@code [chunks, tableStride]} I32
     * @param chunkTokenStart {@code [chunks + 1]} I32, each chunk's first token in {@code q}; the last entry is tokens
     * @param chunkStartPosition {@code [chunks]} I32, the position of each chunk's first token
     * @param maxChunkTokens the most tokens of any chunk (the starts are on the device, so the caller says)
     * @param out {@code [tokens, heads * headDim]} F32
     */
    void prefill(DeviceTensor q, DeviceTensor kCache, DeviceTensor vCache, DeviceTensor blockTables,
            DeviceTensor chunkTokenStart, DeviceTensor chunkStartPosition, int maxChunkTokens, int heads,
            DeviceTensor out) {
        String suffix = requireCaches(kCache, vCache);
        int[] cacheShape = kCache.shape();
        int blockSize = cacheShape[1];
        int kvHeads = cacheShape[2];
        int headDim = cacheShape[3];
        int group = requireGroup(heads, kvHeads);
        int tokens = q.rows();
        int chunks = chunkStartPosition.cols();
        q.requireMatrix("q", Type.F32, tokens, heads * headDim);
        out.requireMatrix("out", Type.F32, tokens, heads * headDim);
        chunkStartPosition.requireVector("chunkStartPosition", Type.I32, chunks);
        chunkTokenStart.requireVector("chunkTokenStart", Type.I32, chunks + 1);
        blockTables.requireMatrix("blockTables", Type.I32, chunks, blockTables.cols());
        if (maxChunkTokens < 0 || maxChunkTokens > tokens) {
            throw new IllegalArgumentException("longest chunk of " + maxChunkTokens + " tokens, expected 0 to "
                    + tokens);
        }
        if (kvHeads > MAX_GRID_YZ || chunks > MAX_GRID_YZ) {
            throw new IllegalArgumentException(kvHeads + " key/value heads and " + chunks
                    + " chunks, expected each at most " + MAX_GRID_YZ + " for one launch");
        }
        if (chunks == 0 || maxChunkTokens == 0) {
            return;
        }
        String kernel = "paged_attention_prefill_" + suffix;
        int shared = prefillSharedBytes(headDim);
        if (shared > DEFAULT_SHARED_BYTES) {
            synchronized (optedIn) {
                if (shared > optedIn.getOrDefault(kernel, 0)) {
                    kernels.allowSharedBytes(kernel, shared);
                    optedIn.put(kernel, shared);
                }
            }
        }
        long rowBlocks = ((long) maxChunkTokens * group + PREFILL_ROWS - 1) / PREFILL_ROWS;
        kernels.launch(kernel, new Dim3(Math.toIntExact(rowBlocks), kvHeads, chunks), Dim3.of(THREADS), shared,
                q.pointer(), kCache.pointer(), vCache.pointer(), out.pointer(), blockTables.pointer(),
                chunkTokenStart.pointer(), chunkStartPosition.pointer(), heads, kvHeads, headDim, blockSize,
                blockTables.cols(), scale(headDim));
    }

    /**
     * Attention of one new token per sequence over its cached context, split into partitions of
     * {@code partitionSize} keys computed by separate blocks and combined by the reduce kernel; the
     * reduce is skipped when every context fits one partition.
     *
     * @param q {@code [seqs, heads * headDim]} F32, rotated
     * @param blockTables {@code [seqs, tableStride]} I32
     * @param contextLens {@code [seqs]} I32, each sequence's position + 1, each at least 1
     * @param maxContextLen the longest of {@code contextLens} (they are on the device, so the caller says)
     * @param partitionSize keys per partition, a multiple of 32
     * @param workspace the per-partition statistics, from {@link #workspaceShape}; null when
     *     {@link #partitions} is 1
     * @param out {@code [seqs, heads * headDim]} F32
     */
    void decode(DeviceTensor q, DeviceTensor kCache, DeviceTensor vCache, DeviceTensor blockTables,
            DeviceTensor contextLens, int maxContextLen, int partitionSize, int heads, DecodeWorkspace workspace,
            DeviceTensor out) {
        String suffix = requireCaches(kCache, vCache);
        int[] cacheShape = kCache.shape();
        int blockSize = cacheShape[1];
        int kvHeads = cacheShape[2];
        int headDim = cacheShape[3];
        int group = requireGroup(heads, kvHeads);
        int seqs = q.rows();
        q.requireMatrix("q", Type.F32, seqs, heads * headDim);
        out.requireMatrix("out", Type.F32, seqs, heads * headDim);
        contextLens.requireVector("contextLens", Type.I32, seqs);
        blockTables.requireMatrix("blockTables", Type.I32, seqs, blockTables.cols());
        int maxPartitions = partitions(maxContextLen, partitionSize);
        if (maxContextLen > (long) blockTables.cols() * blockSize) {
            throw new IllegalArgumentException("longest context of " + maxContextLen + " keys, expected at most "
                    + (long) blockTables.cols() * blockSize + " (block tables of " + blockTables.cols()
                    + " blocks of " + blockSize + ")");
        }
        int slices = (group + DECODE_MAX_ROWS - 1) / DECODE_MAX_ROWS;
        if ((long) kvHeads * slices > MAX_GRID_YZ || seqs > MAX_GRID_YZ) {
            throw new IllegalArgumentException(kvHeads + " key/value heads of " + slices + " slices and " + seqs
                    + " sequences, expected each at most " + MAX_GRID_YZ + " for one launch");
        }
        if (maxPartitions > 1) {
            if (workspace == null) {
                throw new IllegalArgumentException("decode workspace is null, expected one of shape "
                        + Arrays.toString(workspaceShape(seqs, heads, headDim, maxPartitions)) + " for "
                        + maxPartitions + " partitions of " + partitionSize + " keys");
            }
            workspace.require(seqs, heads, headDim, maxPartitions);
        }
        if (seqs == 0) {
            return;
        }
        kernels.launch("paged_attention_decode_" + suffix, new Dim3(maxPartitions, kvHeads * slices, seqs),
                Dim3.of(THREADS), decodeSharedBytes(headDim), q.pointer(), kCache.pointer(), vCache.pointer(),
                out.pointer(), maxPartitions > 1 ? workspace.out().pointer() : null,
                maxPartitions > 1 ? workspace.max().pointer() : null,
                maxPartitions > 1 ? workspace.sum().pointer() : null, blockTables.pointer(), contextLens.pointer(),
                heads, kvHeads, headDim, blockSize, blockTables.cols(), partitionSize, maxPartitions, scale(headDim));
        if (maxPartitions > 1) {
            kernels.launch("paged_attention_decode_reduce", new Dim3(heads, seqs, 1), Dim3.of(THREADS),
                    maxPartitions * Float.BYTES, out.pointer(), workspace.out().pointer(), workspace.max().pointer(),
                    workspace.sum().pointer(), contextLens.pointer(), heads, headDim, partitionSize, maxPartitions);
        }
    }

    /** {@link #decode} with partitions of {@link #DEFAULT_PARTITION_SIZE} keys. */
    void decode(DeviceTensor q, DeviceTensor kCache, DeviceTensor vCache, DeviceTensor blockTables,
            DeviceTensor contextLens, int maxContextLen, int heads, DecodeWorkspace workspace, DeviceTensor out) {
        decode(q, kCache, vCache, blockTables, contextLens, maxContextLen, DEFAULT_PARTITION_SIZE, heads, workspace,
                out);
    }

    /**
     * The partitions of the longest context: the decode grid's x and the workspace's third dimension.
     *
     * @throws IllegalArgumentException if the context is below 1, the partition size is not a positive
     *     multiple of 32, or the reduce's per-partition weights would not fit 48 KiB of shared memory
     */
    static int partitions(int maxContextLen, int partitionSize) {
        if (partitionSize < KEY_TILE || partitionSize % KEY_TILE != 0) {
            throw new IllegalArgumentException("decode partition size " + partitionSize
                    + ", expected a positive multiple of " + KEY_TILE);
        }
        if (maxContextLen < 1) {
            throw new IllegalArgumentException("longest context of " + maxContextLen + " keys, expected >= 1");
        }
        int partitions = (int) (((long) maxContextLen + partitionSize - 1) / partitionSize);
        if (partitions > DEFAULT_SHARED_BYTES / Float.BYTES) {
            throw new IllegalArgumentException("longest context of " + maxContextLen + " keys makes " + partitions
                    + " partitions of " + partitionSize + ", expected at most " + DEFAULT_SHARED_BYTES / Float.BYTES
                    + " (choose a larger partition size)");
        }
        return partitions;
    }

    /** The shape of {@link DecodeWorkspace#out()}: {@code [seqs, heads, maxPartitions, headDim]}. */
    static int[] workspaceShape(int seqs, int heads, int headDim, int maxPartitions) {
        return new int[] {seqs, heads, maxPartitions, headDim};
    }

    /** Dynamic shared memory of the prefill kernel: a query tile of 16 rows, a padded key tile and a value tile. */
    static int prefillSharedBytes(int headDim) {
        return (PREFILL_ROWS * headDim + KEY_TILE * (headDim + 1) + KEY_TILE * headDim) * Float.BYTES;
    }

    /** Dynamic shared memory of the decode kernel: 8 query rows and each warp's softmax state and accumulator. */
    static int decodeSharedBytes(int headDim) {
        return (DECODE_MAX_ROWS * headDim + WARPS * DECODE_MAX_ROWS * 2 + WARPS * DECODE_MAX_ROWS * headDim)
                * Float.BYTES;
    }

    private static float scale(int headDim) {
        return (float) (1.0 / Math.sqrt(headDim));
    }

    private static int requireGroup(int heads, int kvHeads) {
        if (heads < 1 || heads % kvHeads != 0) {
            throw new IllegalArgumentException("attention heads " + heads + " are not a multiple of the cache's "
                    + kvHeads + " key/value heads, expected a multiple >= 1");
        }
        return heads / kvHeads;
    }

    /** Checks the two cache layers against each other and the kernels' limits; returns the kernel suffix. */
    private static String requireCaches(DeviceTensor kCache, DeviceTensor vCache) {
        int[] shape = kCache.shape();
        if (shape.length != 4 || (kCache.type() != Type.BF16 && kCache.type() != Type.F32)) {
            throw new IllegalArgumentException("tensor kCache has shape " + Arrays.toString(shape) + " "
                    + kCache.type() + ", expected [numBlocks, blockSize, kvHeads, headDim] BF16 or F32");
        }
        if (vCache.type() != kCache.type() || !Arrays.equals(vCache.shape(), shape)) {
            throw new IllegalArgumentException("tensor vCache has shape " + Arrays.toString(vCache.shape()) + " "
                    + vCache.type() + ", expected " + Arrays.toString(shape) + " " + kCache.type() + " as kCache");
        }
        int headDim = shape[3];
        if (shape[1] < 1 || shape[2] < 1 || headDim < 8 || headDim % 8 != 0 || headDim > MAX_HEAD_DIM) {
            throw new IllegalArgumentException("tensor kCache has shape " + Arrays.toString(shape)
                    + ", expected blockSize and kvHeads >= 1 and a head dimension that is a multiple of 8 from 8 to "
                    + MAX_HEAD_DIM);
        }
        return kCache.type() == Type.BF16 ? "bf16" : "f32";
    }

    /**
     * The split-K decode's per-partition results: each (sequence, head, partition)'s normalised
     * output {@code [seqs, heads, maxPartitions, headDim]}, score maximum and sum of exponentials
     * {@code [seqs, heads, maxPartitions]}, all F32.
     */
    record DecodeWorkspace(DeviceTensor out, DeviceTensor max, DeviceTensor sum) {

        DecodeWorkspace {
            Objects.requireNonNull(out, "out");
            Objects.requireNonNull(max, "max");
            Objects.requireNonNull(sum, "sum");
        }

        void require(int seqs, int heads, int headDim, int maxPartitions) {
            int[] expected = workspaceShape(seqs, heads, headDim, maxPartitions);
            if (out.type() != Type.F32 || !Arrays.equals(out.shape(), expected)) {
                throw new IllegalArgumentException("tensor partialOut has shape " + Arrays.toString(out.shape()) + " "
                        + out.type() + ", expected " + Arrays.toString(expected) + " F32");
            }
            max.requireMatrix("partialMax", Type.F32, seqs * heads, maxPartitions);
            sum.requireMatrix("partialSum", Type.F32, seqs * heads, maxPartitions);
        }
    }
}
