// Causal grouped-query attention over a paged KV cache, for prefill chunks and for decode tokens,
// and the write of a pass's new keys and values into the cache. The reference is
// io.textintel.serving.model.decoder.ScalarDecoderOps#attention over
// io.textintel.serving.kv.PagedKvCache:
//
//   cache of one layer:  T [numBlocks, blockSize, kvHeads, headDim] row-major, for keys and for values
//   slot of a position:  blockTable[position / blockSize] * blockSize + position % blockSize
//                        (PagedKvCache#offset == slot * kvHeads * headDim)
//   query head h reads key/value head h / (heads / kvHeads); scores are q·k * scale with
//   scale = 1/sqrt(headDim) (a parameter); a token at position p sees positions 0..p of its
//   sequence, whose keys and values this pass has already written (kv_cache_write_*).
//
// T, the cache's element type, is bf16 (the serving layout: half the memory and the bandwidth) or
// fp32 (the CPU cache's own type, for tests at fp32 tolerance); each kernel has a _bf16 and an _f32
// entry point. Queries, outputs and all accumulation are fp32; softmax is the online (flash)
// form, so no [tokens, context] score matrix is ever stored.
//
// Limits: headDim % 8 == 0 and headDim <= 256 (ATTN_MAX_HEAD_DIM); any blockSize >= 1; any GQA
// group (heads % kvHeads == 0).

#include <cstdint>
#include <cuda_bf16.h>

#define ATTN_MAX_HEAD_DIM 256
#define ATTN_DIMS_PER_LANE (ATTN_MAX_HEAD_DIM / 32)
#define ATTN_WARPS 4
#define ATTN_THREADS (ATTN_WARPS * 32)
#define ATTN_KEY_TILE 32
// prefill: query rows (token, head) per warp and per block
#define PREFILL_ROWS_PER_WARP 4
#define PREFILL_ROWS (ATTN_WARPS * PREFILL_ROWS_PER_WARP)
// decode: query heads of one KV head handled by one block (larger groups take several blocks)
#define DECODE_MAX_ROWS 8

// A named namespace, not an anonymous one: names of internal linkage carry a hash of the source
// file's absolute path into the PTX, which would make the PTX differ between checkouts.
namespace decoder_attention {

__device__ __forceinline__ float toFloat(float x) { return x; }
__device__ __forceinline__ float toFloat(__nv_bfloat16 x) { return __bfloat162float(x); }

template <typename T> __device__ __forceinline__ T fromFloat(float x);
template <> __device__ __forceinline__ float fromFloat<float>(float x) { return x; }
template <> __device__ __forceinline__ __nv_bfloat16 fromFloat<__nv_bfloat16>(float x) { return __float2bfloat16_rn(x); }

// Eight consecutive elements from 16-byte (bf16) or 2 x 16-byte (fp32) aligned storage.
__device__ __forceinline__ void load8(const float* p, float out[8]) {
    const float4 a = *reinterpret_cast<const float4*>(p);
    const float4 b = *reinterpret_cast<const float4*>(p + 4);
    out[0] = a.x; out[1] = a.y; out[2] = a.z; out[3] = a.w;
    out[4] = b.x; out[5] = b.y; out[6] = b.z; out[7] = b.w;
}

__device__ __forceinline__ void load8(const __nv_bfloat16* p, float out[8]) {
    const uint4 raw = *reinterpret_cast<const uint4*>(p);
    const __nv_bfloat162* pairs = reinterpret_cast<const __nv_bfloat162*>(&raw);
#pragma unroll
    for (int i = 0; i < 4; i++) {
        const float2 f = __bfloat1622float2(pairs[i]);
        out[2 * i] = f.x;
        out[2 * i + 1] = f.y;
    }
}

__device__ __forceinline__ float warpMax(float x) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) {
        x = fmaxf(x, __shfl_xor_sync(0xffffffffu, x, o));
    }
    return x;
}

