package io.textintel.serving.backend.cpu;

import io.textintel.serving.backend.Activation;
import io.textintel.serving.backend.Backend;
import io.textintel.serving.backend.BatchLayout;
import io.textintel.serving.backend.LinearWeights;
import io.textintel.serving.config.PoolingMode;
import io.textintel.serving.tensor.SequenceSpans;
import io.textintel.serving.tensor.Tensor;
import java.util.Arrays;

/**
 * The reference backend: every operation as the plain loops of its definition, single-threaded,
 * accumulating in double. Slow on purpose; the fast backends are tested against it.
 */
public final class ScalarBackend implements Backend {

    @Override
    public String name() {
        return "cpu-reference";
    }

    @Override
    public BatchLayout batchLayout() {
        return BatchLayout.PACKED;
    }

    @Override
    public LinearWeights prepareLinear(Tensor weight, Tensor bias) {
        return new RowMajorLinear(weight, bias);
    }

    @Override
    public void linear(Tensor x, LinearWeights weights, Activation activation, Tensor out) {
        ShapeChecks.requireLinear(x, weights, out);
        RowMajorLinear linear = RowMajorLinear.cast(weights, this);
        int n = x.rows();
        int in = linear.inFeatures();
        int outFeatures = linear.outFeatures();
        float[] xs = x.data();
        float[] w = linear.weight();
        float[] bias = linear.bias();
        float[] ys = out.data();
        for (int row = 0; row < n; row++) {
            for (int o = 0; o < outFeatures; o++) {
                double sum = bias == null ? 0.0 : bias[o];
                for (int k = 0; k < in; k++) {
                    sum += (double) xs[row * in + k] * w[o * in + k];
                }
                ys[row * outFeatures + o] = (float) activate(activation, sum);
            }
        }
    }

    @Override
    public void layerNorm(Tensor x, Tensor residual, Tensor gamma, Tensor beta, float epsilon, Tensor out) {
        ShapeChecks.requireLayerNorm(x, residual, gamma, beta, epsilon, out);
        int cols = x.cols();
        double[] sum = new double[cols];
        for (int row = 0; row < x.rows(); row++) {
            for (int c = 0; c < cols; c++) {
                sum[c] = x.get(row, c) + (residual == null ? 0.0 : residual.get(row, c));
            }
            double mean = 0;
            for (int c = 0; c < cols; c++) {
                mean += sum[c];
            }
            mean /= cols;
            double variance = 0;
            for (int c = 0; c < cols; c++) {
                variance += (sum[c] - mean) * (sum[c] - mean);
            }
            variance /= cols;
            double scale = 1.0 / Math.sqrt(variance + epsilon);
            for (int c = 0; c < cols; c++) {
                out.data()[row * cols + c] = (float) ((sum[c] - mean) * scale * gamma.data()[c] + beta.data()[c]);
            }
        }
    }

    @Override
    public void activate(Activation activation, Tensor x) {
        float[] data = x.data();
        for (int i = 0; i < x.size(); i++) {
            data[i] = (float) activate(activation, data[i]);
        }
    }

    @Override
    public void softmax(Tensor x) {
        int cols = x.cols();
        double[] row = new double[cols];
        for (int r = 0; r < x.rows(); r++) {
            for (int c = 0; c < cols; c++) {
                row[c] = x.get(r, c);
            }
            softmaxInPlace(row, cols);
            for (int c = 0; c < cols; c++) {
                x.data()[r * cols + c] = (float) row[c];
            }
        }
    }

    @Override
    public boolean supportsAttentionBias() {
        return true;
    }

