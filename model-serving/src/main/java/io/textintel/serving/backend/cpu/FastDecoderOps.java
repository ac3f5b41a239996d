package io.textintel.serving.backend.cpu;

import io.textintel.serving.backend.Activation;
import io.textintel.serving.backend.DecoderOps;
import io.textintel.serving.backend.LinearWeights;
import io.textintel.serving.backend.PagedAttentionBatch;
import io.textintel.serving.backend.WeightMatrix;
import io.textintel.serving.kv.PagedKvCache;
import io.textintel.serving.tensor.Tensor;
import java.util.Arrays;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fast CPU {@link DecoderOps}. Linear layers run on the {@link CpuBackend}'s dense kernels
 * (the register-blocked Vector API kernels over packed weight panels where
 * {@code jdk.incubator.vector} is present, the portable ones otherwise: see {@link CpuKernel}).
 * With the Vector API kernels a pass of 2 to 5 rows (a verification of γ + 1 tokens) is padded
 * with zero rows to the kernel's six-row tile, so every weight is read from memory once for all
 * rows and multiplied in registers, instead of once per row: on two cores the linear layers of
 * such a pass took 1.0 to 1.2 times those of a one-row decode pass. Attention runs parallel
 * over (token, head) with the value sum as a contiguous axpy. Agrees with {@link ScalarDecoderOps}
 * within float rounding (tested at 1e-4 relative on logits). bf16 and int8 weights
 * ({@link #prepareLinear(String, WeightMatrix, float[])}) run on kernels of their own that widen
 * them in registers.
 */
public final class FastDecoderOps implements DecoderOps {

    private static final Logger LOG = LoggerFactory.getLogger(FastDecoderOps.class);

    /** Rows of the dense kernel's register tile; passes of 2 .. TILE_ROWS - 1 rows are padded to it. */
    static final int TILE_ROWS = 6;

    private record BackendLinear(LinearWeights weights, int outFeatures, int inFeatures) implements Linear {}

    private final ForkJoinPool pool;
    private final CpuBackend dense;

    /** Fast ops on {@code threads} worker threads of their own, with the best available kernel family. */
    public FastDecoderOps(int threads) {
        this(threads, CpuKernel.best());
    }

    /** Fast ops on {@code threads} worker threads of their own, with the given kernel family for linear layers. */
    public FastDecoderOps(int threads, CpuKernel kernel) {
        if (threads < 1) {
            throw new IllegalArgumentException("thread count is " + threads + ", expected >= 1");
        }
        AtomicInteger counter = new AtomicInteger();
        this.pool = new ForkJoinPool(threads, p -> {
            var thread = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(p);
            thread.setName("decoder-ops-" + counter.getAndIncrement());
            thread.setDaemon(true);
            return thread;
        }, null, false);
        this.dense = new CpuBackend(threads, kernel);
        CpuKernel.missingModuleWarning(kernel, "the decoder").ifPresent(LOG::warn);
    }

    @Override
    public String name() {
        return "fast-" + dense.kernel().name().toLowerCase(java.util.Locale.ROOT);
    }

    @Override
    public Linear prepareLinear(String name, float[] weight, float[] bias, int out, int in) {
        LinearShapes.check(name, weight, bias, out, in);
        LinearWeights prepared = dense.prepareLinear(Tensor.of(weight, out, in),
                bias == null ? null : Tensor.of(bias, out));
        return new BackendLinear(prepared, out, in);
    }

    /**
     * bf16 and int8 weights are packed for {@link QuantizedVectorKernel} (or, without the Vector
     * API, {@link QuantizedPortableKernel}, which computes the same bits) and stay in their format:
     * 2 or 1 bytes a weight are read per token instead of f32's 4.
     */
    @Override
    public Linear prepareLinear(String name, WeightMatrix weight, float[] bias) {
        if (weight instanceof WeightMatrix.F32 f32) {
            return prepareLinear(name, f32.values(), bias, f32.out(), f32.in());
        }
        if (bias != null && bias.length != weight.out()) {
            throw new IllegalArgumentException("linear " + name + ": bias has " + bias.length + " values, expected ["
                    + weight.out() + "]");
        }
        int panelWidth = dense.kernel() == CpuKernel.VECTOR ? QuantizedVectorKernel.PANEL_WIDTH : 1;
        return new QuantizedLinear(weight, bias, panelWidth);
    }

    @Override
    public void linear(float[] x, int rows, Linear linear, float[] y) {
        if (linear instanceof QuantizedLinear quantized) {
            quantizedLinear(x, rows, quantized, y);
            return;
        }
        BackendLinear w = (BackendLinear) linear;
        int in = w.inFeatures();
        int out = w.outFeatures();
        LinearShapes.checkCall(x, rows, in, y, out);
        if (rows == 0) {
            return;
        }
        if (rows == 1 || rows >= TILE_ROWS || dense.kernel() != CpuKernel.VECTOR) {
            dense.linear(Tensor.of(x, rows, in), w.weights(), Activation.NONE, Tensor.of(y, rows, out));
            return;
        }
        float[] padded = Arrays.copyOf(x, TILE_ROWS * in); // [TILE_ROWS, in]: zero rows after the real ones
        float[] result = new float[TILE_ROWS * out]; // [TILE_ROWS, out]
        dense.linear(Tensor.of(padded, TILE_ROWS, in), w.weights(), Activation.NONE, Tensor.of(result, TILE_ROWS, out));
        System.arraycopy(result, 0, y, 0, rows * out);
    }

    private void quantizedLinear(float[] x, int rows, QuantizedLinear w, float[] y) {
        LinearShapes.checkCall(x, rows, w.inFeatures(), y, w.outFeatures());
        if (rows == 0) {
            return;
        }
        if (w.panelWidth() == 1) {
            parallel(QuantizedPortableKernel.blocks(w), block -> QuantizedPortableKernel.block(x, rows, w, block, y));
        } else if (rows == 1 || rows >= TILE_ROWS) {
            parallel(QuantizedVectorKernel.groups(w), group -> QuantizedVectorKernel.group(x, rows, w, group, y));
        } else {
            // as for f32: 2 to 5 rows padded to one six-row tile, so each weight is widened once for all
            float[] padded = Arrays.copyOf(x, TILE_ROWS * w.inFeatures()); // [TILE_ROWS, in]
            float[] result = new float[TILE_ROWS * w.outFeatures()]; // [TILE_ROWS, out]
            parallel(QuantizedVectorKernel.groups(w),
                    group -> QuantizedVectorKernel.group(padded, TILE_ROWS, w, group, result));
            System.arraycopy(result, 0, y, 0, rows * w.outFeatures());
        }
    }

    @Override
    public void rmsNorm(float[] x, int rows, float[] weight, double eps, float[] out) {
        int hidden = weight.length;
        parallel(rows, r -> {
            int base = r * hidden;
            float s0 = 0;
            float s1 = 0;
            float s2 = 0;
            float s3 = 0;
            int i = 0;
            for (; i + 3 < hidden; i += 4) {
                s0 += x[base + i] * x[base + i];
                s1 += x[base + i + 1] * x[base + i + 1];
                s2 += x[base + i + 2] * x[base + i + 2];
                s3 += x[base + i + 3] * x[base + i + 3];
            }
            for (; i < hidden; i++) {
                s0 += x[base + i] * x[base + i];
            }
            float scale = (float) (1.0 / Math.sqrt((s0 + s1 + s2 + s3) / (double) hidden + eps));
            for (int j = 0; j < hidden; j++) {
                out[base + j] = x[base + j] * scale * weight[j];
            }
        });
    }

    @Override
    public void swiglu(float[] gate, float[] up, int count, float[] out) {
        int blocks = (count + 4095) / 4096;
        parallel(blocks, block -> {
            int end = Math.min(count, (block + 1) * 4096);
            for (int i = block * 4096; i < end; i++) {
                float g = gate[i];
                out[i] = g / (1f + ReproducibleMath.exp(-g)) * up[i];
            }
        });
    }

    @Override
    public void rotary(PagedAttentionBatch batch, float[] q, int heads, float[] k, int kvHeads, int headDim,
            double attentionFactor) {
        RotaryKernel.checkPass(batch, q, heads, k, kvHeads, headDim, attentionFactor);
        // each token's rows are rotated by one thread with the reference's loop: bit for bit the same
        parallel(batch.tokenCount(),
                t -> RotaryKernel.rotateToken(batch, t, q, heads, k, kvHeads, headDim, attentionFactor));
    }

    @Override
    public void writeKeyValues(PagedAttentionBatch batch, float[] k, float[] v, PagedKvCache cache, int layer) {
        HostKvCacheWriter.write(batch, k, v, cache, layer);
    }

    @Override
    public void attention(PagedAttentionBatch batch, float[] q, int heads, PagedKvCache cache, int layer, float[] out) {
        int kvHeads = cache.layout().kvHeads();
        int headDim = cache.layout().headDim();
        int stride = cache.layout().positionStride();
        int group = heads / kvHeads;
        int blockSize = batch.blockSize();
        float scale = (float) (1.0 / Math.sqrt(headDim));
        float[] keys = cache.keys(layer);
        float[] values = cache.values(layer);
        parallel(batch.tokenCount() * heads, task -> {
            int t = task / heads;
            int h = task % heads;
            int[] table = batch.blockTable(batch.chunkOfToken(t));
            int kvColumn = h / group * headDim;
            int qRow = (t * heads + h) * headDim;
            int visible = batch.position(t) + 1;
            float[] scores = new float[visible];
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < visible; j++) {
                int k = (table[j / blockSize] * blockSize + j % blockSize) * stride + kvColumn;
                float d0 = 0;
                float d1 = 0;
                float d2 = 0;
                float d3 = 0;
                int d = 0;
                for (; d + 3 < headDim; d += 4) {
                    d0 += q[qRow + d] * keys[k + d];
                    d1 += q[qRow + d + 1] * keys[k + d + 1];
                    d2 += q[qRow + d + 2] * keys[k + d + 2];
                    d3 += q[qRow + d + 3] * keys[k + d + 3];
                }
                for (; d < headDim; d++) {
                    d0 += q[qRow + d] * keys[k + d];
                }
                float score = (d0 + d1 + d2 + d3) * scale;
                scores[j] = score;
                max = Math.max(max, score);
            }
            float total = 0;
            for (int j = 0; j < visible; j++) {
                float e = ReproducibleMath.exp(scores[j] - max);
                scores[j] = e;
                total += e;
            }
            java.util.Arrays.fill(out, qRow, qRow + headDim, 0f);
            for (int j = 0; j < visible; j++) {
                int v = (table[j / blockSize] * blockSize + j % blockSize) * stride + kvColumn;
                float p = scores[j];
                for (int d = 0; d < headDim; d++) {
                    out[qRow + d] += p * values[v + d];
                }
            }
            float inverse = 1f / total;
            for (int d = 0; d < headDim; d++) {
                out[qRow + d] *= inverse;
            }
        });
    }

    /** Runs {@code body} for every index in [0, count) on this ops' threads. */
    private void parallel(int count, IntConsumer body) {
        if (count <= 1) {
            if (count == 1) {
                body.accept(0);
            }
            return;
        }
        pool.submit(() -> IntStream.range(0, count).parallel().forEach(body)).join();
    }

    @Override
    public void close() {
        pool.shutdown();
        dense.close();
    }
}
