// Rotary position embeddings for the decoder, applied in place to the query and key rows of one
// forward pass: the "rotate half" layout of transformers' Llama / Mistral / Qwen2 (dimension i
// pairs with i + headDim/2), exactly as io.textintel.serving.model.decoder.RotaryEmbedding#rotate.
//
// The inverse frequencies are an input, [chunks, headDim/2] in double, as RotaryEmbedding
// #inverseFrequencies(length) returns them for each chunk of the batch: every RopeScaling variant
// (none, linear, dynamic NTK, llama3 bands, YaRN) is computed once on the host and only the
// rotation runs here. The angle position * invFreq and its cos / sin are taken in double, as on the
// CPU, so that positions of 100k+ keep their precision; cos and sin are then scaled by the
// attention factor (YaRN's temperature, else 1) and rounded to float, and the rotation itself is
// float arithmetic without FMA contraction, as on the CPU: results equal the CPU's but where the
// double cos / sin of CUDA and of Java's Math round to different floats (1 ulp, rarely).

#include <cstdint>

// Largest supported head dimension (the shared cos / sin table holds headDim/2 entries of each).
#define ROTARY_MAX_HALF 256

extern "C" {

// Rotates the q and k rows of every token of a batch in place.
//
// grid:  (tokens)             one block per token
// block: (128)                any multiple of 32; threads stride over (head, i) pairs
// q:            float [tokens, heads * headDim]     row-major, rotated in place
// k:            float [tokens, kvHeads * headDim]   row-major, rotated in place
// positions:    int   [tokens]                      the token's position in its sequence
// chunkOfToken: int   [tokens]                      row of invFreq to use for the token
// invFreq:      double[chunks, headDim / 2]         inverse frequencies per chunk
// requires: headDim even, headDim / 2 <= ROTARY_MAX_HALF
__global__ void rotary_embedding(float* __restrict__ q, float* __restrict__ k,
                                 const int* __restrict__ positions, const int* __restrict__ chunkOfToken,
                                 const double* __restrict__ invFreq,
                                 int tokens, int heads, int kvHeads, int headDim, double attentionFactor) {
    __shared__ float cosTable[ROTARY_MAX_HALF];
    __shared__ float sinTable[ROTARY_MAX_HALF];
    const int t = blockIdx.x;
    if (t >= tokens) {
        return;
    }
    const int half = headDim / 2;
    const double position = (double) positions[t];
    const double* freq = invFreq + (size_t) chunkOfToken[t] * half;
    for (int i = threadIdx.x; i < half; i += blockDim.x) {
        double s;
        double c;
        sincos(position * freq[i], &s, &c);
        cosTable[i] = (float) (c * attentionFactor);
        sinTable[i] = (float) (s * attentionFactor);
    }
    __syncthreads();

    float* qRow = q + (size_t) t * heads * headDim;
    float* kRow = k + (size_t) t * kvHeads * headDim;
    const int pairs = (heads + kvHeads) * half; // q heads first, then k heads
    for (int p = threadIdx.x; p < pairs; p += blockDim.x) {
        const int head = p / half;
        const int i = p - head * half;
        float* row = head < heads ? qRow + head * headDim : kRow + (head - heads) * headDim;
        const float x1 = row[i];
        const float x2 = row[i + half];
        const float c = cosTable[i];
        const float s = sinTable[i];
        // _rn intrinsics: no FMA contraction, so each product rounds as Java's float arithmetic does
        row[i] = __fsub_rn(__fmul_rn(x1, c), __fmul_rn(x2, s));
        row[i + half] = __fadd_rn(__fmul_rn(x2, c), __fmul_rn(x1, s));
    }
}

} // extern "C"
