// Embedding lookup: rows of a [vocabulary, cols] fp32 table gathered by token id.

// gather_rows: out[i, :] = table[ids[i], :], or out[i, :] += table[ids[i], :] when accumulate != 0.
// table: [vocabulary, cols]; ids: [n], each checked on the host to lie in [0, vocabulary); out: [n, cols].
// grid (n), block 256 (a loop over the columns; consecutive threads read consecutive columns).
extern "C" __global__ void __launch_bounds__(256) gather_rows(
    const float* __restrict__ table, const int* __restrict__ ids, float* __restrict__ out, int cols, int accumulate) {
    const float* source = table + (long long)ids[blockIdx.x] * cols;
    float* target = out + (long long)blockIdx.x * cols;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) {
        target[c] = accumulate ? target[c] + source[c] : source[c];
    }
}
