package io.textintel.serving.model.decoder;

import io.textintel.serving.kv.PagedKvCache;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/**
 * The fast CPU {@link DecoderOps}: linear layers as blocked, multithreaded axpy tiles over a
 * transposed weight ({@code [in, out]}), whose inner loops C2 vectorises; attention parallel over
 * (token, head) with the value sum as a contiguous axpy. Agrees with {@link ScalarDecoderOps}
 * within float rounding (tested at 1e-4 relative on logits).
 */
public final class FastDecoderOps implements DecoderOps {

    static final int ROW_BLOCK = 16;
    static final int COL_BLOCK = 128;

    private record TransposedLinear(float[] weightT, float[] bias, int outFeatures, int inFeatures) implements Linear {}

    private final ForkJoinPool pool;

    /** Fast ops on {@code threads} worker threads of their own. */
    public FastDecoderOps(int threads) {
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
    }

    @Override
    public String name() {
        return "fast";
    }

    @Override
    public Linear prepareLinear(String name, float[] weight, float[] bias, int out, int in) {
        LinearShapes.check(name, weight, bias, out, in);
        float[] transposed = new float[weight.length]; // [in, out]
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                transposed[i * out + o] = weight[o * in + i];
            }
        }
        return new TransposedLinear(transposed, bias, out, in);
    }

    @Override
    public void linear(float[] x, int rows, Linear linear, float[] y) {
        TransposedLinear w = (TransposedLinear) linear;
        int out = w.outFeatures();
        LinearShapes.checkCall(x, rows, w.inFeatures(), y, out);
        int rowBlocks = (rows + ROW_BLOCK - 1) / ROW_BLOCK;
        int colBlocks = (out + COL_BLOCK - 1) / COL_BLOCK;
        parallel(rowBlocks * colBlocks, task -> {
            int r0 = task / colBlocks * ROW_BLOCK;
            int c0 = task % colBlocks * COL_BLOCK;
            tile(x, w, y, r0, Math.min(rows, r0 + ROW_BLOCK), c0, Math.min(out, c0 + COL_BLOCK));
        });
    }

    /** One output tile: rows [r0, r1) by columns [c0, c1), four weight rows per pass over the tile. */
    private static void tile(float[] x, TransposedLinear linear, float[] y, int r0, int r1, int c0, int c1) {
        int in = linear.inFeatures();
        int out = linear.outFeatures();
        float[] w = linear.weightT();
        for (int r = r0; r < r1; r++) {
            if (linear.bias() == null) {
                java.util.Arrays.fill(y, r * out + c0, r * out + c1, 0f);
            } else {
                System.arraycopy(linear.bias(), c0, y, r * out + c0, c1 - c0);
            }
        }
        int k = 0;
        for (; k + 3 < in; k += 4) {
            int w0 = k * out;
            int w1 = w0 + out;
            int w2 = w1 + out;
            int w3 = w2 + out;
            for (int r = r0; r < r1; r++) {
                int xr = r * in + k;
                float a0 = x[xr];
                float a1 = x[xr + 1];
                float a2 = x[xr + 2];
                float a3 = x[xr + 3];
                int yr = r * out;
                for (int j = c0; j < c1; j++) {
                    y[yr + j] += a0 * w[w0 + j] + a1 * w[w1 + j] + a2 * w[w2 + j] + a3 * w[w3 + j];
                }
            }
        }
        for (; k < in; k++) {
            int w0 = k * out;
            for (int r = r0; r < r1; r++) {
                float a0 = x[r * in + k];
                int yr = r * out;
                for (int j = c0; j < c1; j++) {
                    y[yr + j] += a0 * w[w0 + j];
                }
            }
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
                out[i] = g / (1f + (float) Math.exp(-g)) * up[i];
            }
        });
    }

    @Override
    public void attention(DecoderBatch batch, float[] q, int heads, PagedKvCache cache, int layer, float[] out) {
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
                float e = (float) Math.exp(scores[j] - max);
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
    }
}