__device__ __forceinline__ float warpSum(float x) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) {
        x += __shfl_xor_sync(0xffffffffu, x, o);
    }
    return x;
}

// exp(a - b) where a may be -inf (gives 0) and b is finite or -inf together with a (gives 0, not NaN).
__device__ __forceinline__ float expDiff(float a, float b) {
    return a == -INFINITY ? 0.0f : expf(a - b);
}

// Index of the element (position, kvHead, 0) of a sequence in a cache layer.
__device__ __forceinline__ size_t cacheRow(const int* table, int position, int blockSize, int kvHeads, int kvHead,
                                           int headDim) {
    const int block = table[position / blockSize];
    const size_t slot = (size_t) block * blockSize + position % blockSize;
    return (slot * kvHeads + kvHead) * headDim;
}

template <typename T>
__device__ void kvCacheWrite(const float* __restrict__ k, const float* __restrict__ v, const int* __restrict__ slots,
                             T* __restrict__ kCache, T* __restrict__ vCache, int tokens, int width) {
    const int t = blockIdx.x;
    if (t >= tokens) {
        return;
    }
    const int slot = slots[t];
    if (slot < 0) {
        return; // padding token: nothing to store
    }
    const float* kRow = k + (size_t) t * width;
    const float* vRow = v + (size_t) t * width;
    T* kDst = kCache + (size_t) slot * width;
    T* vDst = vCache + (size_t) slot * width;
    for (int i = threadIdx.x; i < width; i += blockDim.x) {
        kDst[i] = fromFloat<T>(kRow[i]);
        vDst[i] = fromFloat<T>(vRow[i]);
    }
}

