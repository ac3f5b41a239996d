package io.textintel.serving.backend.cpu;

import io.textintel.serving.tensor.SequenceSpans;
import java.util.Arrays;

/**
 * The CPU self-attention: one parallel task per (sequence, head). Keys are first copied into a
 * transposed {@code [headDim, length]} scratch so that scores and the weighted sum of values are
 * both computed as axpys over contiguous memory.
 */
final class AttentionKernel {

    private AttentionKernel() {}

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
                    float q = qkv[queryRow + d] * scale;
                    int keyRow = d * length;
                    for (int j = 0; j < length; j++) {
                        scores[j] += q * keysT[keyRow + j];
                    }
                }
                if (bias != null) {
                    int biasRow = (head * biasLength + i) * biasLength;
                    for (int j = 0; j < length; j++) {
                        scores[j] += bias[biasRow + j];
                    }
                }
                float max = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < length; j++) {
                    max = Math.max(max, scores[j]);
                }
                float sum = 0f;
                for (int j = 0; j < length; j++) {
                    scores[j] = ReproducibleMath.exp(scores[j] - max);
                    sum += scores[j];
                }
                float inverse = 1f / sum;
                int outRow = (start + i) * hidden + qCol;
                for (int j = 0; j < length; j++) {
                    float p = scores[j] * inverse;
                    int valueRow = (start + j) * stride + vCol;
                    for (int d = 0; d < headDim; d++) {
                        out[outRow + d] += p * qkv[valueRow + d];
                    }
                }
            }
        });
    }
}
