// Token choice on the device, so that a decode step returns small integer arrays instead of
// [rows, vocab] logits: token suppression, greedy argmax, temperature + top-k + top-p sampling and
// speculative verification. References: io.textintel.serving.sampling.Sampler (distribution,
// sample, inverseCdf, argmax), SequenceRandom, and io.textintel.serving.spec.SpeculativeVerifier.
//
// Exactness:
// - argmax is exact: the largest logit, ties to the lowest id (comparisons only), as Sampler#argmax.
// - the random stream is SequenceRandom's, bit for bit: draw n (1-based) of a sequence is
//   (mix64(seed + n * 0x9E3779B97F4A7C15) >>> 11) * 2^-53 with SplitMix64's finaliser; counters
//   [seqs] hold SequenceRandom#draws() and are advanced here by exactly the draws the CPU takes
//   (none for greedy, one per sampled token, one per examined draft token plus one for the next
//   token in verification). Given the same distribution, the same token is drawn.
// - the distributions are the CPU's up to float rounding: weights exp((l - max) / T) in float (the
//   CPU: double); the top-k set is exact (the k largest logits, ties to the lower id); the top-p
//   cut compares masses in 2^-38 fixed point (summed with integer atomics, so every run picks the
//   same set), so near a tie of the cumulative mass with topP the nucleus may differ from the CPU's
//   by the boundary token. Sampled tokens are therefore equal to the CPU's except near such ties or
//   where a draw falls within ~1e-6 of a cumulative-probability boundary.
//
// Every per-row kernel here runs one block of 1024 threads per row (SAMPLING_THREADS); reductions
// and scans go in a fixed order, so results are deterministic. Rows of NaN or +Inf logits, or of
// only -Inf, are undefined here (the CPU rejects them); the caller masks with -Inf.

#include <cstdint>
#include <climits>

#define SAMPLING_THREADS 1024
#define SAMPLING_WARPS (SAMPLING_THREADS / 32)
#define FIXED_ONE 274877906944.0 // 2^38: weights in [0, 1] as fixed point; sums fit 64 bits up to 2^26 tokens
#define TOP_P_SLACK 1e-6         // Sampler.TOP_P_SLACK