// Flash-style causal prefill; see the entry points below for the contract.
template <typename T>
__device__ void prefill(const float* __restrict__ q, const T* __restrict__ kCache, const T* __restrict__ vCache,
                        float* __restrict__ out, const int* __restrict__ blockTables,
                        const int* __restrict__ chunkTokenStart, const int* __restrict__ chunkStartPosition,
                        int heads, int kvHeads, int headDim, int blockSize, int tableStride, float scale) {
    extern __shared__ float shared[];
    float* qTile = shared;                                      // [PREFILL_ROWS, headDim]
    float* kTile = qTile + PREFILL_ROWS * headDim;              // [ATTN_KEY_TILE, headDim + 1] (padded: no bank conflicts)
    float* vTile = kTile + ATTN_KEY_TILE * (headDim + 1);       // [ATTN_KEY_TILE, headDim]

    const int chunk = blockIdx.z;
    const int kvHead = blockIdx.y;
    const int group = heads / kvHeads;
    const int firstToken = chunkTokenStart[chunk];
    const int chunkTokens = chunkTokenStart[chunk + 1] - firstToken;
    const int firstRow = blockIdx.x * PREFILL_ROWS; // rows of this KV head's queries: token-major, then head in group
    if (firstRow >= chunkTokens * group) {
        return;
    }
    const int startPosition = chunkStartPosition[chunk];
    const int* table = blockTables + (size_t) chunk * tableStride;
    const int lastTokenInBlock = min(chunkTokens * group - 1, firstRow + PREFILL_ROWS - 1) / group;
    const int keys = startPosition + lastTokenInBlock + 1; // the last row sees positions 0 .. its own

    const int warp = threadIdx.x / 32;
    const int lane = threadIdx.x % 32;
    const int qWidth = heads * headDim;

    // the block's query rows into shared memory (zeros for rows past the chunk)
    for (int e = threadIdx.x; e < PREFILL_ROWS * headDim; e += blockDim.x) {
        const int r = e / headDim;
        const int d = e - r * headDim;
        const int row = firstRow + r;
        const int token = row / group;
        float value = 0.0f;
        if (token < chunkTokens) {
            const int head = kvHead * group + row % group;
            value = q[(size_t) (firstToken + token) * qWidth + head * headDim + d];
        }
        qTile[e] = value;
    }

    int rowPosition[PREFILL_ROWS_PER_WARP]; // -1: row past the chunk
    float m[PREFILL_ROWS_PER_WARP];
    float l[PREFILL_ROWS_PER_WARP];
    float acc[PREFILL_ROWS_PER_WARP][ATTN_DIMS_PER_LANE];
#pragma unroll
    for (int rr = 0; rr < PREFILL_ROWS_PER_WARP; rr++) {
        const int token = (firstRow + warp * PREFILL_ROWS_PER_WARP + rr) / group;
        rowPosition[rr] = token < chunkTokens ? startPosition + token : -1;
        m[rr] = -INFINITY;
        l[rr] = 0.0f;
#pragma unroll
        for (int c = 0; c < ATTN_DIMS_PER_LANE; c++) {
            acc[rr][c] = 0.0f;
        }
    }

    for (int base = 0; base < keys; base += ATTN_KEY_TILE) {
        __syncthreads(); // the previous tile is consumed (and, first time, qTile is written)
        for (int e = threadIdx.x; e < ATTN_KEY_TILE * headDim; e += blockDim.x) {
            const int j = e / headDim;
            const int d = e - j * headDim;
            const int position = base + j;
            float kv = 0.0f;
            float vv = 0.0f;
            if (position < keys) {
                const size_t src = cacheRow(table, position, blockSize, kvHeads, kvHead, headDim) + d;
                kv = toFloat(kCache[src]);
                vv = toFloat(vCache[src]);
            }
            kTile[j * (headDim + 1) + d] = kv;
            vTile[j * headDim + d] = vv;
        }
        __syncthreads();

        // scores: lane j takes key base + j, for each of the warp's rows
        float dot[PREFILL_ROWS_PER_WARP];
#pragma unroll
        for (int rr = 0; rr < PREFILL_ROWS_PER_WARP; rr++) {
            dot[rr] = 0.0f;
        }
        const float* myKey = kTile + lane * (headDim + 1);
        const float* myQ = qTile + warp * PREFILL_ROWS_PER_WARP * headDim;
        for (int d = 0; d < headDim; d++) {
            const float kd = myKey[d];
#pragma unroll
            for (int rr = 0; rr < PREFILL_ROWS_PER_WARP; rr++) {
                dot[rr] += myQ[rr * headDim + d] * kd;
            }
        }

        const int position = base + lane;
#pragma unroll
        for (int rr = 0; rr < PREFILL_ROWS_PER_WARP; rr++) {
            if (rowPosition[rr] < base) {
                continue; // row past the chunk, or every key of the tile is in the row's future (warp-uniform)
            }
            const float s = position <= rowPosition[rr] ? dot[rr] * scale : -INFINITY;
            const float mNew = fmaxf(m[rr], warpMax(s)); // finite: key `base` is visible
            const float correction = expDiff(m[rr], mNew);
            const float p = expDiff(s, mNew);
            l[rr] = l[rr] * correction + warpSum(p);
            m[rr] = mNew;
#pragma unroll
            for (int c = 0; c < ATTN_DIMS_PER_LANE; c++) {
                acc[rr][c] *= correction;
            }
            const int visible = min(ATTN_KEY_TILE, rowPosition[rr] - base + 1);
            for (int j = 0; j < visible; j++) {
                const float pj = __shfl_sync(0xffffffffu, p, j);
#pragma unroll
                for (int c = 0; c < ATTN_DIMS_PER_LANE; c++) {
                    const int d = c * 32 + lane;
                    if (d < headDim) {
                        acc[rr][c] += pj * vTile[j * headDim + d];
                    }
                }
            }
        }
    }

#pragma unroll
    for (int rr = 0; rr < PREFILL_ROWS_PER_WARP; rr++) {
        if (rowPosition[rr] < 0) {
            continue;
        }
        const int row = firstRow + warp * PREFILL_ROWS_PER_WARP + rr;
        const int head = kvHead * group + row % group;
        float* o = out + (size_t) (firstToken + row / group) * qWidth + head * headDim;
        const float inverse = 1.0f / l[rr];
#pragma unroll
        for (int c = 0; c < ATTN_DIMS_PER_LANE; c++) {
            const int d = c * 32 + lane;
            if (d < headDim) {
                o[d] = acc[rr][c] * inverse;
            }
        }
    }
}