    @Override
    public void attention(Tensor qkv, int heads, SequenceSpans spans, Tensor bias, Tensor out) {
        int headDim = ShapeChecks.requireAttention(qkv, heads, spans, out);
        int n = ShapeChecks.requireAttentionBias(bias, heads, spans);
        int hidden = out.cols();
        Arrays.fill(out.data(), 0, out.size(), 0f);
        double scale = 1.0 / Math.sqrt(headDim);
        for (int s = 0; s < spans.count(); s++) {
            int start = spans.start(s);
            int length = spans.length(s);
            double[] scores = new double[length];
            for (int h = 0; h < heads; h++) {
                int qCol = h * headDim;
                int kCol = hidden + h * headDim;
                int vCol = 2 * hidden + h * headDim;
                for (int i = 0; i < length; i++) {
                    for (int j = 0; j < length; j++) {
                        double dot = 0;
                        for (int d = 0; d < headDim; d++) {
                            dot += (double) qkv.get(start + i, qCol + d) * qkv.get(start + j, kCol + d);
                        }
                        scores[j] = dot * scale + (bias == null ? 0.0 : bias.data()[(h * n + i) * n + j]);
                    }
                    softmaxInPlace(scores, length);
                    for (int d = 0; d < headDim; d++) {
                        double value = 0;
                        for (int j = 0; j < length; j++) {
                            value += scores[j] * qkv.get(start + j, vCol + d);
                        }
                        out.data()[(start + i) * hidden + qCol + d] = (float) value;
                    }
                }
            }
        }
    }

    @Override
    public void gather(Tensor table, int[] ids, boolean accumulate, Tensor out) {
        ShapeChecks.requireGather(table, ids, out);
        int cols = table.cols();
        for (int i = 0; i < ids.length; i++) {
            for (int c = 0; c < cols; c++) {
                float value = table.get(ids[i], c);
                out.data()[i * cols + c] = accumulate ? out.data()[i * cols + c] + value : value;
            }
        }
    }

    @Override
    public void pool(Tensor hidden, SequenceSpans spans, PoolingMode mode, boolean normalize, Tensor out) {
        ShapeChecks.requirePool(hidden, spans, out);
        int cols = hidden.cols();
        for (int s = 0; s < spans.count(); s++) {
            int start = spans.start(s);
            int length = spans.length(s);
            double[] pooled = new double[cols];
            for (int c = 0; c < cols; c++) {
                switch (mode) {
                    case CLS:
                        pooled[c] = hidden.get(start, c);
                        break;
                    case MAX:
                        pooled[c] = Double.NEGATIVE_INFINITY;
                        for (int t = 0; t < length; t++) {
                            pooled[c] = Math.max(pooled[c], hidden.get(start + t, c));
                        }
                        break;
                    case MEAN:
                    case MEAN_SQRT_LEN:
                        double sum = 0;
                        for (int t = 0; t < length; t++) {
                            sum += hidden.get(start + t, c);
                        }
                        pooled[c] = sum / (mode == PoolingMode.MEAN ? length : Math.sqrt(length));
                        break;
                    default:
                        throw new IllegalArgumentException("unsupported pooling mode " + mode);
                }
            }
            double norm = 1.0;
            if (normalize) {
                double squares = 0;
                for (double value : pooled) {
                    squares += value * value;
                }
                // sentence-transformers' Normalize clamps the norm at 1e-12, as does F.normalize
                norm = Math.max(Math.sqrt(squares), 1e-12);
            }
            for (int c = 0; c < cols; c++) {
                out.data()[s * cols + c] = (float) (pooled[c] / norm);
            }
        }
    }

    @Override
    public void close() {
        // holds nothing
    }

    static double activate(Activation activation, double x) {
        switch (activation) {
            case NONE:
                return x;
            case GELU:
                return 0.5 * x * (1.0 + Erf.erf(x / Math.sqrt(2.0)));
            case GELU_TANH:
                return 0.5 * x * (1.0 + Math.tanh(Math.sqrt(2.0 / Math.PI) * (x + 0.044715 * x * x * x)));
            case RELU:
                return Math.max(0.0, x);
            case TANH:
                return Math.tanh(x);
            case SIGMOID:
                return 1.0 / (1.0 + Math.exp(-x));
            default:
                throw new IllegalArgumentException("unsupported activation " + activation);
        }
    }

    private static void softmaxInPlace(double[] values, int length) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < length; i++) {
            max = Math.max(max, values[i]);
        }
        double sum = 0;
        for (int i = 0; i < length; i++) {
            values[i] = Math.exp(values[i] - max);
            sum += values[i];
        }
        for (int i = 0; i < length; i++) {
            values[i] /= sum;
        }
    }
}
