package io.textintel.serving.backend.cpu;

import io.textintel.serving.tensor.SequenceSpans;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API self-attention: one parallel task per (sequence, head), as
 * {@link AttentionKernel}. Keys are copied into a transposed {@code [headDim, length]} scratch, so
 * that each query's scores are vector axpys along the keys; the softmax runs on vectors with the
 * lane-wise {@code exp}; each output row is accumulated in vector registers over the values.
 */
final class VectorAttentionKernel {

    private static final VectorSpecies<Float> SPECIES = VectorMath.SPECIES;
    private static final int LANES = SPECIES.length();

    private VectorAttentionKernel() {}

    static void attention(float[] qkv, int hidden, int heads, SequenceSpans spans, float[] out,
            ParallelRange parallel) {
        int headDim = hidden / heads;
        int stride = 3 * hidden;
        float scale = (float) (1.0 / Math.sqrt(headDim));
        Arrays.fill(out, 0, spans.rows() * hidden, 0f);
        parallel.forEach(spans.count() * heads, 1, task -> {
            int sequence = task / heads;
            int head = task % heads;
            int start = spans.start(sequence);
            int length = spans.length(sequence);
            int qCol = head * headDim;
            int kCol = hidden + qCol;
            int vCol = 2 * hidden + qCol;
            float[] keysT = new float[headDim * length]; // [headDim, length]
            float[] scores = new float[length]; // [length]
            for (int j = 0; j < length; j++) {
                int row = (start + j) * stride + kCol;
                for (int d = 0; d < headDim; d++) {
                    keysT[d * length + j] = qkv[row + d];
                }
            }
            for (int i = 0; i < length; i++) {
                int queryRow = (start + i) * stride + qCol;
                Arrays.fill(scores, 0f);
                for (int d = 0; d < headDim; d++) {
                    axpy(qkv[queryRow + d] * scale, keysT, d * length, scores, length);
                }
                float inverse = 1f / softmaxNumerators(scores, length);
                int outRow = (start + i) * hidden + qCol;
                int valueBase = start * stride + vCol;
                weightedSum(scores, inverse, qkv, valueBase, stride, length, headDim, out, outRow);
            }
        });
    }

    /** {@code y[0 .. length) += a * x[from .. from + length)}. */
    private static void axpy(float a, float[] x, int from, float[] y, int length) {
        int j = 0;
        FloatVector av = FloatVector.broadcast(SPECIES, a);
        for (int bound = SPECIES.loopBound(length); j < bound; j += LANES) {
            FloatVector.fromArray(SPECIES, x, from + j).fma(av, FloatVector.fromArray(SPECIES, y, j)).intoArray(y, j);
        }
        for (; j < length; j++) {
            y[j] += a * x[from + j];
        }
    }

    /** Replaces {@code scores} by {@code exp(score - max)} and returns their sum. */
    private static float softmaxNumerators(float[] scores, int length) {
        int bound = SPECIES.loopBound(length);
        float max = Float.NEGATIVE_INFINITY;
        int j = 0;
        if (bound > 0) {
            FloatVector m = FloatVector.fromArray(SPECIES, scores, 0);
            for (j = LANES; j < bound; j += LANES) {
                m = m.max(FloatVector.fromArray(SPECIES, scores, j));
            }
            max = m.reduceLanes(VectorOperators.MAX);
        }
        for (; j < length; j++) {
            max = Math.max(max, scores[j]);
        }
        FloatVector sums = FloatVector.zero(SPECIES);
        for (j = 0; j < bound; j += LANES) {
            FloatVector e = FloatVector.fromArray(SPECIES, scores, j).sub(max).lanewise(VectorOperators.EXP);
            e.intoArray(scores, j);
            sums = sums.add(e);
        }
        float sum = sums.reduceLanes(VectorOperators.ADD);
        for (; j < length; j++) {
            scores[j] = (float) Math.exp(scores[j] - max);
            sum += scores[j];
        }
        return sum;
    }

    /** {@code out[outRow + d] = inverse * sum_j weights[j] * qkv[valueBase + j * stride + d]} for every {@code d}. */
    private static void weightedSum(float[] weights, float inverse, float[] qkv, int valueBase, int stride, int length,
            int headDim, float[] out, int outRow) {
        int d = 0;
        for (; d + LANES <= headDim; d += LANES) {
            FloatVector acc = FloatVector.zero(SPECIES);
            int value = valueBase + d;
            for (int j = 0; j < length; j++, value += stride) {
                acc = FloatVector.fromArray(SPECIES, qkv, value).fma(FloatVector.broadcast(SPECIES, weights[j]), acc);
            }
            acc.mul(inverse).intoArray(out, outRow + d);
        }
        for (; d < headDim; d++) {
            float acc = 0f;
            int value = valueBase + d;
            for (int j = 0; j < length; j++, value += stride) {
                acc += weights[j] * qkv[value];
            }
            out[outRow + d] = acc * inverse;
        }
    }
}