// A named namespace, not an anonymous one: names of internal linkage carry a hash of the source
// file's absolute path into the PTX, which would make the PTX differ between checkouts.
namespace decoder_sampling {

typedef unsigned long long u64;

__device__ __forceinline__ u64 mix64(u64 z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

// SequenceRandom's draw number n (n = draws() after the increment), uniform in [0, 1).
__device__ __forceinline__ double uniformDraw(u64 seed, u64 n) {
    return (double) (mix64(seed + n * 0x9E3779B97F4A7C15ull) >> 11) * 0x1.0p-53;
}

// Unsigned key whose order is the float order (-0 below +0, as the CPU's sort key).
__device__ __forceinline__ unsigned orderedKey(float f) {
    const unsigned bits = __float_as_uint(f);
    return (bits & 0x80000000u) ? ~bits : (bits | 0x80000000u);
}

__device__ __forceinline__ float keyToFloat(unsigned key) {
    return __uint_as_float((key & 0x80000000u) ? (key & 0x7fffffffu) : ~key);
}

struct MaxOp {
    template <typename V> __device__ V operator()(V a, V b) const { return a > b ? a : b; }
};

struct SumOp {
    template <typename V> __device__ V operator()(V a, V b) const { return a + b; }
};

// A value combined over the block in a fixed order; every thread gets the result.
template <typename V, typename Op>
__device__ V blockReduce(V x, Op op) {
    __shared__ V warpValues[SAMPLING_WARPS];
    const int lane = threadIdx.x % 32;
    const int warp = threadIdx.x / 32;
    const int warps = blockDim.x / 32;
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) {
        x = op(x, __shfl_xor_sync(0xffffffffu, x, o));
    }
    if (lane == 0) {
        warpValues[warp] = x;
    }
    __syncthreads();
    V result = warpValues[0];
    for (int w = 1; w < warps; w++) {
        result = op(result, warpValues[w]);
    }
    __syncthreads(); // warpValues may be reused at once
    return result;
}

// Sum of x over the threads before this one (thread order); *total gets the block's sum.
template <typename V>
__device__ V blockExclusiveSum(V x, V* total) {
    __shared__ V warpTotals[SAMPLING_WARPS];
    const int lane = threadIdx.x % 32;
    const int warp = threadIdx.x / 32;
    const int warps = blockDim.x / 32;
    V inclusive = x;
#pragma unroll
    for (int o = 1; o < 32; o <<= 1) {
        const V up = __shfl_up_sync(0xffffffffu, inclusive, o);
        if (lane >= o) {
            inclusive += up;
        }
    }
    if (lane == 31) {
        warpTotals[warp] = inclusive;
    }
    __syncthreads();
    V before = 0;
    V all = 0;
    for (int w = 0; w < warps; w++) {
        if (w < warp) {
            before += warpTotals[w];
        }
        all += warpTotals[w];
    }
    __syncthreads();
    *total = all;
    return before + inclusive - x;
}

// The thread's contiguous id range [begin, end) of a row (scans need id order, not strides).
__device__ __forceinline__ void contiguousRange(int vocab, int* begin, int* end) {
    const int chunk = (vocab + blockDim.x - 1) / blockDim.x;
    *begin = min(vocab, (int) threadIdx.x * chunk);
    *end = min(vocab, *begin + chunk);
}

// Argmax of a row, ties to the lowest id; every thread gets it.
__device__ int rowArgmax(const float* row, int vocab) {
    float best = -INFINITY;
    int bestId = INT_MAX;
    for (int i = threadIdx.x; i < vocab; i += blockDim.x) {
        const float l = row[i];
        if (bestId == INT_MAX || l > best) { // strides rise, so an equal later value keeps the lower id
            best = l;
            bestId = i;
        }
    }
    __shared__ float values[SAMPLING_WARPS];
    __shared__ int ids[SAMPLING_WARPS];
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) {
        const float otherValue = __shfl_xor_sync(0xffffffffu, best, o);
        const int otherId = __shfl_xor_sync(0xffffffffu, bestId, o);
        if (otherValue > best || (otherValue == best && otherId < bestId) || bestId == INT_MAX) {
            if (otherId != INT_MAX) {
                best = otherValue;
                bestId = otherId;
            }
        }
    }
    const int warp = threadIdx.x / 32;
    if (threadIdx.x % 32 == 0) {
        values[warp] = best;
        ids[warp] = bestId;
    }
    __syncthreads();
    best = values[0];
    bestId = ids[0];
    for (int w = 1; w < (int) blockDim.x / 32; w++) {
        if (ids[w] != INT_MAX && (bestId == INT_MAX || values[w] > best || (values[w] == best && ids[w] < bestId))) {
            best = values[w];
            bestId = ids[w];
        }
    }
    __syncthreads();
    return bestId;
}

// Radix select over the ordered keys of the tokens in a set, largest first: the key at which the
// running measure (count, or fixed-point mass) of the set, taken from the largest key down, first
// reaches target (>= 1), and how much of target is left for the tokens of exactly that key.
// Four passes of 8 bits; histograms in shared memory with integer atomics (order-independent).
template <typename InSet, typename Measure>
__device__ void radixSelect(const float* row, int vocab, InSet inSet, Measure measure, u64 target, unsigned* key,
                            u64* left) {
    __shared__ u64 histogram[256];
    __shared__ unsigned prefixShared;
    __shared__ u64 leftShared;
    if (threadIdx.x == 0) {
        prefixShared = 0;
        leftShared = target < 1 ? 1 : target;
    }
    unsigned mask = 0;
    for (int shift = 24; shift >= 0; shift -= 8) {
        for (int b = threadIdx.x; b < 256; b += blockDim.x) {
            histogram[b] = 0;
        }
        __syncthreads();
        const unsigned prefix = prefixShared;
        for (int i = threadIdx.x; i < vocab; i += blockDim.x) {
            const float l = row[i];
            const unsigned k = orderedKey(l);
            if ((k & mask) == prefix && inSet(i, l, k)) {
                const u64 m = measure(l);
                if (m != 0) {
                    atomicAdd(&histogram[(k >> shift) & 255u], m);
                }
            }
        }
        __syncthreads();
        if (threadIdx.x == 0) {
            u64 rest = leftShared;
            int b = 255;
            while (b > 0 && histogram[b] < rest) {
                rest -= histogram[b];
                b--;
            }
            prefixShared = prefix | ((unsigned) b << shift);
            leftShared = rest;
        }
        mask |= 255u << shift;
        __syncthreads();
    }
    *key = prefixShared;
    *left = leftShared;
    __syncthreads();
}

