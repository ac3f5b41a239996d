package io.textintel.serving.model;

import io.textintel.serving.weights.WeightLoader;
import java.util.HashMap;
import java.util.Map;
import java.util.function.IntBinaryOperator;

/**
 * An MPNet forward pass as plain loops in double precision, written from Hugging Face's
 * {@code modeling_mpnet.py} formulas and sharing no code with the engine: the test's reference.
 *
 * <p>Variants of the formulas the engine must not be computing can be switched on, so that a test
 * shows each one would be noticed: no relative bias, the bias direction mirrored, positions from 0.
 */
final class MpnetReference {

    /** What the reference computes; {@link #HF} is the real model. */
    enum Variant { HF, NO_RELATIVE_BIAS, MIRRORED_BIAS, POSITIONS_FROM_ZERO }

    private static final int PADDING_IDX = 1; // MPNetEmbeddings.padding_idx

    private final WeightLoader weights;
    private final int hidden;
    private final int heads;
    private final int layers;
    private final int intermediate;
    private final double eps;
    private final Map<String, float[]> cache = new HashMap<>();

    MpnetReference(WeightLoader weights, int hidden, int heads, int layers, int intermediate, double eps) {
        this.weights = weights;
        this.hidden = hidden;
        this.heads = heads;
        this.layers = layers;
        this.intermediate = intermediate;
        this.eps = eps;
    }

    /**
     * The HF bucket of {@code relative = key - query}: {@code n = -relative}; half the buckets for
     * {@code n < 0}; exact below 8; else {@code 8 + floor(log(n / 8) / log(128 / 8) * 8)}, at most 15.
     */
    static int bucket(int relative) {
        int n = -relative;
        int ret = n < 0 ? 16 : 0;
        n = Math.abs(n);
        if (n < 8) {
            return ret + n;
        }
        int large = 8 + (int) Math.floor(Math.log(n / 8.0) / Math.log(128.0 / 8.0) * 8);
        return ret + Math.min(large, 15);
    }

