// Sentence pooling: the token states of each sequence reduced to one vector, optionally scaled to
// unit L2 norm (sentence-transformers' Pooling and Normalize modules).
#include "encoder_common.cuh"

// Pooling codes, as backend.cuda.PoolingLauncher numbers them.
#define POOL_CLS 0
#define POOL_MEAN 1
#define POOL_MAX 2
#define POOL_MEAN_SQRT_LEN 3

// pool_sequences: out[s, :] = pool(hidden[starts[s] .. starts[s] + lengths[s] - 1, :]), then, if
//   normalize != 0, out[s, :] /= max(||out[s, :]||, 1e-12) as F.normalize does.
// hidden: [rows, cols]; starts, lengths: [sequences], each length >= 1; out: [sequences, cols].
// grid (sequences), block 256: a thread owns columns c, c + 256, ...; each column's loop over the
// tokens reads consecutive addresses across the warp.
extern "C" __global__ void __launch_bounds__(256) pool_sequences(
    const float* __restrict__ hidden, const int* __restrict__ starts, const int* __restrict__ lengths,
    float* __restrict__ out, int cols, int mode, int normalize) {
    __shared__ float scratch[32];
    const int start = starts[blockIdx.x];
    const int length = lengths[blockIdx.x];
    float* target = out + (long long)blockIdx.x * cols;
    float squares = 0.0f;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) {
        const float* column = hidden + (long long)start * cols + c;
        float value;
        if (mode == POOL_CLS) {
            value = column[0];
        } else if (mode == POOL_MAX) {
            value = -INFINITY;
            for (int t = 0; t < length; ++t) {
                value = fmaxf(value, column[(long long)t * cols]);
            }
        } else {
            float sum = 0.0f;
            for (int t = 0; t < length; ++t) {
                sum += column[(long long)t * cols];
            }
            value = mode == POOL_MEAN ? sum / length : sum / sqrtf((float)length);
        }
        target[c] = value;
        squares += value * value;
    }
    if (normalize) {
        const float scale = 1.0f / fmaxf(sqrtf(block_sum(squares, scratch)), 1e-12f);
        for (int c = threadIdx.x; c < cols; c += blockDim.x) {
            target[c] *= scale;
        }
    }
}
