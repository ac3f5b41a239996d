package io.textintel.serving.backend.cpu;

import io.textintel.serving.backend.DecoderOps;
import io.textintel.serving.backend.PagedAttentionBatch;
import io.textintel.serving.backend.WeightMatrix;
import io.textintel.serving.kv.PagedKvCache;

/**
 * The reference {@link DecoderOps}: one thread, the textbook loops, sums in double. Slow; every
 * fast path is tested against it.
 */
public final class ScalarDecoderOps implements DecoderOps {

    private record RowMajorLinear(float[] weight, float[] bias, int outFeatures, int inFeatures) implements Linear {}

    private record MatrixLinear(WeightMatrix weight, float[] bias) implements Linear {
        @Override
        public int inFeatures() {
            return weight.in();
        }

        @Override
        public int outFeatures() {
            return weight.out();
        }
    }

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public Linear prepareLinear(String name, float[] weight, float[] bias, int out, int in) {
        LinearShapes.check(name, weight, bias, out, in);
        return new RowMajorLinear(weight, bias, out, in);
    }

    /**
     * Any format, summed in double from the weights the matrix holds: bf16 widened, int8 as
     * {@code (Σ x · q) · scale + bias} (the scale on the sum, as the fast kernels apply it).
     */
    @Override
    public Linear prepareLinear(String name, WeightMatrix weight, float[] bias) {
        if (bias != null && bias.length != weight.out()) {
            throw new IllegalArgumentException("linear " + name + ": bias has " + bias.length + " values, expected ["
                    + weight.out() + "]");
        }
        if (weight instanceof WeightMatrix.F32 f32) {
            return prepareLinear(name, f32.values(), bias, f32.out(), f32.in());
        }
        return new MatrixLinear(weight, bias);
    }

    @Override
    public void linear(float[] x, int rows, Linear linear, float[] y) {
        if (linear instanceof MatrixLinear m) {
            matrixLinear(x, rows, m, y);
            return;
        }
        RowMajorLinear w = (RowMajorLinear) linear;
        int in = w.inFeatures();
        int out = w.outFeatures();
        LinearShapes.checkCall(x, rows, in, y, out);
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < out; o++) {
                double sum = w.bias() == null ? 0 : w.bias()[o];
                for (int i = 0; i < in; i++) {
                    sum += (double) x[r * in + i] * w.weight()[o * in + i];
                }
                y[r * out + o] = (float) sum;
            }
        }
    }

    private static void matrixLinear(float[] x, int rows, MatrixLinear m, float[] y) {
        WeightMatrix w = m.weight();
        int in = w.in();
        int out = w.out();
        LinearShapes.checkCall(x, rows, in, y, out);
        WeightMatrix.Int8 int8 = w instanceof WeightMatrix.Int8 q ? q : null;
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < out; o++) {
                double sum = 0;
                for (int i = 0; i < in; i++) {
                    double weight = int8 != null ? int8.values()[o * in + i] : w.value(o, i);
                    sum += (double) x[r * in + i] * weight;
                }
                if (int8 != null) {
                    sum *= int8.scales()[o];
                }
                y[r * out + o] = (float) (sum + (m.bias() == null ? 0 : m.bias()[o]));
            }
        }
    }

    @Override
    public void rmsNorm(float[] x, int rows, float[] weight, double eps, float[] out) {
        int hidden = weight.length;
        for (int r = 0; r < rows; r++) {
            double squares = 0;
            for (int i = 0; i < hidden; i++) {
                squares += (double) x[r * hidden + i] * x[r * hidden + i];
            }
            double scale = 1.0 / Math.sqrt(squares / hidden + eps);
            for (int i = 0; i < hidden; i++) {
                out[r * hidden + i] = (float) (x[r * hidden + i] * scale * weight[i]);
            }
        }
    }

    @Override
    public void swiglu(float[] gate, float[] up, int count, float[] out) {
        for (int i = 0; i < count; i++) {
            double g = gate[i];
            out[i] = (float) (g / (1 + Math.exp(-g)) * up[i]);
        }
    }

    @Override
    public void rotary(PagedAttentionBatch batch, float[] q, int heads, float[] k, int kvHeads, int headDim,
            double attentionFactor) {
        RotaryKernel.checkPass(batch, q, heads, k, kvHeads, headDim, attentionFactor);
        for (int t = 0; t < batch.tokenCount(); t++) {
            RotaryKernel.rotateToken(batch, t, q, heads, k, kvHeads, headDim, attentionFactor);
        }
    }

    @Override
    public void writeKeyValues(PagedAttentionBatch batch, float[] k, float[] v, PagedKvCache cache, int layer) {
        HostKvCacheWriter.write(batch, k, v, cache, layer);
    }

    @Override
    public void attention(PagedAttentionBatch batch, float[] q, int heads, PagedKvCache cache, int layer, float[] out) {
        int kvHeads = cache.layout().kvHeads();
        int headDim = cache.layout().headDim();
        int group = heads / kvHeads;
        double scale = 1.0 / Math.sqrt(headDim);
        float[] keys = cache.keys(layer);
        float[] values = cache.values(layer);
        for (int t = 0; t < batch.tokenCount(); t++) {
            long sequence = batch.sequenceOfToken(t);
            int visible = batch.position(t) + 1;
            for (int h = 0; h < heads; h++) {
                int kvHead = h / group;
                int qRow = (t * heads + h) * headDim;
                double[] scores = new double[visible];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < visible; j++) {
                    int k = cache.offset(sequence, j) + kvHead * headDim;
                    double dot = 0;
                    for (int d = 0; d < headDim; d++) {
                        dot += (double) q[qRow + d] * keys[k + d];
                    }
                    scores[j] = dot * scale;
                    max = Math.max(max, scores[j]);
                }
                double total = 0;
                for (int j = 0; j < visible; j++) {
                    scores[j] = Math.exp(scores[j] - max);
                    total += scores[j];
                }
                for (int d = 0; d < headDim; d++) {
                    double sum = 0;
                    for (int j = 0; j < visible; j++) {
                        sum += scores[j] * values[cache.offset(sequence, j) + kvHead * headDim + d];
                    }
                    out[qRow + d] = (float) (sum / total);
                }
            }
        }
    }

    @Override
    public void close() {}
}
