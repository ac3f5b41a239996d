// Encoder self-attention over packed sequences, flash-style: each block streams its sequence's
// keys and values through shared memory in tiles of 32 and keeps a running (online) softmax, so
// the [length, length] score matrix is never stored and any sequence length fits.
#include "encoder_common.cuh"

#define ATT_MAX_HEAD_DIM 128 // head dimensions up to this fit the shared tiles and registers
#define ATT_QUERIES 16 // query rows per block
#define ATT_KEYS 32 // keys per tile: one per lane when scoring
#define ATT_WARPS 4
#define ATT_ROWS_PER_WARP (ATT_QUERIES / ATT_WARPS)
#define ATT_DIMS_PER_LANE (ATT_MAX_HEAD_DIM / 32)

// encoder_attention: for each sequence s, head h and query row i of s,
//   out[i, h] = softmax_j(scale * q[i, h] . k[j, h]) v[j, h] over the rows j of s only (no mask
//   beyond the sequence's own span; bidirectional).
// qkv: [rows, 3 * hidden], the query, key and value projections side by side, head h at columns
//   h * headDim .. (h + 1) * headDim - 1 of each third; starts, lengths: [sequences];
// out: [rows, hidden]; rows of out outside every sequence are left untouched (the launcher zeroes them).
// headDim <= 128. grid (ceil(maxLength / 16), heads, sequences), block 128: warp w owns query rows
// 4w .. 4w + 3 of the block's 16; lane l scores key l of each tile, then owns output dimensions
// l, l + 32, l + 64, l + 96 when the weighted values are summed.
extern "C" __global__ void __launch_bounds__(128) encoder_attention(
    const float* __restrict__ qkv, const int* __restrict__ starts, const int* __restrict__ lengths,
    float* __restrict__ out, int hidden, int head_dim, float scale) {
    __shared__ float qs[ATT_QUERIES][ATT_MAX_HEAD_DIM];
    __shared__ float ks[ATT_KEYS][ATT_MAX_HEAD_DIM + 1]; // +1: lanes reading different keys hit different banks
    __shared__ float vs[ATT_KEYS][ATT_MAX_HEAD_DIM];

    const int sequence = blockIdx.z;
    const int head = blockIdx.y;
    const int length = lengths[sequence];
    const int start = starts[sequence];
    const int q0 = blockIdx.x * ATT_QUERIES;
    if (q0 >= length) {
        return; // the whole block leaves together, before any barrier
    }
    const int tid = threadIdx.x;
    const int lane = tid & 31;
    const int warp = tid >> 5;
    const long long row_stride = 3LL * hidden;
    const int q_col = head * head_dim;
    const int k_col = hidden + head * head_dim;
    const int v_col = 2 * hidden + head * head_dim;

    for (int i = tid; i < ATT_QUERIES * head_dim; i += blockDim.x) {
        const int r = i / head_dim;
        const int d = i - r * head_dim;
        const int q = q0 + r;
        qs[r][d] = q < length ? qkv[(start + q) * row_stride + q_col + d] * scale : 0.0f;
    }

    float row_max[ATT_ROWS_PER_WARP];
    float row_sum[ATT_ROWS_PER_WARP];
    float acc[ATT_ROWS_PER_WARP][ATT_DIMS_PER_LANE];
#pragma unroll
    for (int r = 0; r < ATT_ROWS_PER_WARP; ++r) {
        row_max[r] = -INFINITY;
        row_sum[r] = 0.0f;
#pragma unroll
        for (int j = 0; j < ATT_DIMS_PER_LANE; ++j) {
            acc[r][j] = 0.0f;
        }
    }

    for (int k0 = 0; k0 < length; k0 += ATT_KEYS) {
        __syncthreads(); // the previous tile is consumed (and, the first time, qs is written)
        for (int i = tid; i < ATT_KEYS * head_dim; i += blockDim.x) {
            const int r = i / head_dim;
            const int d = i - r * head_dim;
            const int k = k0 + r;
            const bool valid = k < length;
            const long long base = (start + k) * row_stride;
            ks[r][d] = valid ? qkv[base + k_col + d] : 0.0f;
            vs[r][d] = valid ? qkv[base + v_col + d] : 0.0f;
        }
        __syncthreads();
        const bool key_valid = k0 + lane < length;
        const int tile_keys = min(ATT_KEYS, length - k0);
#pragma unroll
        for (int rr = 0; rr < ATT_ROWS_PER_WARP; ++rr) {
            const int r = warp * ATT_ROWS_PER_WARP + rr;
            float score = 0.0f;
            for (int d = 0; d < head_dim; ++d) {
                score += qs[r][d] * ks[lane][d];
            }
            score = key_valid ? score : -INFINITY;
            // key k0 is always valid, so the tile's maximum is finite
            const float new_max = fmaxf(row_max[rr], warp_max(score));
            const float p = key_valid ? expf(score - new_max) : 0.0f;
            const float correction = expf(row_max[rr] - new_max); // 0 on the first tile
            row_sum[rr] = row_sum[rr] * correction + warp_sum(p);
            row_max[rr] = new_max;
#pragma unroll
            for (int j = 0; j < ATT_DIMS_PER_LANE; ++j) {
                acc[rr][j] *= correction;
            }
            for (int key = 0; key < tile_keys; ++key) {
                const float pk = __shfl_sync(0xffffffffu, p, key);
#pragma unroll
                for (int j = 0; j < ATT_DIMS_PER_LANE; ++j) {
                    const int d = lane + 32 * j;
                    if (d < head_dim) {
                        acc[rr][j] += pk * vs[key][d];
                    }
                }
            }
        }
    }

#pragma unroll
    for (int rr = 0; rr < ATT_ROWS_PER_WARP; ++rr) {
        const int q = q0 + warp * ATT_ROWS_PER_WARP + rr;
        if (q < length) {
            const float inverse = 1.0f / row_sum[rr];
            float* target = out + (long long)(start + q) * hidden + head * head_dim;
#pragma unroll
            for (int j = 0; j < ATT_DIMS_PER_LANE; ++j) {
                const int d = lane + 32 * j;
                if (d < head_dim) {
                    target[d] = acc[rr][j] * inverse;
                }
            }
        }
    }
}