// The id of the n-th token (1-based, id order) for which match(i, l, key) holds; INT_MAX if fewer match.
template <typename Match>
__device__ int nthMatchingId(const float* row, int vocab, Match match, u64 n) {
    __shared__ int found;
    int begin;
    int end;
    contiguousRange(vocab, &begin, &end);
    u64 count = 0;
    for (int i = begin; i < end; i++) {
        const float l = row[i];
        count += match(i, l, orderedKey(l)) ? 1 : 0;
    }
    u64 total;
    const u64 before = blockExclusiveSum(count, &total);
    if (threadIdx.x == 0) {
        found = INT_MAX;
    }
    __syncthreads();
    if (before < n && n <= before + count) {
        u64 seen = before;
        for (int i = begin; i < end; i++) {
            const float l = row[i];
            if (match(i, l, orderedKey(l)) && ++seen == n) {
                found = i;
                break;
            }
        }
    }
    __syncthreads();
    const int result = found;
    __syncthreads();
    return result;
}

// Sampler#inverseCdf on the device: the first id (id order) at which the cumulative probability
// exceeds u * total, else the last id of positive probability. prob(i) must be >= 0.
template <typename Prob>
__device__ int inverseCdf(int vocab, Prob prob, double u) {
    __shared__ int found;
    int begin;
    int end;
    contiguousRange(vocab, &begin, &end);
    double local = 0;
    int lastPositive = -1;
    for (int i = begin; i < end; i++) {
        const float p = prob(i);
        if (p > 0) {
            local += p;
            lastPositive = i;
        }
    }
    double total;
    const double before = blockExclusiveSum(local, &total);
    const int last = blockReduce(lastPositive, MaxOp());
    const double threshold = u * total;
    if (threadIdx.x == 0) {
        found = INT_MAX;
    }
    __syncthreads();
    double cumulative = before;
    for (int i = begin; i < end; i++) {
        const float p = prob(i);
        if (p > 0) {
            cumulative += p;
            if (threshold < cumulative) {
                atomicMin(&found, i); // later ranges report their first positive id; the lowest wins
                break;
            }
        }
    }
    __syncthreads();
    const int result = found == INT_MAX ? last : found;
    __syncthreads();
    return result;
}

// The filtered distribution of one row (Sampler#distribution for temperature > 0): which tokens
// top-k and top-p keep, described by cut keys and ids so it can be evaluated per token.
struct Filter {
    float maxLogit;
    float temperature;
    bool topKOn;
    unsigned keyK; // tokens above keyK are kept, and of those at keyK the ids <= idK
    int idK;
    bool topPOn;
    unsigned keyP;
    int idP;

    __device__ float weight(float l) const { return expf((l - maxLogit) / temperature); }

    __device__ u64 fixedWeight(float l) const { return (u64) ((double) weight(l) * FIXED_ONE); }

    __device__ bool inTopK(int i, unsigned key) const {
        return !topKOn || key > keyK || (key == keyK && i <= idK);
    }

    __device__ bool kept(int i, unsigned key) const {
        return inTopK(i, key) && (!topPOn || key > keyP || (key == keyP && i <= idP));
    }
};

