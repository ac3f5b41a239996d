package io.textintel.serving.backend.cpu;

import io.textintel.serving.backend.Activation;
import io.textintel.serving.backend.Backend;
import io.textintel.serving.backend.BatchLayout;
import io.textintel.serving.backend.LinearWeights;
import io.textintel.serving.config.PoolingMode;
import io.textintel.serving.tensor.SequenceSpans;
import io.textintel.serving.tensor.Tensor;
import java.util.Objects;

/**
 * The fast CPU backend: cache-blocked, multithreaded float kernels. The linear layers, attention
 * and activations run on one {@link CpuKernel} family: register-blocked SIMD through the Vector API
 * when the JVM has {@code jdk.incubator.vector} ({@code --add-modules jdk.incubator.vector}), plain
 * Java written for C2's auto-vectoriser otherwise. Results match {@link ScalarBackend} within float
 * rounding.
 *
 * <p>Owns a pool of {@code threads} worker threads, stopped by {@link #close()}. Operations may
 * be called from several threads; they share the pool.
 */
public final class CpuBackend implements Backend {

    private static final int ROW_GRAIN = 8;

    private final ParallelRange parallel;
    private final CpuKernel kernel;
    private final DenseKernels kernels;

    /**
     * A backend running the {@link CpuKernel#best()} kernels on {@code threads} threads (1 runs
     * them on the caller's thread).
     */
    public CpuBackend(int threads) {
        this(threads, CpuKernel.best());
    }

    /**
     * A backend running the {@code kernel} family on {@code threads} threads.
     *
     * @throws IllegalArgumentException if {@code kernel} is not available in this JVM
     */
    public CpuBackend(int threads, CpuKernel kernel) {
        this.kernel = Objects.requireNonNull(kernel, "kernel");
        this.kernels = kernel.create();
        this.parallel = new ParallelRange(threads, "textintel-cpu-backend");
    }

    /** The kernel family this backend runs. */
    public CpuKernel kernel() {
        return kernel;
    }

    /** Number of worker threads. */
    public int threads() {
        return parallel.threads();
    }

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public BatchLayout batchLayout() {
        return BatchLayout.PACKED;
    }

    @Override
    public LinearWeights prepareLinear(Tensor weight, Tensor bias) {
        return kernels.prepareLinear(weight, bias);
    }

    @Override
    public void linear(Tensor x, LinearWeights weights, Activation activation, Tensor out) {
        ShapeChecks.requireLinear(x, weights, out);
        kernels.linear(x.data(), x.rows(), weights, activation, out.data(), parallel);
    }

    @Override
    public void layerNorm(Tensor x, Tensor residual, Tensor gamma, Tensor beta, float epsilon, Tensor out) {
        ShapeChecks.requireLayerNorm(x, residual, gamma, beta, epsilon, out);
        int cols = x.cols();
        float[] xs = x.data();
        float[] rs = residual == null ? null : residual.data();
        float[] g = gamma.data();
        float[] b = beta.data();
        float[] ys = out.data();
        parallel.forEach(x.rows(), ROW_GRAIN,
                row -> kernels.layerNormRow(xs, rs, row * cols, cols, g, b, epsilon, ys));
    }

    @Override
    public void activate(Activation activation, Tensor x) {
        int cols = x.cols();
        float[] data = x.data();
        parallel.forEach(x.rows(), ROW_GRAIN,
                row -> kernels.activate(activation, data, row * cols, row * cols + cols));
    }

    @Override
    public void softmax(Tensor x) {
        int cols = x.cols();
        float[] data = x.data();
        parallel.forEach(x.rows(), ROW_GRAIN, row -> {
            int offset = row * cols;
            float max = Float.NEGATIVE_INFINITY;
            for (int c = 0; c < cols; c++) {
                max = Math.max(max, data[offset + c]);
            }
            double sum = 0;
            for (int c = 0; c < cols; c++) {
                float e = ReproducibleMath.exp(data[offset + c] - max);
                data[offset + c] = e;
                sum += e;
            }
            float inverse = (float) (1.0 / sum);
            for (int c = 0; c < cols; c++) {
                data[offset + c] *= inverse;
            }
        });
    }

    @Override
    public boolean supportsAttentionBias() {
        return true;
    }

    @Override
    public void attention(Tensor qkv, int heads, SequenceSpans spans, Tensor bias, Tensor out) {
        ShapeChecks.requireAttention(qkv, heads, spans, out);
        int n = ShapeChecks.requireAttentionBias(bias, heads, spans);
        kernels.attention(qkv.data(), out.cols(), heads, spans, bias == null ? null : bias.data(), n, out.data(),
                parallel);
    }

    @Override
    public void gather(Tensor table, int[] ids, boolean accumulate, Tensor out) {
        ShapeChecks.requireGather(table, ids, out);
        int cols = table.cols();
        float[] source = table.data();
        float[] target = out.data();
        for (int i = 0; i < ids.length; i++) {
            int from = ids[i] * cols;
            int to = i * cols;
            if (accumulate) {
                for (int c = 0; c < cols; c++) {
                    target[to + c] += source[from + c];
                }
            } else {
                System.arraycopy(source, from, target, to, cols);
            }
        }
    }

    @Override
    public void pool(Tensor hidden, SequenceSpans spans, PoolingMode mode, boolean normalize, Tensor out) {
        ShapeChecks.requirePool(hidden, spans, out);
        int cols = hidden.cols();
        float[] h = hidden.data();
        float[] y = out.data();
        parallel.forEach(spans.count(), 1, sequence -> {
            int start = spans.start(sequence);
            int length = spans.length(sequence);
            int target = sequence * cols;
            System.arraycopy(h, start * cols, y, target, cols);
            for (int t = 1; t < length && mode != PoolingMode.CLS; t++) {
                int row = (start + t) * cols;
                if (mode == PoolingMode.MAX) {
                    for (int c = 0; c < cols; c++) {
                        y[target + c] = Math.max(y[target + c], h[row + c]);
                    }
                } else {
                    for (int c = 0; c < cols; c++) {
                        y[target + c] += h[row + c];
                    }
                }
            }
            float scale = 1f;
            if (mode == PoolingMode.MEAN) {
                scale = 1f / length;
            } else if (mode == PoolingMode.MEAN_SQRT_LEN) {
                scale = (float) (1.0 / Math.sqrt(length));
            }
            if (normalize) {
                // unit norm of the sum is unit norm of the mean: the mean's divisor drops out
                double squares = 0;
                for (int c = 0; c < cols; c++) {
                    squares += (double) y[target + c] * y[target + c];
                }
                scale = (float) (1.0 / Math.max(Math.sqrt(squares), 1e-12));
            }
            for (int c = 0; c < cols; c++) {
                y[target + c] *= scale;
            }
        });
    }

    @Override
    public void close() {
        parallel.close();
    }

    @Override
    public String toString() {
        return "CpuBackend[threads=" + threads() + ", kernel=" + kernel + "]";
    }
}