// Split-K decode ("flash-decoding"); see the entry points below for the contract.
template <typename T>
__device__ void decode(const float* __restrict__ q, const T* __restrict__ kCache, const T* __restrict__ vCache,
                       float* __restrict__ out, float* __restrict__ partialOut, float* __restrict__ partialMax,
                       float* __restrict__ partialSum, const int* __restrict__ blockTables,
                       const int* __restrict__ contextLens, int heads, int kvHeads, int headDim, int blockSize,
                       int tableStride, int partitionSize, int maxPartitions, float scale) {
    extern __shared__ float shared[];
    float* qRows = shared;                                       // [DECODE_MAX_ROWS, headDim]
    float* warpM = qRows + DECODE_MAX_ROWS * headDim;            // [ATTN_WARPS, DECODE_MAX_ROWS]
    float* warpL = warpM + ATTN_WARPS * DECODE_MAX_ROWS;         // [ATTN_WARPS, DECODE_MAX_ROWS]
    float* warpAcc = warpL + ATTN_WARPS * DECODE_MAX_ROWS;       // [ATTN_WARPS, DECODE_MAX_ROWS, headDim]

    const int seq = blockIdx.z;
    const int partition = blockIdx.x;
    const int group = heads / kvHeads;
    const int slices = (group + DECODE_MAX_ROWS - 1) / DECODE_MAX_ROWS;
    const int kvHead = blockIdx.y / slices;
    const int slice = blockIdx.y - kvHead * slices;
    const int firstHead = kvHead * group + slice * DECODE_MAX_ROWS;
    const int rows = min(DECODE_MAX_ROWS, group - slice * DECODE_MAX_ROWS);
    const int length = contextLens[seq];
    const int start = partition * partitionSize;
    if (start >= length) {
        return;
    }
    const int end = min(start + partitionSize, length);
    const int partitions = (length + partitionSize - 1) / partitionSize;
    const int* table = blockTables + (size_t) seq * tableStride;
    const int qWidth = heads * headDim;
    const int warp = threadIdx.x / 32;
    const int lane = threadIdx.x % 32;

    for (int e = threadIdx.x; e < rows * headDim; e += blockDim.x) {
        qRows[e] = q[(size_t) seq * qWidth + firstHead * headDim + e];
    }
    __syncthreads();

    float m[DECODE_MAX_ROWS];
    float l[DECODE_MAX_ROWS];
    float acc[DECODE_MAX_ROWS][ATTN_DIMS_PER_LANE];
#pragma unroll
    for (int g = 0; g < DECODE_MAX_ROWS; g++) {
        m[g] = -INFINITY;
        l[g] = 0.0f;
#pragma unroll
        for (int c = 0; c < ATTN_DIMS_PER_LANE; c++) {
            acc[g][c] = 0.0f;
        }
    }

    // warp w takes the tiles of 32 keys w, w + ATTN_WARPS, ... of the partition; lane j scores key base + j
    for (int base = start + warp * ATTN_KEY_TILE; base < end; base += ATTN_WARPS * ATTN_KEY_TILE) {
        const int position = base + lane;
        const bool valid = position < end;
        float dot[DECODE_MAX_ROWS];
#pragma unroll
        for (int g = 0; g < DECODE_MAX_ROWS; g++) {
            dot[g] = 0.0f;
        }
        if (valid) {
            const T* key = kCache + cacheRow(table, position, blockSize, kvHeads, kvHead, headDim);
            for (int d = 0; d < headDim; d += 8) {
                float kd[8];
                load8(key + d, kd);
#pragma unroll
                for (int g = 0; g < DECODE_MAX_ROWS; g++) {
                    if (g < rows) {
                        const float* qg = qRows + g * headDim + d;
#pragma unroll
                        for (int i = 0; i < 8; i++) {
                            dot[g] += qg[i] * kd[i];
                        }
                    }
                }
            }
        }
        float p[DECODE_MAX_ROWS];
#pragma unroll
        for (int g = 0; g < DECODE_MAX_ROWS; g++) {
            p[g] = 0.0f;
            if (g < rows) {
                const float s = valid ? dot[g] * scale : -INFINITY;
                const float mNew = fmaxf(m[g], warpMax(s)); // finite: lane 0's key is valid
                const float correction = expDiff(m[g], mNew);
                p[g] = expDiff(s, mNew);
                l[g] = l[g] * correction + warpSum(p[g]);
                m[g] = mNew;
#pragma unroll
                for (int c = 0; c < ATTN_DIMS_PER_LANE; c++) {
                    acc[g][c] *= correction;
                }
            }
        }
        const int tileKeys = min(ATTN_KEY_TILE, end - base);
        for (int j = 0; j < tileKeys; j++) {
            const T* value = vCache + cacheRow(table, base + j, blockSize, kvHeads, kvHead, headDim);
            float v[ATTN_DIMS_PER_LANE];
#pragma unroll
            for (int c = 0; c < ATTN_DIMS_PER_LANE; c++) {
                const int d = c * 32 + lane;
                v[c] = d < headDim ? toFloat(value[d]) : 0.0f;
            }
#pragma unroll
            for (int g = 0; g < DECODE_MAX_ROWS; g++) {
                if (g < rows) {
                    const float pj = __shfl_sync(0xffffffffu, p[g], j);
#pragma unroll
                    for (int c = 0; c < ATTN_DIMS_PER_LANE; c++) {
                        acc[g][c] += pj * v[c];
                    }
                }
            }
        }
    }

    // combine the warps' running softmax states
#pragma unroll
    for (int g = 0; g < DECODE_MAX_ROWS; g++) {
        if (g < rows) {
            if (lane == 0) {
                warpM[warp * DECODE_MAX_ROWS + g] = m[g];
                warpL[warp * DECODE_MAX_ROWS + g] = l[g];
            }
#pragma unroll
            for (int c = 0; c < ATTN_DIMS_PER_LANE; c++) {
                const int d = c * 32 + lane;
                if (d < headDim) {
                    warpAcc[(warp * DECODE_MAX_ROWS + g) * headDim + d] = acc[g][c];
                }
            }
        }
    }
    __syncthreads();
    for (int e = threadIdx.x; e < rows * headDim; e += blockDim.x) {
        const int g = e / headDim;
        const int d = e - g * headDim;
        float mAll = -INFINITY;
        for (int w = 0; w < ATTN_WARPS; w++) {
            mAll = fmaxf(mAll, warpM[w * DECODE_MAX_ROWS + g]);
        }
        float lAll = 0.0f;
        float oAll = 0.0f;
        for (int w = 0; w < ATTN_WARPS; w++) {
            const float f = expDiff(warpM[w * DECODE_MAX_ROWS + g], mAll); // 0 for a warp that had no keys
            lAll += warpL[w * DECODE_MAX_ROWS + g] * f;
            oAll += warpAcc[(w * DECODE_MAX_ROWS + g) * headDim + d] * f;
        }
        const int head = firstHead + g;
        if (partitions == 1) {
            out[(size_t) seq * qWidth + head * headDim + d] = oAll / lAll;
        } else {
            const size_t stat = ((size_t) seq * heads + head) * maxPartitions + partition;
            partialOut[stat * headDim + d] = oAll / lAll;
            if (d == 0) {
                partialMax[stat] = mAll;
                partialSum[stat] = lAll;
            }
        }
    }
}

} // namespace decoder_attention

