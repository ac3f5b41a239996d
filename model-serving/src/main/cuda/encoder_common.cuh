// Device helpers shared by the encoder kernel families: activation functions and block reductions.
// Header only; every function is inlined into the kernels that use it.
#pragma once

// Activation codes, as backend.cuda.ActivationCode numbers them.
#define ACT_NONE 0
#define ACT_GELU 1
#define ACT_GELU_TANH 2
#define ACT_RELU 3
#define ACT_TANH 4
#define ACT_SIGMOID 5
#define ACT_SILU 6

// Precise erff/tanhf/expf (no --use_fast_math): the results are compared with a double reference.
__device__ __forceinline__ float apply_activation(float x, int act) {
    switch (act) {
    case ACT_GELU:
        return 0.5f * x * (1.0f + erff(x * 0.70710678118654752f));
    case ACT_GELU_TANH:
        return 0.5f * x * (1.0f + tanhf(0.79788456080286536f * (x + 0.044715f * x * x * x)));
    case ACT_RELU:
        return fmaxf(x, 0.0f);
    case ACT_TANH:
        return tanhf(x);
    case ACT_SIGMOID:
        return 1.0f / (1.0f + expf(-x));
    case ACT_SILU:
        return x / (1.0f + expf(-x));
    default:
        return x;
    }
}

__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
    for (int offset = 16; offset > 0; offset >>= 1) {
        v += __shfl_xor_sync(0xffffffffu, v, offset);
    }
    return v;
}

__device__ __forceinline__ float warp_max(float v) {
#pragma unroll
    for (int offset = 16; offset > 0; offset >>= 1) {
        v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, offset));
    }
    return v;
}

// Sum of v over the block, returned to every thread. blockDim.x must be a multiple of 32 (at most
// 1024); scratch is 32 floats of shared memory. The leading barrier lets one scratch serve
// several reductions in a row.
__device__ __forceinline__ float block_sum(float v, float* scratch) {
    const int lane = threadIdx.x & 31;
    const int warp = threadIdx.x >> 5;
    const int warps = blockDim.x >> 5;
    v = warp_sum(v);
    __syncthreads();
    if (lane == 0) {
        scratch[warp] = v;
    }
    __syncthreads();
    return warp_sum(lane < warps ? scratch[lane] : 0.0f);
}

// Maximum of v over the block, returned to every thread; same contract as block_sum.
__device__ __forceinline__ float block_max(float v, float* scratch) {
    const int lane = threadIdx.x & 31;
    const int warp = threadIdx.x >> 5;
    const int warps = blockDim.x >> 5;
    v = warp_max(v);
    __syncthreads();
    if (lane == 0) {
        scratch[warp] = v;
    }
    __syncthreads();
    return warp_max(lane < warps ? scratch[lane] : -INFINITY);
}
