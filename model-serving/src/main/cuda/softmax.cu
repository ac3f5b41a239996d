// Row-wise softmax of a [rows, cols] fp32 matrix, in place.
#include "encoder_common.cuh"

// softmax_rows: x[r, :] = exp(x[r, :] - max) / sum(exp(x[r, :] - max)).
// x: [rows, cols]. grid (rows), block 256. Three passes over the row in global memory (max,
// exponentials and their sum, scale), so any row length fits: rows of logits are long.
extern "C" __global__ void __launch_bounds__(256) softmax_rows(float* x, int cols) {
    __shared__ float scratch[32];
    float* row = x + (long long)blockIdx.x * cols;
    float local_max = -INFINITY;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) {
        local_max = fmaxf(local_max, row[c]);
    }
    const float row_max = block_max(local_max, scratch);
    float partial = 0.0f;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) {
        float e = expf(row[c] - row_max);
        row[c] = e;
        partial += e;
    }
    const float inverse = 1.0f / block_sum(partial, scratch);
    for (int c = threadIdx.x; c < cols; c += blockDim.x) {
        row[c] *= inverse;
    }
}