using namespace decoder_attention;

extern "C" {

// Writes the keys and values of a pass's tokens into their cache slots, converting to the cache type.
//
// grid:  (tokens)  one block per token
// block: (128)     threads stride over kvHeads * headDim
// k, v:    float [tokens, kvHeads * headDim]
// slots:   int   [tokens]   blockTable[position / blockSize] * blockSize + position % blockSize; < 0 skips the token
// kCache, vCache: T [numBlocks, blockSize, kvHeads, headDim] of one layer
// width:   kvHeads * headDim
__global__ void kv_cache_write_bf16(const float* k, const float* v, const int* slots, __nv_bfloat16* kCache,
                                    __nv_bfloat16* vCache, int tokens, int width) {
    kvCacheWrite(k, v, slots, kCache, vCache, tokens, width);
}

__global__ void kv_cache_write_f32(const float* k, const float* v, const int* slots, float* kCache, float* vCache,
                                   int tokens, int width) {
    kvCacheWrite(k, v, slots, kCache, vCache, tokens, width);
}

// Causal attention of chunks of new tokens of several sequences over their paged KV (prefill, and
// verification runs of speculative decoding): a chunk's token at position p attends to positions
// 0..p of its sequence. Tiles of 32 keys and values are staged in shared memory; each warp keeps
// the online-softmax state of 4 query rows; a block's 16 rows are (token, head) pairs of one KV
// head's query group, token-major, so one staged tile serves every head of the group.
//
// grid:  (ceil(maxChunkTokens * group / 16), kvHeads, chunks)   blocks past their chunk return at once
// block: (128)
// dynamic shared memory: (16 * headDim + 32 * (headDim + 1) + 32 * headDim) * 4 bytes
//                        (41,088 B at headDim 128; above 48 KiB, headDim > 152, the launcher raises
//                        CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES)
// q:                  float [tokens, heads * headDim]     chunks' tokens end to end, rotated
// out:                float [tokens, heads * headDim]
// kCache, vCache:     T [numBlocks, blockSize, kvHeads, headDim]
// blockTables:        int [chunks, tableStride]          block ids of each chunk's sequence, position order
// chunkTokenStart:    int [chunks + 1]                   first token of each chunk in q; the last entry is tokens
// chunkStartPosition: int [chunks]                       position of each chunk's first token
__global__ void paged_attention_prefill_bf16(const float* q, const __nv_bfloat16* kCache,
                                             const __nv_bfloat16* vCache, float* out, const int* blockTables,
                                             const int* chunkTokenStart, const int* chunkStartPosition, int heads,
                                             int kvHeads, int headDim, int blockSize, int tableStride, float scale) {
    prefill(q, kCache, vCache, out, blockTables, chunkTokenStart, chunkStartPosition, heads, kvHeads, headDim,
            blockSize, tableStride, scale);
}

__global__ void paged_attention_prefill_f32(const float* q, const float* kCache, const float* vCache, float* out,
                                            const int* blockTables, const int* chunkTokenStart,
                                            const int* chunkStartPosition, int heads, int kvHeads, int headDim,
                                            int blockSize, int tableStride, float scale) {
    prefill(q, kCache, vCache, out, blockTables, chunkTokenStart, chunkStartPosition, heads, kvHeads, headDim,
            blockSize, tableStride, scale);
}

// Decode: one query token per sequence (at position contextLens[s] - 1, its key and value already
// written) over its paged KV, split into partitions of partitionSize keys computed by separate
// blocks ("flash-decoding"), so that a long context keeps the GPU busy with few sequences. Inside a
// block, 4 warps take alternate tiles of 32 keys; lane j scores key j of the tile for up to 8
// query heads of one KV head at once (each key is read once for the whole group).
//
// A sequence whose context fits one partition gets its output written to out directly; one of more
// partitions gets, per (head, partition), the partition's normalised output, its score maximum and
// its sum of exp(score - maximum), which paged_attention_decode_reduce combines into out.
//
// grid:  (maxPartitions, kvHeads * ceil(group / 8), seqs)   maxPartitions = ceil(max contextLens / partitionSize)
// block: (128)
// dynamic shared memory: (8 * headDim + 4 * 8 * 2 + 4 * 8 * headDim) * 4 bytes (20,736 B at headDim 128)
// q:              float [seqs, heads * headDim]            rotated
// out:            float [seqs, heads * headDim]
// partialOut:     float [seqs, heads, maxPartitions, headDim]
// partialMax:     float [seqs, heads, maxPartitions]
// partialSum:     float [seqs, heads, maxPartitions]
// kCache, vCache: T [numBlocks, blockSize, kvHeads, headDim]
// blockTables:    int [seqs, tableStride]
// contextLens:    int [seqs]     positions each sequence's token attends to (its position + 1), >= 1
// partitionSize:  keys per partition, a multiple of 32 (512 is a good default on H100/H200)
__global__ void paged_attention_decode_bf16(const float* q, const __nv_bfloat16* kCache, const __nv_bfloat16* vCache,
                                            float* out, float* partialOut, float* partialMax, float* partialSum,
                                            const int* blockTables, const int* contextLens, int heads, int kvHeads,
                                            int headDim, int blockSize, int tableStride, int partitionSize,
                                            int maxPartitions, float scale) {
    decode(q, kCache, vCache, out, partialOut, partialMax, partialSum, blockTables, contextLens, heads, kvHeads,
           headDim, blockSize, tableStride, partitionSize, maxPartitions, scale);
}

__global__ void paged_attention_decode_f32(const float* q, const float* kCache, const float* vCache, float* out,
                                           float* partialOut, float* partialMax, float* partialSum,
                                           const int* blockTables, const int* contextLens, int heads, int kvHeads,
                                           int headDim, int blockSize, int tableStride, int partitionSize,
                                           int maxPartitions, float scale) {
    decode(q, kCache, vCache, out, partialOut, partialMax, partialSum, blockTables, contextLens, heads, kvHeads,
           headDim, blockSize, tableStride, partitionSize, maxPartitions, scale);
}

// Combines the partitions of paged_attention_decode_* for sequences of more than one partition:
// out = sum_p w_p * partialOut_p / sum_p w_p with w_p = partialSum_p * exp(partialMax_p - max_p partialMax_p).
// Sequences of one partition were written by the decode kernel and are left alone.
//
// grid:  (heads, seqs)
// block: (128)   threads stride over headDim
// dynamic shared memory: maxPartitions * 4 bytes
// shapes as in paged_attention_decode_*
__global__ void paged_attention_decode_reduce(float* out, const float* partialOut, const float* partialMax,
                                              const float* partialSum, const int* contextLens, int heads,
                                              int headDim, int partitionSize, int maxPartitions) {
    extern __shared__ float weights[]; // [maxPartitions]
    __shared__ float total;
    const int head = blockIdx.x;
    const int seq = blockIdx.y;
    const int partitions = (contextLens[seq] + partitionSize - 1) / partitionSize;
    if (partitions <= 1) {
        return;
    }
    const size_t stats = ((size_t) seq * heads + head) * maxPartitions;
    if (threadIdx.x == 0) {
        float mAll = -INFINITY;
        for (int p = 0; p < partitions; p++) {
            mAll = fmaxf(mAll, partialMax[stats + p]);
        }
        float sum = 0.0f;
        for (int p = 0; p < partitions; p++) {
            const float w = partialSum[stats + p] * expDiff(partialMax[stats + p], mAll);
            weights[p] = w;
            sum += w;
        }
        total = sum;
    }
    __syncthreads();
    const float inverse = 1.0f / total;
    for (int d = threadIdx.x; d < headDim; d += blockDim.x) {
        float o = 0.0f;
        for (int p = 0; p < partitions; p++) {
            o += weights[p] * partialOut[(stats + p) * headDim + d];
        }
        out[((size_t) seq * heads + head) * headDim + d] = o * inverse;
    }
}

} // extern "C"