__device__ Filter makeFilter(const float* row, int vocab, float temperature, int topK, float topP) {
    Filter f;
    float localMax = -INFINITY;
    for (int i = threadIdx.x; i < vocab; i += blockDim.x) {
        localMax = fmaxf(localMax, row[i]);
    }
    f.maxLogit = blockReduce(localMax, MaxOp());
    f.temperature = temperature;
    f.topKOn = topK > 0 && topK < vocab;
    f.keyK = 0;
    f.idK = INT_MAX;
    f.topPOn = topP < 1.0f;
    f.keyP = 0;
    f.idP = INT_MAX;

    if (f.topKOn) {
        unsigned key;
        u64 left;
        radixSelect(row, vocab, [](int, float, unsigned) { return true; },
                    [](float) { return (u64) 1; }, (u64) topK, &key, &left);
        f.keyK = key;
        f.idK = nthMatchingId(row, vocab, [key](int, float, unsigned k) { return k == key; }, left);
    }
    if (f.topPOn) {
        const Filter k = f;
        u64 localMass = 0;
        for (int i = threadIdx.x; i < vocab; i += blockDim.x) {
            const float l = row[i];
            if (k.inTopK(i, orderedKey(l))) {
                localMass += k.fixedWeight(l);
            }
        }
        const u64 keptMass = blockReduce(localMass, SumOp());
        const double target = ((double) topP - TOP_P_SLACK) * (double) keptMass;
        unsigned key;
        u64 left;
        radixSelect(row, vocab, [k](int i, float, unsigned kk) { return k.inTopK(i, kk); },
                    [k](float l) { return k.fixedWeight(l); }, target < 1 ? 1 : (u64) ceil(target),
                    &key, &left);
        const u64 each = k.fixedWeight(keyToFloat(key)); // >= 1: the chosen key's bucket had mass >= left
        const u64 n = (left + each - 1) / each;
        f.keyP = key;
        f.idP = nthMatchingId(row, vocab,
                              [k, key](int i, float, unsigned kk) { return kk == key && k.inTopK(i, kk); },
                              n);
    }
    return f;
}

} // namespace decoder_sampling

using namespace decoder_sampling;

