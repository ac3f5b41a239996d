package io.textintel.serving.backend.cpu;

import io.textintel.serving.tensor.SequenceSpans;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API self-attention: one parallel task per (sequence, head), computed
 * {@value #QUERY_BLOCK} queries at a time so that every key or value vector loaded feeds four FMAs.
 *
 * <p>Per task, the keys are copied into a transposed {@code [headDim, paddedLength]} scratch
 * (length rounded up to whole vectors, zeros past the end), so that a block of scores
 * {@code Q Kᵀ} accumulates in four vector registers over the head dimension. The softmax runs on
 * vectors with the lane-wise {@code exp}; the weighted sum of values accumulates four output rows
 * in registers over the keys, reading the values in place in {@code qkv}.
 */
final class VectorAttentionKernel {

    static final int QUERY_BLOCK = 4;

    private static final VectorSpecies<Float> SPECIES = VectorMath.SPECIES;
    private static final int LANES = SPECIES.length();

    private VectorAttentionKernel() {}

    /** See {@link DenseKernels#attention}; {@code bias} may be null. */
    static void attention(float[] qkv, int hidden, int heads, SequenceSpans spans, float[] bias, int biasLength,
            float[] out, ParallelRange parallel) {
        int headDim = hidden / heads;
        int stride = 3 * hidden;
        float scale = (float) (1.0 / Math.sqrt(headDim));
        Arrays.fill(out, 0, spans.rows() * hidden, 0f);
        parallel.forEach(spans.count() * heads, 1, task -> {
            int sequence = task / heads;
            int head = task % heads;
            int start = spans.start(sequence);
            int length = spans.length(sequence);
            int padded = (length + LANES - 1) / LANES * LANES;
            int qCol = head * headDim;
            float[] keysT = new float[headDim * padded]; // [headDim, padded]
            float[] queries = new float[QUERY_BLOCK * headDim]; // [QUERY_BLOCK, headDim], scaled
            float[] scores = new float[QUERY_BLOCK * padded]; // [QUERY_BLOCK, padded]
            float[] inverses = new float[QUERY_BLOCK];
            for (int j = 0; j < length; j++) {
                int row = (start + j) * stride + hidden + qCol;
                for (int d = 0; d < headDim; d++) {
                    keysT[d * padded + j] = qkv[row + d];
                }
            }
            for (int i0 = 0; i0 < length; i0 += QUERY_BLOCK) {
                int count = Math.min(QUERY_BLOCK, length - i0);
                Arrays.fill(queries, 0f); // queries past the sequence score zero and are not stored
                for (int q = 0; q < count; q++) {
                    int row = (start + i0 + q) * stride + qCol;
                    for (int d = 0; d < headDim; d++) {
                        queries[q * headDim + d] = qkv[row + d] * scale;
                    }
                }
                scores(queries, keysT, headDim, padded, scores);
                if (bias != null) {
                    addBias(bias, (head * biasLength + i0) * biasLength, biasLength, count, length, scores, padded);
                }
                for (int q = 0; q < QUERY_BLOCK; q++) {
                    inverses[q] = q < count ? 1f / softmaxNumerators(scores, q * padded, length) : 0f;
                }
                int valueBase = start * stride + 2 * hidden + qCol;
                int outBase = (start + i0) * hidden + qCol;
                weightedSums(scores, padded, inverses, count, qkv, valueBase, stride, length, headDim, out, outBase,
                        hidden);
            }
        });
    }

    /** {@code scores[q, j] = queries[q] · keys[j]} for the block's four queries and every (padded) key. */
    private static void scores(float[] queries, float[] keysT, int headDim, int padded, float[] scores) {
        for (int j = 0; j < padded; j += LANES) {
            FloatVector s0 = FloatVector.zero(SPECIES);
            FloatVector s1 = s0;
            FloatVector s2 = s0;
            FloatVector s3 = s0;
            for (int d = 0; d < headDim; d++) {
                FloatVector k = FloatVector.fromArray(SPECIES, keysT, d * padded + j);
                s0 = k.fma(FloatVector.broadcast(SPECIES, queries[d]), s0);
                s1 = k.fma(FloatVector.broadcast(SPECIES, queries[headDim + d]), s1);
                s2 = k.fma(FloatVector.broadcast(SPECIES, queries[2 * headDim + d]), s2);
                s3 = k.fma(FloatVector.broadcast(SPECIES, queries[3 * headDim + d]), s3);
            }
            s0.intoArray(scores, j);
            s1.intoArray(scores, padded + j);
            s2.intoArray(scores, 2 * padded + j);
            s3.intoArray(scores, 3 * padded + j);
        }
    }

    /** Adds rows {@code from ..} of the bias ({@code biasLength} apart) to the block's first {@code count} score rows. */
    private static void addBias(float[] bias, int from, int biasLength, int count, int length, float[] scores,
            int padded) {
        int bound = SPECIES.loopBound(length);
        for (int q = 0; q < count; q++) {
            int b = from + q * biasLength;
            int s = q * padded;
            int j = 0;
            for (; j < bound; j += LANES) {
                FloatVector.fromArray(SPECIES, scores, s + j).add(FloatVector.fromArray(SPECIES, bias, b + j))
                        .intoArray(scores, s + j);
            }
            for (; j < length; j++) {
                scores[s + j] += bias[b + j];
            }
        }
    }

    /** Replaces {@code scores[from .. from + length)} by {@code exp(score - max)} and returns their sum. */
    private static float softmaxNumerators(float[] scores, int from, int length) {
        int bound = SPECIES.loopBound(length);
        float max = Float.NEGATIVE_INFINITY;
        int j = 0;
        if (bound > 0) {
            FloatVector m = FloatVector.fromArray(SPECIES, scores, from);
            for (j = LANES; j < bound; j += LANES) {
                m = m.max(FloatVector.fromArray(SPECIES, scores, from + j));
            }
            max = m.reduceLanes(VectorOperators.MAX);
        }
        for (; j < length; j++) {
            max = Math.max(max, scores[from + j]);
        }
        FloatVector sums = FloatVector.zero(SPECIES);
        for (j = 0; j < bound; j += LANES) {
            FloatVector e = VectorMath.exp(FloatVector.fromArray(SPECIES, scores, from + j).sub(max));
            e.intoArray(scores, from + j);
            sums = sums.add(e);
        }
        float sum = sums.reduceLanes(VectorOperators.ADD);
        for (; j < length; j++) {
            float e = ReproducibleMath.exp(scores[from + j] - max);
            scores[from + j] = e;
            sum += e;
        }
        return sum;
    }

    /**
     * {@code out[q, d] = inverses[q] * sum_j weights[q, j] * value[j, d]} for the block's first
     * {@code count} queries, values read in place from {@code qkv}.
     */
    private static void weightedSums(float[] weights, int padded, float[] inverses, int count, float[] qkv,
            int valueBase, int stride, int length, int headDim, float[] out, int outBase, int hidden) {
        int d = 0;
        for (; d + LANES <= headDim; d += LANES) {
            FloatVector a0 = FloatVector.zero(SPECIES);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            for (int j = 0; j < length; j++) {
                FloatVector v = FloatVector.fromArray(SPECIES, qkv, valueBase + j * stride + d);
                a0 = v.fma(FloatVector.broadcast(SPECIES, weights[j]), a0);
                a1 = v.fma(FloatVector.broadcast(SPECIES, weights[padded + j]), a1);
                a2 = v.fma(FloatVector.broadcast(SPECIES, weights[2 * padded + j]), a2);
                a3 = v.fma(FloatVector.broadcast(SPECIES, weights[3 * padded + j]), a3);
            }
            // written out here rather than in a helper: passing the accumulators would box them
            a0.mul(inverses[0]).intoArray(out, outBase + d);
            if (count > 1) {
                a1.mul(inverses[1]).intoArray(out, outBase + hidden + d);
            }
            if (count > 2) {
                a2.mul(inverses[2]).intoArray(out, outBase + 2 * hidden + d);
            }
            if (count > 3) {
                a3.mul(inverses[3]).intoArray(out, outBase + 3 * hidden + d);
            }
        }
        for (; d < headDim; d++) {
            for (int q = 0; q < count; q++) {
                float acc = 0f;
                for (int j = 0; j < length; j++) {
                    acc += weights[q * padded + j] * qkv[valueBase + j * stride + d];
                }
                out[outBase + q * hidden + d] = acc * inverses[q];
            }
        }
    }
}
