package io.textintel.serving.backend.cpu;

import io.textintel.serving.backend.Activation;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API linear layer: {@code y[n, out] = act(x[n, in] · W + b)} over the panels of a
 * {@link PackedLinear}.
 *
 * <p>The micro-kernel computes a tile of {@link #TILE_ROWS} rows by one panel ({@link #PANEL_WIDTH}
 * columns, two vectors) in twelve vector accumulators that stay in registers for the whole
 * reduction: per step of {@code k} it loads two weight vectors, broadcasts six activations and
 * issues twelve FMAs, so it is bound by the FMA units rather than by loads and stores. Bias is
 * the accumulators' initial value; the activation runs on the tile right after its only store,
 * while it is in L1. The stores are written out in the kernel: passing the accumulators to a
 * method C2 does not inline boxes them, which cost a factor of eight in measurement.
 *
 * <p>Rows after the last whole tile (a decode step's single row, or a batch's remainder) run on
 * kernels that keep eight accumulators busy by taking several panels at once: one row by a group
 * of {@link #PANEL_GROUP} panels, or two rows by two panels. Every kernel reduces each output in
 * one FMA chain, {@code k} in order, from the bias, so a row's result is bit for bit the same
 * whichever kernel its batch sends it to: replays after a failure batch documents differently
 * and must reproduce them exactly.
 *
 * <p>Parallel tasks are blocks of panels by blocks of tiles. A task's panels (at most
 * {@link #TASK_WEIGHT_BYTES}) stay in L2 while its tiles pass over them; tasks of the same panels
 * are adjacent so that one thread mostly keeps its weights. Small batches are cut finer, along
 * columns as well as rows, until every thread has several tasks, but never below a group of
 * panels when fewer rows than a tile are all the work.
 */
final class VectorMatmulKernel {

    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    static final int LANES = SPECIES.length();
    static final int PANEL_WIDTH = 2 * LANES;
    static final int TILE_ROWS = 6;
    static final int PANEL_GROUP = 4;

    private static final int TASK_WEIGHT_BYTES = 256 * 1024;
    private static final int MAX_TILES_PER_TASK = 8;
    private static final int TASKS_PER_THREAD = 4;

    private VectorMatmulKernel() {}

    static void linear(float[] x, int n, PackedLinear linear, Activation activation, float[] y,
            ParallelRange parallel) {
        int in = linear.inFeatures();
        int panels = linear.panelCount();
        int tiles = (n + TILE_ROWS - 1) / TILE_ROWS;
        // Tasks take whole units of panels. Fewer rows than a tile are all the work there is, so
        // tasks take whole groups for the one-row kernel; rows after six-row tiles are a small part
        // of it, so tasks keep their cache-sized blocks and take only whole pairs for tile2x2.
        int unit = n < TILE_ROWS ? PANEL_GROUP : n % TILE_ROWS == 0 ? 1 : 2;
        int units = ceilDiv(panels, unit);
        int unitsPerTask = Math.max(1, Math.min(units, TASK_WEIGHT_BYTES / (unit * in * PANEL_WIDTH * Float.BYTES)));
        int tilesPerTask = Math.max(1, Math.min(MAX_TILES_PER_TASK, tiles));
        int wanted = TASKS_PER_THREAD * parallel.threads();
        while (ceilDiv(tiles, tilesPerTask) * ceilDiv(units, unitsPerTask) < wanted
                && (tilesPerTask > 1 || unitsPerTask > 1)) {
            if (unitsPerTask > 1 && (unitsPerTask >= tilesPerTask || tilesPerTask == 1)) {
                unitsPerTask = (unitsPerTask + 1) / 2;
            } else {
                tilesPerTask = (tilesPerTask + 1) / 2;
            }
        }
        int tileBlocks = ceilDiv(tiles, tilesPerTask);
        int unitBlocks = ceilDiv(units, unitsPerTask);
        int rowsPerBlock = tilesPerTask * TILE_ROWS;
        int panelsPerBlock = unitsPerTask * unit;
        parallel.forEach(tileBlocks * unitBlocks, 1, task -> {
            int p0 = (task / tileBlocks) * panelsPerBlock;
            int r0 = (task % tileBlocks) * rowsPerBlock;
            int p1 = Math.min(panels, p0 + panelsPerBlock);
            int r1 = Math.min(n, r0 + rowsPerBlock);
            int rest = r1 - (r1 - r0) % TILE_ROWS; // the first row after the six-row tiles
            // a group at a time, so that the rows after the tiles find the group's panels in cache
            for (int g0 = p0; g0 < p1; g0 += PANEL_GROUP) {
                int g1 = Math.min(p1, g0 + PANEL_GROUP);
                for (int p = g0; p < g1; p++) {
                    for (int r = r0; r < rest; r += TILE_ROWS) {
                        tile6(x, r, linear, p, activation, y);
                    }
                }
                if (rest < r1) {
                    rows(x, rest, r1, linear, g0, g1, activation, y);
                }
            }
        });
    }

    /**
     * Rows {@code r0 .. r1 - 1}, fewer than a tile, by panels {@code p0 .. p1 - 1}, at most a
     * group: pairs of rows by pairs of whole panels ({@link #tile2x2}), an odd last row by the
     * whole group ({@link #tile1x4}); what neither covers, the partial last panel always among it,
     * one row by one panel ({@link #tile1}).
     */
    private static void rows(float[] x, int r0, int r1, PackedLinear linear, int p0, int p1, Activation activation,
            float[] y) {
        int whole = Math.min(p1, linear.outFeatures() / PANEL_WIDTH); // panels p0 .. whole - 1 are whole
        int pairsEnd = r0 + (r1 - r0) / 2 * 2;
        for (int r = r0; r < pairsEnd; r += 2) {
            int p = p0;
            for (; p + 2 <= whole; p += 2) {
                tile2x2(x, r, linear, p, activation, y);
            }
            for (; p < p1; p++) {
                tile1(x, r, linear, p, activation, y);
                tile1(x, r + 1, linear, p, activation, y);
            }
        }
        if (pairsEnd < r1) {
            if (p0 + PANEL_GROUP <= whole) {
                tile1x4(x, pairsEnd, linear, p0, activation, y);
            } else {
                for (int p = p0; p < p1; p++) {
                    tile1(x, pairsEnd, linear, p, activation, y);
                }
            }
        }
    }

    /** Rows {@code r .. r + 5} by panel {@code p}. */
    private static void tile6(float[] x, int r, PackedLinear linear, int p, Activation activation, float[] y) {
        int in = linear.inFeatures();
        float[] w = linear.panels();
        int col = p * PANEL_WIDTH;
        FloatVector b0 = FloatVector.fromArray(SPECIES, linear.bias(), col);
        FloatVector b1 = FloatVector.fromArray(SPECIES, linear.bias(), col + LANES);
        FloatVector c00 = b0;
        FloatVector c01 = b1;
        FloatVector c10 = b0;
        FloatVector c11 = b1;
        FloatVector c20 = b0;
        FloatVector c21 = b1;
        FloatVector c30 = b0;
        FloatVector c31 = b1;
        FloatVector c40 = b0;
        FloatVector c41 = b1;
        FloatVector c50 = b0;
        FloatVector c51 = b1;
        int x0 = r * in;
        int x1 = x0 + in;
        int x2 = x1 + in;
        int x3 = x2 + in;
        int x4 = x3 + in;
        int x5 = x4 + in;
        int panelBase = p * in * PANEL_WIDTH;
        for (int k = 0; k < in; k++) {
            int wk = panelBase + k * PANEL_WIDTH;
            FloatVector w0 = FloatVector.fromArray(SPECIES, w, wk);
            FloatVector w1 = FloatVector.fromArray(SPECIES, w, wk + LANES);
            FloatVector a = FloatVector.broadcast(SPECIES, x[x0 + k]);
            c00 = w0.fma(a, c00);
            c01 = w1.fma(a, c01);
            a = FloatVector.broadcast(SPECIES, x[x1 + k]);
            c10 = w0.fma(a, c10);
            c11 = w1.fma(a, c11);
            a = FloatVector.broadcast(SPECIES, x[x2 + k]);
            c20 = w0.fma(a, c20);
            c21 = w1.fma(a, c21);
            a = FloatVector.broadcast(SPECIES, x[x3 + k]);
            c30 = w0.fma(a, c30);
            c31 = w1.fma(a, c31);
            a = FloatVector.broadcast(SPECIES, x[x4 + k]);
            c40 = w0.fma(a, c40);
            c41 = w1.fma(a, c41);
            a = FloatVector.broadcast(SPECIES, x[x5 + k]);
            c50 = w0.fma(a, c50);
            c51 = w1.fma(a, c51);
        }
        int out = linear.outFeatures();
        int y0 = r * out + col;
        if (col + PANEL_WIDTH <= out) {
            // stores written out here: a call taking the accumulators would box them
            c00.intoArray(y, y0);
            c01.intoArray(y, y0 + LANES);
            c10.intoArray(y, y0 + out);
            c11.intoArray(y, y0 + out + LANES);
            c20.intoArray(y, y0 + 2 * out);
            c21.intoArray(y, y0 + 2 * out + LANES);
            c30.intoArray(y, y0 + 3 * out);
            c31.intoArray(y, y0 + 3 * out + LANES);
            c40.intoArray(y, y0 + 4 * out);
            c41.intoArray(y, y0 + 4 * out + LANES);
            c50.intoArray(y, y0 + 5 * out);
            c51.intoArray(y, y0 + 5 * out + LANES);
        } else {
            // the last, partial panel: whole-vector stores into a scratch tile, then the valid
            // columns. Masked stores, or a call taking the accumulators, made C2 box them in the
            // whole kernel once this branch had run: eight times slower for every panel.
            float[] scratch = new float[TILE_ROWS * PANEL_WIDTH]; // [TILE_ROWS, PANEL_WIDTH]
            c00.intoArray(scratch, 0);
            c01.intoArray(scratch, LANES);
            c10.intoArray(scratch, PANEL_WIDTH);
            c11.intoArray(scratch, PANEL_WIDTH + LANES);
            c20.intoArray(scratch, 2 * PANEL_WIDTH);
            c21.intoArray(scratch, 2 * PANEL_WIDTH + LANES);
            c30.intoArray(scratch, 3 * PANEL_WIDTH);
            c31.intoArray(scratch, 3 * PANEL_WIDTH + LANES);
            c40.intoArray(scratch, 4 * PANEL_WIDTH);
            c41.intoArray(scratch, 4 * PANEL_WIDTH + LANES);
            c50.intoArray(scratch, 5 * PANEL_WIDTH);
            c51.intoArray(scratch, 5 * PANEL_WIDTH + LANES);
            for (int i = 0; i < TILE_ROWS; i++) {
                System.arraycopy(scratch, i * PANEL_WIDTH, y, y0 + i * out, out - col);
            }
        }
        activate(activation, y, y0, TILE_ROWS, out, Math.min(PANEL_WIDTH, out - col));
    }

    /**
     * Rows {@code r, r + 1} by whole panels {@code p, p + 1}: eight FMA chains, as in tile1x4, and
     * each weight vector loaded once for both rows.
     */
    private static void tile2x2(float[] x, int r, PackedLinear linear, int p, Activation activation, float[] y) {
        int in = linear.inFeatures();
        float[] w = linear.panels();
        float[] bias = linear.bias();
        int col = p * PANEL_WIDTH;
        FloatVector b0 = FloatVector.fromArray(SPECIES, bias, col);
        FloatVector b1 = FloatVector.fromArray(SPECIES, bias, col + LANES);
        FloatVector b2 = FloatVector.fromArray(SPECIES, bias, col + PANEL_WIDTH);
        FloatVector b3 = FloatVector.fromArray(SPECIES, bias, col + PANEL_WIDTH + LANES);
        FloatVector c00 = b0;
        FloatVector c01 = b1;
        FloatVector c02 = b2;
        FloatVector c03 = b3;
        FloatVector c10 = b0;
        FloatVector c11 = b1;
        FloatVector c12 = b2;
        FloatVector c13 = b3;
        int x0 = r * in;
        int x1 = x0 + in;
        int panelStride = in * PANEL_WIDTH;
        int w0 = p * panelStride;
        int w1 = w0 + panelStride;
        for (int k = 0; k < in; k++) {
            int wk = k * PANEL_WIDTH;
            FloatVector v0 = FloatVector.fromArray(SPECIES, w, w0 + wk);
            FloatVector v1 = FloatVector.fromArray(SPECIES, w, w0 + wk + LANES);
            FloatVector v2 = FloatVector.fromArray(SPECIES, w, w1 + wk);
            FloatVector v3 = FloatVector.fromArray(SPECIES, w, w1 + wk + LANES);
            FloatVector a = FloatVector.broadcast(SPECIES, x[x0 + k]);
            c00 = v0.fma(a, c00);
            c01 = v1.fma(a, c01);
            c02 = v2.fma(a, c02);
            c03 = v3.fma(a, c03);
            a = FloatVector.broadcast(SPECIES, x[x1 + k]);
            c10 = v0.fma(a, c10);
            c11 = v1.fma(a, c11);
            c12 = v2.fma(a, c12);
            c13 = v3.fma(a, c13);
        }
        int out = linear.outFeatures();
        int y0 = r * out + col;
        c00.intoArray(y, y0);
        c01.intoArray(y, y0 + LANES);
        c02.intoArray(y, y0 + PANEL_WIDTH);
        c03.intoArray(y, y0 + PANEL_WIDTH + LANES);
        c10.intoArray(y, y0 + out);
        c11.intoArray(y, y0 + out + LANES);
        c12.intoArray(y, y0 + out + PANEL_WIDTH);
        c13.intoArray(y, y0 + out + PANEL_WIDTH + LANES);
        activate(activation, y, y0, 2, out, 2 * PANEL_WIDTH);
    }

    /**
     * Row {@code r} by the {@link #PANEL_GROUP} whole panels from {@code p}: eight independent FMA
     * chains in flight instead of tile1's two, so that one row (a decode step) is not bound by FMA
     * latency and keeps more weight loads in flight.
     */
    private static void tile1x4(float[] x, int r, PackedLinear linear, int p, Activation activation, float[] y) {
        int in = linear.inFeatures();
        float[] w = linear.panels();
        float[] bias = linear.bias();
        int col = p * PANEL_WIDTH;
        FloatVector c00 = FloatVector.fromArray(SPECIES, bias, col);
        FloatVector c01 = FloatVector.fromArray(SPECIES, bias, col + LANES);
        FloatVector c10 = FloatVector.fromArray(SPECIES, bias, col + PANEL_WIDTH);
        FloatVector c11 = FloatVector.fromArray(SPECIES, bias, col + PANEL_WIDTH + LANES);
        FloatVector c20 = FloatVector.fromArray(SPECIES, bias, col + 2 * PANEL_WIDTH);
        FloatVector c21 = FloatVector.fromArray(SPECIES, bias, col + 2 * PANEL_WIDTH + LANES);
        FloatVector c30 = FloatVector.fromArray(SPECIES, bias, col + 3 * PANEL_WIDTH);
        FloatVector c31 = FloatVector.fromArray(SPECIES, bias, col + 3 * PANEL_WIDTH + LANES);
        // Still one FMA chain per output, k in order, from the bias (tile6's order): the chains are
        // independent because they belong to different panels, not because k is split.
        int x0 = r * in;
        int panelStride = in * PANEL_WIDTH;
        int w0 = p * panelStride;
        int w1 = w0 + panelStride;
        int w2 = w1 + panelStride;
        int w3 = w2 + panelStride;
        for (int k = 0; k < in; k++) {
            int wk = k * PANEL_WIDTH;
            FloatVector a = FloatVector.broadcast(SPECIES, x[x0 + k]);
            c00 = FloatVector.fromArray(SPECIES, w, w0 + wk).fma(a, c00);
            c01 = FloatVector.fromArray(SPECIES, w, w0 + wk + LANES).fma(a, c01);
            c10 = FloatVector.fromArray(SPECIES, w, w1 + wk).fma(a, c10);
            c11 = FloatVector.fromArray(SPECIES, w, w1 + wk + LANES).fma(a, c11);
            c20 = FloatVector.fromArray(SPECIES, w, w2 + wk).fma(a, c20);
            c21 = FloatVector.fromArray(SPECIES, w, w2 + wk + LANES).fma(a, c21);
            c30 = FloatVector.fromArray(SPECIES, w, w3 + wk).fma(a, c30);
            c31 = FloatVector.fromArray(SPECIES, w, w3 + wk + LANES).fma(a, c31);
        }
        // whole panels only (the caller sends the partial last one to tile1): plain stores, no scratch
        int y0 = r * linear.outFeatures() + col;
        c00.intoArray(y, y0);
        c01.intoArray(y, y0 + LANES);
        c10.intoArray(y, y0 + PANEL_WIDTH);
        c11.intoArray(y, y0 + PANEL_WIDTH + LANES);
        c20.intoArray(y, y0 + 2 * PANEL_WIDTH);
        c21.intoArray(y, y0 + 2 * PANEL_WIDTH + LANES);
        c30.intoArray(y, y0 + 3 * PANEL_WIDTH);
        c31.intoArray(y, y0 + 3 * PANEL_WIDTH + LANES);
        activate(activation, y, y0, 1, 0, PANEL_GROUP * PANEL_WIDTH);
    }

    /** Row {@code r} by panel {@code p}: what the kernels of several panels leave over, the partial last panel among it. */
    private static void tile1(float[] x, int r, PackedLinear linear, int p, Activation activation, float[] y) {
        int in = linear.inFeatures();
        float[] w = linear.panels();
        int col = p * PANEL_WIDTH;
        FloatVector c0 = FloatVector.fromArray(SPECIES, linear.bias(), col);
        FloatVector c1 = FloatVector.fromArray(SPECIES, linear.bias(), col + LANES);
        // One FMA chain per output, k in order, from the bias: exactly the order of tile6, so that a row's
        // result does not depend on whether its batch put it in a six-row tile or here (replays must match).
        int x0 = r * in;
        int panelBase = p * in * PANEL_WIDTH;
        for (int k = 0; k < in; k++) {
            int wk = panelBase + k * PANEL_WIDTH;
            FloatVector a = FloatVector.broadcast(SPECIES, x[x0 + k]);
            c0 = FloatVector.fromArray(SPECIES, w, wk).fma(a, c0);
            c1 = FloatVector.fromArray(SPECIES, w, wk + LANES).fma(a, c1);
        }
        int out = linear.outFeatures();
        int y0 = r * out + col;
        if (col + PANEL_WIDTH <= out) {
            c0.intoArray(y, y0);
            c1.intoArray(y, y0 + LANES);
        } else {
            float[] scratch = new float[PANEL_WIDTH]; // as in tile6: no masks, no call taking vectors
            c0.intoArray(scratch, 0);
            c1.intoArray(scratch, LANES);
            System.arraycopy(scratch, 0, y, y0, out - col);
        }
        activate(activation, y, y0, 1, out, Math.min(PANEL_WIDTH, out - col));
    }

    /** Applies the activation to a stored tile of {@code rows} by {@code cols} at {@code y[offset ..]}, still in L1. */
    private static void activate(Activation activation, float[] y, int offset, int rows, int stride, int cols) {
        if (activation == Activation.NONE) {
            return;
        }
        for (int i = 0; i < rows; i++) {
            int from = offset + i * stride;
            VectorMath.activate(activation, y, from, from + cols);
        }
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
