// LayerNorm and RMSNorm over the rows of a [rows, cols] fp32 activation, each fused with the
// residual add that precedes it in a transformer block (post-norm BERT, pre-norm Llama).
#include "encoder_common.cuh"

// layer_norm_residual: s = x + residual (residual may be null);
//   out = (s - mean(s)) / sqrt(var(s) + eps) * gamma + beta, with the biased variance.
// x, residual, out: [rows, cols]; gamma, beta: [cols]. out may be x or residual.
// grid (rows), block 256, dynamic shared memory cols * 4 bytes (the row of s, so the inputs are
// read once and the variance is taken around the mean in a second pass, as the reference does).
extern "C" __global__ void __launch_bounds__(256) layer_norm_residual(
    const float* x, const float* residual, const float* __restrict__ gamma, const float* __restrict__ beta,
    float* out, int cols, float eps) {
    extern __shared__ float row_sum[];
    __shared__ float scratch[32];
    const long long offset = (long long)blockIdx.x * cols;
    float partial = 0.0f;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) {
        float s = x[offset + c] + (residual != nullptr ? residual[offset + c] : 0.0f);
        row_sum[c] = s;
        partial += s;
    }
    const float mean = block_sum(partial, scratch) / cols;
    float squares = 0.0f;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) {
        float d = row_sum[c] - mean;
        squares += d * d;
    }
    const float inv_std = rsqrtf(block_sum(squares, scratch) / cols + eps);
    for (int c = threadIdx.x; c < cols; c += blockDim.x) {
        out[offset + c] = (row_sum[c] - mean) * inv_std * gamma[c] + beta[c];
    }
}

// rms_norm_residual: s = x + residual (residual may be null); residual_out (may be null) receives
//   s, the pre-norm residual stream; out = s / sqrt(mean(s^2) + eps) * weight.
// x, residual, residual_out, out: [rows, cols]; weight: [cols]. out and residual_out may alias the inputs.
// grid (rows), block 256, dynamic shared memory cols * 4 bytes (the row of s).
extern "C" __global__ void __launch_bounds__(256) rms_norm_residual(
    const float* x, const float* residual, const float* __restrict__ weight, float* out, float* residual_out,
    int cols, float eps) {
    extern __shared__ float row_sum[];
    __shared__ float scratch[32];
    const long long offset = (long long)blockIdx.x * cols;
    float squares = 0.0f;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) {
        float s = x[offset + c] + (residual != nullptr ? residual[offset + c] : 0.0f);
        row_sum[c] = s;
        squares += s * s;
    }
    const float inv_rms = rsqrtf(block_sum(squares, scratch) / cols + eps);
    for (int c = threadIdx.x; c < cols; c += blockDim.x) {
        float s = row_sum[c];
        if (residual_out != nullptr) {
            residual_out[offset + c] = s;
        }
        out[offset + c] = s * inv_rms * weight[c];
    }
}
