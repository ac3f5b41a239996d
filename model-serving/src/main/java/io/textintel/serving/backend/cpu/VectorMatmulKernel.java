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
 * <p>Parallel tasks are blocks of panels by blocks of tiles. A task's panels (at most
 * {@link #TASK_WEIGHT_BYTES}) stay in L2 while its tiles pass over them; tasks of the same panels
 * are adjacent so that one thread mostly keeps its weights. Small batches are cut finer, along
 * columns as well as rows, until every thread has several tasks.
 */
final class VectorMatmulKernel {

    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    static final int LANES = SPECIES.length();
    static final int PANEL_WIDTH = 2 * LANES;
    static final int TILE_ROWS = 6;

    private static final int TASK_WEIGHT_BYTES = 256 * 1024;
    private static final int MAX_TILES_PER_TASK = 8;
    private static final int TASKS_PER_THREAD = 4;

    private VectorMatmulKernel() {}

    static void linear(float[] x, int n, PackedLinear linear, Activation activation, float[] y,
            ParallelRange parallel) {
        int in = linear.inFeatures();
        int panels = linear.panelCount();
        int tiles = (n + TILE_ROWS - 1) / TILE_ROWS;
        int panelsPerTask = Math.max(1, Math.min(panels, TASK_WEIGHT_BYTES / (in * PANEL_WIDTH * Float.BYTES)));
        int tilesPerTask = Math.max(1, Math.min(MAX_TILES_PER_TASK, tiles));
        int wanted = TASKS_PER_THREAD * parallel.threads();
        while (ceilDiv(tiles, tilesPerTask) * ceilDiv(panels, panelsPerTask) < wanted
                && (tilesPerTask > 1 || panelsPerTask > 1)) {
            if (panelsPerTask > 1 && (panelsPerTask >= tilesPerTask || tilesPerTask == 1)) {
                panelsPerTask = (panelsPerTask + 1) / 2;
            } else {
                tilesPerTask = (tilesPerTask + 1) / 2;
            }
        }
        int tileBlocks = ceilDiv(tiles, tilesPerTask);
        int panelBlocks = ceilDiv(panels, panelsPerTask);
        int tilesPerBlock = tilesPerTask;
        int panelsPerBlock = panelsPerTask;
        parallel.forEach(tileBlocks * panelBlocks, 1, task -> {
            int p0 = (task / tileBlocks) * panelsPerBlock;
            int r0 = (task % tileBlocks) * tilesPerBlock * TILE_ROWS;
            int p1 = Math.min(panels, p0 + panelsPerBlock);
            int r1 = Math.min(n, r0 + tilesPerBlock * TILE_ROWS);
            for (int p = p0; p < p1; p++) {
                int r = r0;
                for (; r + TILE_ROWS <= r1; r += TILE_ROWS) {
                    tile6(x, r, linear, p, activation, y);
                }
                for (; r < r1; r++) {
                    tile1(x, r, linear, p, activation, y);
                }
            }
        });
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

    /** Row {@code r} by panel {@code p}: the rows left over after the six-row tiles. */
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