    /** The last hidden states {@code [length][hidden]} of one sequence. */
    double[][] forward(int[] ids, Variant variant) {
        int length = ids.length;
        // create_position_ids_from_input_ids: cumsum(ids != pad) * (ids != pad) + padding_idx
        int[] positions = new int[length];
        int count = 0;
        for (int t = 0; t < length; t++) {
            boolean real = ids[t] != PADDING_IDX;
            count += real ? 1 : 0;
            positions[t] = variant == Variant.POSITIONS_FROM_ZERO ? t : (real ? count : 0) + PADDING_IDX;
        }
        double[][] x = new double[length][hidden];
        for (int t = 0; t < length; t++) {
            for (int c = 0; c < hidden; c++) {
                x[t][c] = get("embeddings.word_embeddings.weight", ids[t] * hidden + c)
                        + get("embeddings.position_embeddings.weight", positions[t] * hidden + c);
            }
        }
        x = layerNorm(x, null, "embeddings.LayerNorm");

        IntBinaryOperator bucketOf = switch (variant) {
            case MIRRORED_BIAS -> (i, j) -> bucket(i - j);
            default -> (i, j) -> bucket(j - i);
        };
        int headDim = hidden / heads;
        for (int l = 0; l < layers; l++) {
            String base = "encoder.layer." + l + ".";
            double[][] q = linear(x, base + "attention.attn.q");
            double[][] k = linear(x, base + "attention.attn.k");
            double[][] v = linear(x, base + "attention.attn.v");
            double[][] context = new double[length][hidden];
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < length; i++) {
                    double[] scores = new double[length];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < length; j++) {
                        double dot = 0;
                        for (int d = 0; d < headDim; d++) {
                            dot += q[i][h * headDim + d] * k[j][h * headDim + d];
                        }
                        scores[j] = dot / Math.sqrt(headDim);
                        if (variant != Variant.NO_RELATIVE_BIAS) {
                            // relative_attention_bias is [buckets, heads]: row = bucket, column = head
                            scores[j] += get("encoder.relative_attention_bias.weight",
                                    bucketOf.applyAsInt(i, j) * heads + h);
                        }
                        max = Math.max(max, scores[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < length; j++) {
                        scores[j] = Math.exp(scores[j] - max);
                        sum += scores[j];
                    }
                    for (int j = 0; j < length; j++) {
                        for (int d = 0; d < headDim; d++) {
                            context[i][h * headDim + d] += scores[j] / sum * v[j][h * headDim + d];
                        }
                    }
                }
            }
            x = layerNorm(linear(context, base + "attention.attn.o"), x, base + "attention.LayerNorm");
            double[][] inner = linear(x, base + "intermediate.dense");
            for (double[] row : inner) {
                for (int c = 0; c < intermediate; c++) {
                    row[c] = 0.5 * row[c] * (1 + erf(row[c] / Math.sqrt(2)));
                }
            }
            x = layerNorm(linear(inner, base + "output.dense"), x, base + "output.LayerNorm");
        }
        return x;
    }

    /** Mean of the rows, scaled to unit L2 norm: mean pooling then Normalize. */
    static double[] meanNormalized(double[][] states) {
        double[] mean = new double[states[0].length];
        for (double[] row : states) {
            for (int c = 0; c < mean.length; c++) {
                mean[c] += row[c] / states.length;
            }
        }
        return normalized(mean);
    }

    static double[] normalized(double[] v) {
        double norm = 0;
        for (double value : v) {
            norm += value * value;
        }
        norm = Math.max(Math.sqrt(norm), 1e-12);
        double[] out = new double[v.length];
        for (int c = 0; c < v.length; c++) {
            out[c] = v[c] / norm;
        }
        return out;
    }

    private double[][] linear(double[][] x, String base) {
        long[] shape = weights.info(base + ".weight").shape();
        int out = (int) shape[0];
        int in = (int) shape[1];
        float[] w = floats(base + ".weight");
        float[] b = floats(base + ".bias");
        double[][] y = new double[x.length][out];
        for (int t = 0; t < x.length; t++) {
            for (int o = 0; o < out; o++) {
                double sum = b[o];
                for (int i = 0; i < in; i++) {
                    sum += x[t][i] * w[o * in + i];
                }
                y[t][o] = sum;
            }
        }
        return y;
    }

    private double[][] layerNorm(double[][] x, double[][] residual, String base) {
        float[] gamma = floats(base + ".weight");
        float[] beta = floats(base + ".bias");
        double[][] y = new double[x.length][hidden];
        for (int t = 0; t < x.length; t++) {
            double[] s = new double[hidden];
            double mean = 0;
            for (int c = 0; c < hidden; c++) {
                s[c] = x[t][c] + (residual == null ? 0 : residual[t][c]);
                mean += s[c] / hidden;
            }
            double variance = 0;
            for (int c = 0; c < hidden; c++) {
                variance += (s[c] - mean) * (s[c] - mean) / hidden;
            }
            for (int c = 0; c < hidden; c++) {
                y[t][c] = (s[c] - mean) / Math.sqrt(variance + eps) * gamma[c] + beta[c];
            }
        }
        return y;
    }

    private double get(String name, int index) {
        return floats(name)[index];
    }

    private float[] floats(String name) {
        return cache.computeIfAbsent(name, weights::readFloats);
    }

    /** erf by Simpson's rule on {@code 2/sqrt(pi) exp(-t^2)} over 2000 steps: error far below 1e-12. */
    static double erf(double x) {
        int steps = 2000;
        double h = x / steps;
        double sum = 1 + Math.exp(-x * x);
        for (int i = 1; i < steps; i++) {
            double t = i * h;
            sum += (i % 2 == 1 ? 4 : 2) * Math.exp(-t * t);
        }
        return 2 / Math.sqrt(Math.PI) * sum * h / 3;
    }
}
