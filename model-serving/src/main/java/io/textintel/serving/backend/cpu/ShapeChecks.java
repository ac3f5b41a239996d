package io.textintel.serving.backend.cpu;

import io.textintel.serving.backend.LinearWeights;
import io.textintel.serving.tensor.SequenceSpans;
import io.textintel.serving.tensor.Tensor;
import java.util.Arrays;
import java.util.Objects;

/** The argument checks every backend runs before an operation, so all of them fail the same way. */
public final class ShapeChecks {

    private ShapeChecks() {}

    public static void requireMatrix(String name, Tensor tensor, int rows, int cols) {
        Objects.requireNonNull(tensor, name);
        if (tensor.rows() != rows || tensor.cols() != cols) {
            throw new IllegalArgumentException("tensor " + name + " has shape " + Arrays.toString(tensor.shape())
                    + ", expected [" + rows + ", " + cols + "]");
        }
    }

    public static void requireVector(String name, Tensor tensor, int length) {
        Objects.requireNonNull(tensor, name);
        if (tensor.size() != length || tensor.cols() != length) {
            throw new IllegalArgumentException("tensor " + name + " has shape " + Arrays.toString(tensor.shape())
                    + ", expected [" + length + "]");
        }
    }

    public static void requireLinear(Tensor x, LinearWeights weights, Tensor out) {
        Objects.requireNonNull(weights, "weights");
        requireMatrix("x", x, x.rows(), weights.inFeatures());
        requireMatrix("out", out, x.rows(), weights.outFeatures());
        requireDistinct("x", x, "out", out);
    }

    public static void requireLayerNorm(Tensor x, Tensor residual, Tensor gamma, Tensor beta, float epsilon, Tensor out) {
        int rows = x.rows();
        int cols = x.cols();
        if (residual != null) {
            requireMatrix("residual", residual, rows, cols);
        }
        requireVector("gamma", gamma, cols);
        requireVector("beta", beta, cols);
        requireMatrix("out", out, rows, cols);
        if (!(epsilon > 0f)) {
            throw new IllegalArgumentException("layer norm epsilon is " + epsilon + ", expected > 0");
        }
    }

    public static int requireAttention(Tensor qkv, int heads, SequenceSpans spans, Tensor out) {
        Objects.requireNonNull(spans, "spans");
        int hidden = out.cols();
        if (heads < 1 || hidden % heads != 0) {
            throw new IllegalArgumentException(
                    "attention heads " + heads + " do not divide hidden size " + hidden + ", expected a divisor");
        }
        requireMatrix("qkv", qkv, spans.rows(), 3 * hidden);
        requireMatrix("out", out, spans.rows(), hidden);
        requireDistinct("qkv", qkv, "out", out);
        return hidden / heads;
    }

    /**
     * Checks an attention bias for {@code heads} heads over {@code spans}: {@code [heads, n, n]}
     * with {@code n} at least the longest sequence.
     *
     * @return {@code n}, or 0 when {@code bias} is null
     */
    public static int requireAttentionBias(Tensor bias, int heads, SequenceSpans spans) {
        if (bias == null) {
            return 0;
        }
        int n = bias.rank() == 3 ? bias.dim(1) : -1;
        if (n < spans.maxLength() || bias.dim(0) != heads || bias.dim(2) != n) {
            throw new IllegalArgumentException("attention bias has shape " + Arrays.toString(bias.shape())
                    + ", expected [" + heads + ", n, n] with n >= " + spans.maxLength() + ", the longest sequence");
        }
        return n;
    }

    public static void requireGather(Tensor table, int[] ids, Tensor out) {
        Objects.requireNonNull(ids, "ids");
        requireMatrix("out", out, ids.length, table.cols());
        int vocabulary = table.rows();
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocabulary) {
                throw new IllegalArgumentException("id " + ids[i] + " at position " + i
                        + " is outside the embedding table, expected 0 <= id < " + vocabulary);
            }
        }
    }

    public static void requirePool(Tensor hidden, SequenceSpans spans, Tensor out) {
        Objects.requireNonNull(spans, "spans");
        requireMatrix("hidden", hidden, spans.rows(), hidden.cols());
        requireMatrix("out", out, spans.count(), hidden.cols());
        requireDistinct("hidden", hidden, "out", out);
    }

    public static void requireDistinct(String firstName, Tensor first, String secondName, Tensor second) {
        if (first.data() == second.data()) {
            throw new IllegalArgumentException(
                    "tensors " + firstName + " and " + secondName + " share storage, expected separate arrays");
        }
    }
}
