// The linear layer's GEMM on tensor cores: C = act(A . W^T + bias) with bf16 operands and fp32
// accumulation, and the two small kernels the cuBLAS alternative needs around cublasGemmEx.
#include <cuda_bf16.h>
#include <mma.h>

#include "encoder_common.cuh"

#define GEMM_BM 64 // rows of C per block
#define GEMM_BN 64 // columns of C per block
#define GEMM_BK 32 // depth of one shared-memory stage
#define GEMM_PAD 8 // bf16 elements of padding per shared row: keeps wmma's ldm a multiple of 8 and spreads banks
#define GEMM_CPAD 4 // fp32 padding of the output staging tile

// gemm_bf16_bias_act: C[m, n] = act(sum_k bf16(A[m, k]) * W[n, k] + bias[n]), products accumulated in fp32.
// A: [M, K] fp32 activations, rounded to bf16 (nearest even) as they are staged; W: [N, K] bf16,
// nn.Linear's layout; bias: [N] fp32 or null; C: [M, N] fp32; act: an ACT_* code. Any M, N, K >= 1.
// grid (ceil(N / 64), ceil(M / 64)), block 128: four warps in 2 x 2, each computing a 32 x 32 piece
// of the 64 x 64 tile as 2 x 2 wmma 16x16x16 bf16 fragments (mma.sync on sm_80+ tensor cores);
// the accumulators go through shared memory so the epilogue (bias, activation, bounds) is plain code.
extern "C" __global__ void __launch_bounds__(128) gemm_bf16_bias_act(
    const float* __restrict__ A, const __nv_bfloat16* __restrict__ W, const float* __restrict__ bias,
    float* __restrict__ C, int M, int N, int K, int act) {
    using namespace nvcuda;
    __shared__ __align__(128) __nv_bfloat16 as[GEMM_BM][GEMM_BK + GEMM_PAD];
    __shared__ __align__(128) __nv_bfloat16 ws[GEMM_BN][GEMM_BK + GEMM_PAD];
    __shared__ __align__(128) float cs[GEMM_BM][GEMM_BN + GEMM_CPAD];

    const int tid = threadIdx.x;
    const int warp = tid >> 5;
    const int warp_m = warp >> 1;
    const int warp_n = warp & 1;
    const int m0 = blockIdx.y * GEMM_BM;
    const int n0 = blockIdx.x * GEMM_BN;

    wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc[2][2];
#pragma unroll
    for (int i = 0; i < 2; ++i) {
#pragma unroll
        for (int j = 0; j < 2; ++j) {
            wmma::fill_fragment(acc[i][j], 0.0f);
        }
    }

    for (int k0 = 0; k0 < K; k0 += GEMM_BK) {
        // consecutive threads take consecutive k: each row of a stage is one coalesced read
        for (int i = tid; i < GEMM_BM * GEMM_BK; i += blockDim.x) {
            const int r = i / GEMM_BK;
            const int c = i - r * GEMM_BK;
            const int gm = m0 + r;
            const int gk = k0 + c;
            as[r][c] = __float2bfloat16_rn(gm < M && gk < K ? A[(long long)gm * K + gk] : 0.0f);
        }
        for (int i = tid; i < GEMM_BN * GEMM_BK; i += blockDim.x) {
            const int r = i / GEMM_BK;
            const int c = i - r * GEMM_BK;
            const int gn = n0 + r;
            const int gk = k0 + c;
            ws[r][c] = gn < N && gk < K ? W[(long long)gn * K + gk] : __float2bfloat16_rn(0.0f);
        }
        __syncthreads();
#pragma unroll
        for (int kk = 0; kk < GEMM_BK; kk += 16) {
            wmma::fragment<wmma::matrix_a, 16, 16, 16, __nv_bfloat16, wmma::row_major> a[2];
            // W^T seen column-major: element (k, n) of W^T is ws[n][k]
            wmma::fragment<wmma::matrix_b, 16, 16, 16, __nv_bfloat16, wmma::col_major> b[2];
#pragma unroll
            for (int i = 0; i < 2; ++i) {
                wmma::load_matrix_sync(a[i], &as[warp_m * 32 + i * 16][kk], GEMM_BK + GEMM_PAD);
            }
#pragma unroll
            for (int j = 0; j < 2; ++j) {
                wmma::load_matrix_sync(b[j], &ws[warp_n * 32 + j * 16][kk], GEMM_BK + GEMM_PAD);
            }
#pragma unroll
            for (int i = 0; i < 2; ++i) {
#pragma unroll
                for (int j = 0; j < 2; ++j) {
                    wmma::mma_sync(acc[i][j], a[i], b[j], acc[i][j]);
                }
            }
        }
        __syncthreads();
    }

#pragma unroll
    for (int i = 0; i < 2; ++i) {
#pragma unroll
        for (int j = 0; j < 2; ++j) {
            wmma::store_matrix_sync(&cs[warp_m * 32 + i * 16][warp_n * 32 + j * 16], acc[i][j],
                                    GEMM_BN + GEMM_CPAD, wmma::mem_row_major);
        }
    }
    __syncthreads();
    for (int i = tid; i < GEMM_BM * GEMM_BN; i += blockDim.x) {
        const int r = i / GEMM_BN;
        const int c = i - r * GEMM_BN;
        const int gm = m0 + r;
        const int gn = n0 + c;
        if (gm < M && gn < N) {
            const float v = cs[r][c] + (bias != nullptr ? bias[gn] : 0.0f);
            C[(long long)gm * N + gn] = apply_activation(v, act);
        }
    }
}

// f32_to_bf16: dst[i] = bf16(src[i]), rounded to nearest even, for i < n (the activations fed to
// cublasGemmEx). src: [n] fp32; dst: [n] bf16. grid min(ceil(n / 256), 65535 * 8), block 256, grid-stride.
extern "C" __global__ void __launch_bounds__(256) f32_to_bf16(
    const float* __restrict__ src, __nv_bfloat16* __restrict__ dst, long long n) {
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
         i += (long long)gridDim.x * blockDim.x) {
        dst[i] = __float2bfloat16_rn(src[i]);
    }
}

// bias_activation_rows: C[r, c] = act(C[r, c] + bias[c]) (bias may be null), the epilogue of a cuBLAS GEMM.
// C: [n / cols, cols] fp32; bias: [cols]. grid and block as f32_to_bf16.
extern "C" __global__ void __launch_bounds__(256) bias_activation_rows(
    float* __restrict__ C, const float* __restrict__ bias, long long n, int cols, int act) {
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
         i += (long long)gridDim.x * blockDim.x) {
        C[i] = apply_activation(C[i] + (bias != nullptr ? bias[i % cols] : 0.0f), act);
    }
}