extern "C" {

// Masks tokens a request may never produce: logits[r, id] = -Inf for each id of the row's list
// (ids >= vocab are skipped, as Sampler#suppress does for a shorter draft vocabulary).
//
// grid:  (rows)
// block: (128)
// logits:      float [rows, vocab]   in place
// rowList:     int   [rows]          list of each row (rows of one sequence share its list); -1: none
// listOffsets: int   [lists + 1]     list j is ids[listOffsets[j] .. listOffsets[j + 1])
// ids:         int   [listOffsets[lists]]
__global__ void suppress_tokens(float* logits, int rows, int vocab, const int* rowList, const int* listOffsets,
                                const int* ids) {
    const int r = blockIdx.x;
    if (r >= rows || rowList[r] < 0) {
        return;
    }
    const int list = rowList[r];
    for (int j = listOffsets[list] + threadIdx.x; j < listOffsets[list + 1]; j += blockDim.x) {
        const int id = ids[j];
        if (id >= 0 && id < vocab) {
            logits[(size_t) r * vocab + id] = -INFINITY;
        }
    }
}

// Greedy choice: the index of each row's largest logit, ties to the lowest index (Sampler#argmax).
//
// grid:  (rows)
// block: (1024)
// logits: float [rows, vocab]
// tokens: int   [rows]
__global__ void argmax_rows(const float* logits, int rows, int vocab, int* tokens) {
    const int r = blockIdx.x;
    if (r >= rows) {
        return;
    }
    const int best = rowArgmax(logits + (size_t) r * vocab, vocab);
    if (threadIdx.x == 0) {
        tokens[r] = best;
    }
}

// Per row: the distribution Sampler#distribution gives (temperature, then top-k, then top-p,
// renormalised; temperature 0: one-hot on the argmax), written to probs when probs is not null,
// and a token drawn from it with the sequence's next uniform (Sampler#sample) when tokens is not
// null, advancing the sequence's counter by one. Greedy rows take the argmax and draw nothing.
// For verification, call with tokens == null on the target rows: probs then feeds speculative_verify.
//
// grid:  (rows)
// block: (1024)
// logits:      float [rows, vocab]          suppressed already
// rowSequence: int   [rows]                 index of the row's parameters; null: row r uses index r
// temperature: float [seqs]   topK: int [seqs] (0: off)   topP: float [seqs] (1: off)
// seeds:       u64   [seqs]                 SamplingParams#seed
// counters:    u64   [seqs]                 SequenceRandom#draws(), advanced in place (one row per sequence
//                                           when tokens is not null)
// probs:       float [rows, vocab]          or null
// tokens:      int   [rows]                 or null
__global__ void sampling_rows(const float* logits, int rows, int vocab, const int* rowSequence,
                              const float* temperature, const int* topK, const float* topP, const u64* seeds,
                              u64* counters, float* probs, int* tokens) {
    const int r = blockIdx.x;
    if (r >= rows) {
        return;
    }
    const int s = rowSequence == nullptr ? r : rowSequence[r];
    const float* row = logits + (size_t) r * vocab;
    float* probRow = probs == nullptr ? nullptr : probs + (size_t) r * vocab;
    if (temperature[s] == 0.0f) {
        const int best = rowArgmax(row, vocab);
        if (probRow != nullptr) {
            for (int i = threadIdx.x; i < vocab; i += blockDim.x) {
                probRow[i] = i == best ? 1.0f : 0.0f;
            }
        }
        if (tokens != nullptr && threadIdx.x == 0) {
            tokens[r] = best;
        }
        return;
    }

    const Filter f = makeFilter(row, vocab, temperature[s], topK[s], topP[s]);
    double local = 0;
    for (int i = threadIdx.x; i < vocab; i += blockDim.x) {
        const float l = row[i];
        if (f.kept(i, orderedKey(l))) {
            local += f.weight(l);
        }
    }
    const double total = blockReduce(local, SumOp());
    auto probability = [f, row, total](int i) {
        const float l = row[i];
        return f.kept(i, orderedKey(l)) ? (float) (f.weight(l) / total) : 0.0f;
    };
    if (probRow != nullptr) {
        for (int i = threadIdx.x; i < vocab; i += blockDim.x) {
            probRow[i] = probability(i);
        }
    }
    if (tokens != nullptr) {
        const u64 draw = counters[s] + 1;
        const int token = inverseCdf(vocab, probability, uniformDraw(seeds[s], draw));
        if (threadIdx.x == 0) {
            tokens[r] = token;
            counters[s] = draw;
        }
    }
}

// Speculative verification of every sequence of a step (SpeculativeVerifier#verify, and
// #verifyFinishing when a sequence has as many target rows as draft tokens): writes how many draft
// tokens are accepted and the token that follows them, so only [seqs] integers go to the host.
// Greedy sequences (temperature 0): the longest prefix where draft == target argmax, then the
// argmax where they differ or after the last draft token (the bonus); no draws. Sampled sequences:
// Leviathan / Chen: draft token x accepted when u * q(x) < p(x); at the first rejection the next
// token is drawn from max(0, p - q) (p if that has no mass); when all are accepted the bonus is
// drawn from p of the row after the last draft token. Draws come from the sequence's counter.
//
// grid:  (seqs)
// block: (1024)
// targetRowStart: int   [seqs + 1]   target rows of sequence s: targetRowStart[s] .. targetRowStart[s + 1]
//                                    (draft tokens + 1, or draft tokens for a finishing draft)
// draftStart:     int   [seqs + 1]   draft tokens of s: draftTokens[draftStart[s] .. draftStart[s + 1])
// draftTokens:    int   [drafts]
// targetArgmax:   int   [targetRows]             argmax_rows of the suppressed target logits (greedy sequences)
// targetProbs:    float [targetRows, vocab]      sampling_rows' probs (sampled sequences); may be null if all greedy
// draftProbs:     float [drafts, draftVocab]     q each draft token was drawn from; null: one-hot on the
//                                                draft token (deterministic proposals) for every sequence
// temperature:    float [seqs]   seeds: u64 [seqs]   counters: u64 [seqs], advanced in place
// accepted:       int   [seqs]   accepted draft tokens; -1: invalid input (rows do not fit the drafts, or
//                                q(x) <= 0 for a draft token x), for which the CPU throws
// nextToken:      int   [seqs]   the corrected or bonus token; -1 (Verification.NONE) when a finishing
//                                draft is accepted whole
__global__ void speculative_verify(const int* targetRowStart, const int* draftStart, const int* draftTokens,
                                   const int* targetArgmax, const float* targetProbs, const float* draftProbs,
                                   int vocab, int draftVocab, const float* temperature, const u64* seeds,
                                   u64* counters, int* accepted, int* nextToken) {
    const int s = blockIdx.x;
    const int firstRow = targetRowStart[s];
    const int rows = targetRowStart[s + 1] - firstRow;
    const int firstDraft = draftStart[s];
    const int drafts = draftStart[s + 1] - firstDraft;
    const bool bonus = rows == drafts + 1;
    if (!bonus && !(rows == drafts && drafts > 0)) {
        if (threadIdx.x == 0) {
            accepted[s] = -1;
            nextToken[s] = -1;
        }
        return;
    }
    if (temperature[s] == 0.0f) {
        if (threadIdx.x == 0) {
            int i = 0;
            while (i < drafts && targetArgmax[firstRow + i] == draftTokens[firstDraft + i]) {
                i++;
            }
            accepted[s] = i;
            nextToken[s] = i < drafts ? targetArgmax[firstRow + i] : (bonus ? targetArgmax[firstRow + drafts] : -1);
        }
        return;
    }

    __shared__ int rejectedAt; // drafts: none rejected; -1: invalid q(x)
    __shared__ u64 counter;
    const u64 seed = seeds[s];
    if (threadIdx.x == 0) {
        u64 c = counters[s];
        int at = drafts;
        for (int i = 0; i < drafts; i++) {
            const int x = draftTokens[firstDraft + i];
            const double px = x >= 0 && x < vocab ? (double) targetProbs[(size_t) (firstRow + i) * vocab + x] : 0.0;
            const double qx = draftProbs == nullptr ? 1.0
                    : (x >= 0 && x < draftVocab ? (double) draftProbs[(size_t) (firstDraft + i) * draftVocab + x] : 0.0);
            if (!(qx > 0)) {
                at = -1;
                break;
            }
            if (uniformDraw(seed, ++c) * qx < px) {
                continue;
            }
            at = i;
            break;
        }
        rejectedAt = at;
        counter = c;
    }
    __syncthreads();
    const int at = rejectedAt;
    const u64 c = counter;
    if (at < 0) {
        if (threadIdx.x == 0) {
            accepted[s] = -1;
            nextToken[s] = -1;
        }
        return;
    }
    int token = -1;
    u64 used = c;
    if (at < drafts) {
        const float* p = targetProbs + (size_t) (firstRow + at) * vocab;
        const float* q = draftProbs == nullptr ? nullptr : draftProbs + (size_t) (firstDraft + at) * draftVocab;
        const int x = draftTokens[firstDraft + at];
        auto residual = [p, q, x, draftVocab](int j) {
            const float qj = q == nullptr ? (j == x ? 1.0f : 0.0f) : (j < draftVocab ? q[j] : 0.0f);
            return fmaxf(0.0f, p[j] - qj);
        };
        double local = 0;
        for (int j = threadIdx.x; j < vocab; j += blockDim.x) {
            local += residual(j);
        }
        const double mass = blockReduce(local, SumOp());
        used = c + 1;
        const double u = uniformDraw(seed, used);
        token = mass > 0 ? inverseCdf(vocab, residual, u) : inverseCdf(vocab, [p](int j) { return p[j]; }, u);
    } else if (bonus) {
        const float* p = targetProbs + (size_t) (firstRow + drafts) * vocab;
        used = c + 1;
        token = inverseCdf(vocab, [p](int j) { return p[j]; }, uniformDraw(seed, used));
    }
    if (threadIdx.x == 0) {
        accepted[s] = at;
        nextToken[s] = token;
        counters[s] = used;
    }
}

} // extern "C"
