package io.textintel.serving.backend.cpu;

import io.textintel.serving.backend.WeightFormat;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API linear layer over bf16 or int8 weights ({@link QuantizedLinear}, panels of
 * {@link #PANEL_WIDTH} columns): the weights are widened to f32 in registers, never in memory, and
 * every sum is f32.
 *
 * <ul>
 *   <li>bf16: a vector of 16-bit patterns is sign-extended to ints, shifted left by 16 and read as
 *       floats (exact); each output is one FMA chain from the bias, {@code k} in order: the order
 *       of {@link VectorMatmulKernel}, so a bf16 layer gives bit for bit what the f32 kernels give
 *       on the same weights widened.
 *   <li>int8: bytes converted to floats (exact: -127 .. 127); one FMA chain from zero, {@code k} in
 *       order, then {@code sum * scale + bias} as two roundings.
 * </ul>
 *
 * Six rows by one panel share each widened weight vector over twelve accumulators, as
 * {@link VectorMatmulKernel}'s six-row tile does; the rows after the last whole tile run one at a
 * time, a row by {@link #PANEL_GROUP} whole panels keeping eight FMA chains in flight (the partial
 * last panel and what is left of a group one panel at a time). Every kernel keeps each output's one
 * chain in the same order, so a row's result never depends on the other rows or on which kernel its
 * batch sent it to (the replay guarantee).
 */
final class QuantizedVectorKernel {

    static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
    static final int LANES = FLOATS.length();
    static final int PANEL_WIDTH = 2 * LANES;
    static final int PANEL_GROUP = 4;
    static final int TILE_ROWS = 6;

    private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Short> SHORTS = VectorSpecies.of(short.class,
            VectorShape.forBitSize(LANES * Short.SIZE));
    // at least 64 bits: a narrower byte vector does not exist; part 0 of the conversion takes the first LANES
    private static final VectorSpecies<Byte> BYTES = VectorSpecies.of(byte.class,
            VectorShape.forBitSize(Math.max(64, LANES * Byte.SIZE)));

    private QuantizedVectorKernel() {}

    /** Panels of columns in a task: one group. */
    static int groups(QuantizedLinear linear) {
        return (linear.panelCount() + PANEL_GROUP - 1) / PANEL_GROUP;
    }

    /** Rows {@code 0 .. rows - 1} by the panels of group {@code g}. */
    static void group(float[] x, int rows, QuantizedLinear linear, int g, float[] y) {
        int p0 = g * PANEL_GROUP;
        int p1 = Math.min(linear.panelCount(), p0 + PANEL_GROUP);
        boolean whole = p1 - p0 == PANEL_GROUP && p1 * PANEL_WIDTH <= linear.outFeatures();
        boolean bf16 = linear.format() == WeightFormat.BF16;
        int tiled = rows - rows % TILE_ROWS; // rows 0 .. tiled - 1 in six-row tiles, the rest one at a time
        for (int r = 0; r < tiled; r += TILE_ROWS) {
            for (int p = p0; p < p1; p++) {
                if (bf16) {
                    bf16Tile6(x, r, linear, p, y);
                } else {
                    int8Tile6(x, r, linear, p, y);
                }
            }
        }
        for (int r = tiled; r < rows; r++) {
            if (whole) {
                if (bf16) {
                    bf16Group(x, r, linear, p0, y);
                } else {
                    int8Group(x, r, linear, p0, y);
                }
            } else {
                for (int p = p0; p < p1; p++) {
                    if (bf16) {
                        bf16Panel(x, r, linear, p, y);
                    } else {
                        int8Panel(x, r, linear, p, y);
                    }
                }
            }
        }
    }

    /** Rows {@code r .. r + 5} by bf16 panel {@code p}: each weight vector widened once for six rows. */
    private static void bf16Tile6(float[] x, int r, QuantizedLinear linear, int p, float[] y) {
        int in = linear.inFeatures();
        short[] w = linear.bf16();
        int col = p * PANEL_WIDTH;
        FloatVector b0 = FloatVector.fromArray(FLOATS, linear.bias(), col);
        FloatVector b1 = FloatVector.fromArray(FLOATS, linear.bias(), col + LANES);
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
            FloatVector w0 = bf16(w, wk);
            FloatVector w1 = bf16(w, wk + LANES);
            FloatVector a = FloatVector.broadcast(FLOATS, x[x0 + k]);
            c00 = w0.fma(a, c00);
            c01 = w1.fma(a, c01);
            a = FloatVector.broadcast(FLOATS, x[x1 + k]);
            c10 = w0.fma(a, c10);
            c11 = w1.fma(a, c11);
            a = FloatVector.broadcast(FLOATS, x[x2 + k]);
            c20 = w0.fma(a, c20);
            c21 = w1.fma(a, c21);
            a = FloatVector.broadcast(FLOATS, x[x3 + k]);
            c30 = w0.fma(a, c30);
            c31 = w1.fma(a, c31);
            a = FloatVector.broadcast(FLOATS, x[x4 + k]);
            c40 = w0.fma(a, c40);
            c41 = w1.fma(a, c41);
            a = FloatVector.broadcast(FLOATS, x[x5 + k]);
            c50 = w0.fma(a, c50);
            c51 = w1.fma(a, c51);
        }
        int out = linear.outFeatures();
        int y0 = r * out + col;
        if (col + PANEL_WIDTH <= out) {
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
            float[] scratch = new float[TILE_ROWS * PANEL_WIDTH]; // [TILE_ROWS, PANEL_WIDTH], as VectorMatmulKernel.tile6
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
    }

    /** Rows {@code r .. r + 5} by int8 panel {@code p}: each weight vector widened once for six rows. */
    private static void int8Tile6(float[] x, int r, QuantizedLinear linear, int p, float[] y) {
        int in = linear.inFeatures();
        byte[] w = linear.int8();
        int col = p * PANEL_WIDTH;
        FloatVector b0 = FloatVector.zero(FLOATS);
        FloatVector b1 = b0;
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
            FloatVector w0 = int8(w, wk);
            FloatVector w1 = int8(w, wk + LANES);
            FloatVector a = FloatVector.broadcast(FLOATS, x[x0 + k]);
            c00 = w0.fma(a, c00);
            c01 = w1.fma(a, c01);
            a = FloatVector.broadcast(FLOATS, x[x1 + k]);
            c10 = w0.fma(a, c10);
            c11 = w1.fma(a, c11);
            a = FloatVector.broadcast(FLOATS, x[x2 + k]);
            c20 = w0.fma(a, c20);
            c21 = w1.fma(a, c21);
            a = FloatVector.broadcast(FLOATS, x[x3 + k]);
            c30 = w0.fma(a, c30);
            c31 = w1.fma(a, c31);
            a = FloatVector.broadcast(FLOATS, x[x4 + k]);
            c40 = w0.fma(a, c40);
            c41 = w1.fma(a, c41);
            a = FloatVector.broadcast(FLOATS, x[x5 + k]);
            c50 = w0.fma(a, c50);
            c51 = w1.fma(a, c51);
        }
        // y = sum * scale + bias, two roundings, as int8Panel
        FloatVector s0 = FloatVector.fromArray(FLOATS, linear.scales(), col);
        FloatVector s1 = FloatVector.fromArray(FLOATS, linear.scales(), col + LANES);
        FloatVector d0 = FloatVector.fromArray(FLOATS, linear.bias(), col);
        FloatVector d1 = FloatVector.fromArray(FLOATS, linear.bias(), col + LANES);
        c00 = c00.mul(s0).add(d0);
        c01 = c01.mul(s1).add(d1);
        c10 = c10.mul(s0).add(d0);
        c11 = c11.mul(s1).add(d1);
        c20 = c20.mul(s0).add(d0);
        c21 = c21.mul(s1).add(d1);
        c30 = c30.mul(s0).add(d0);
        c31 = c31.mul(s1).add(d1);
        c40 = c40.mul(s0).add(d0);
        c41 = c41.mul(s1).add(d1);
        c50 = c50.mul(s0).add(d0);
        c51 = c51.mul(s1).add(d1);
        int out = linear.outFeatures();
        int y0 = r * out + col;
        if (col + PANEL_WIDTH <= out) {
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
            float[] scratch = new float[TILE_ROWS * PANEL_WIDTH]; // [TILE_ROWS, PANEL_WIDTH], as VectorMatmulKernel.tile6
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
    }

    /** Lanes {@code offset ..} of bf16 bits widened to floats: the bits shifted into a float's upper half. */
    private static FloatVector bf16(short[] w, int offset) {
        return ((IntVector) ShortVector.fromArray(SHORTS, w, offset).convertShape(VectorOperators.S2I, INTS, 0))
                .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /** Lanes {@code offset ..} of int8 values as floats. */
    private static FloatVector int8(byte[] w, int offset) {
        return (FloatVector) ByteVector.fromArray(BYTES, w, offset).convertShape(VectorOperators.B2F, FLOATS, 0);
    }

    /** Row {@code r} by the four whole bf16 panels from {@code p}. */
    private static void bf16Group(float[] x, int r, QuantizedLinear linear, int p, float[] y) {
        int in = linear.inFeatures();
        short[] w = linear.bf16();
        float[] bias = linear.bias();
        int col = p * PANEL_WIDTH;
        FloatVector c00 = FloatVector.fromArray(FLOATS, bias, col);
        FloatVector c01 = FloatVector.fromArray(FLOATS, bias, col + LANES);
        FloatVector c10 = FloatVector.fromArray(FLOATS, bias, col + PANEL_WIDTH);
        FloatVector c11 = FloatVector.fromArray(FLOATS, bias, col + PANEL_WIDTH + LANES);
        FloatVector c20 = FloatVector.fromArray(FLOATS, bias, col + 2 * PANEL_WIDTH);
        FloatVector c21 = FloatVector.fromArray(FLOATS, bias, col + 2 * PANEL_WIDTH + LANES);
        FloatVector c30 = FloatVector.fromArray(FLOATS, bias, col + 3 * PANEL_WIDTH);
        FloatVector c31 = FloatVector.fromArray(FLOATS, bias, col + 3 * PANEL_WIDTH + LANES);
        int x0 = r * in;
        int panelStride = in * PANEL_WIDTH;
        int w0 = p * panelStride;
        int w1 = w0 + panelStride;
        int w2 = w1 + panelStride;
        int w3 = w2 + panelStride;
        for (int k = 0; k < in; k++) {
            int wk = k * PANEL_WIDTH;
            FloatVector a = FloatVector.broadcast(FLOATS, x[x0 + k]);
            c00 = bf16(w, w0 + wk).fma(a, c00);
            c01 = bf16(w, w0 + wk + LANES).fma(a, c01);
            c10 = bf16(w, w1 + wk).fma(a, c10);
            c11 = bf16(w, w1 + wk + LANES).fma(a, c11);
            c20 = bf16(w, w2 + wk).fma(a, c20);
            c21 = bf16(w, w2 + wk + LANES).fma(a, c21);
            c30 = bf16(w, w3 + wk).fma(a, c30);
            c31 = bf16(w, w3 + wk + LANES).fma(a, c31);
        }
        // stores written out here: a call taking the accumulators would box them (see VectorMatmulKernel)
        int y0 = r * linear.outFeatures() + col;
        c00.intoArray(y, y0);
        c01.intoArray(y, y0 + LANES);
        c10.intoArray(y, y0 + PANEL_WIDTH);
        c11.intoArray(y, y0 + PANEL_WIDTH + LANES);
        c20.intoArray(y, y0 + 2 * PANEL_WIDTH);
        c21.intoArray(y, y0 + 2 * PANEL_WIDTH + LANES);
        c30.intoArray(y, y0 + 3 * PANEL_WIDTH);
        c31.intoArray(y, y0 + 3 * PANEL_WIDTH + LANES);
    }

    /** Row {@code r} by bf16 panel {@code p}, whole or the partial last one. */
    private static void bf16Panel(float[] x, int r, QuantizedLinear linear, int p, float[] y) {
        int in = linear.inFeatures();
        short[] w = linear.bf16();
        int col = p * PANEL_WIDTH;
        FloatVector c0 = FloatVector.fromArray(FLOATS, linear.bias(), col);
        FloatVector c1 = FloatVector.fromArray(FLOATS, linear.bias(), col + LANES);
        int x0 = r * in;
        int panelBase = p * in * PANEL_WIDTH;
        for (int k = 0; k < in; k++) {
            int wk = panelBase + k * PANEL_WIDTH;
            FloatVector a = FloatVector.broadcast(FLOATS, x[x0 + k]);
            c0 = bf16(w, wk).fma(a, c0);
            c1 = bf16(w, wk + LANES).fma(a, c1);
        }
        int out = linear.outFeatures();
        int y0 = r * out + col;
        if (col + PANEL_WIDTH <= out) {
            c0.intoArray(y, y0);
            c1.intoArray(y, y0 + LANES);
        } else {
            float[] scratch = new float[PANEL_WIDTH]; // no masked stores: see VectorMatmulKernel.tile6
            c0.intoArray(scratch, 0);
            c1.intoArray(scratch, LANES);
            System.arraycopy(scratch, 0, y, y0, out - col);
        }
    }

    /** Row {@code r} by the four whole int8 panels from {@code p}. */
    private static void int8Group(float[] x, int r, QuantizedLinear linear, int p, float[] y) {
        int in = linear.inFeatures();
        byte[] w = linear.int8();
        FloatVector c00 = FloatVector.zero(FLOATS);
        FloatVector c01 = c00;
        FloatVector c10 = c00;
        FloatVector c11 = c00;
        FloatVector c20 = c00;
        FloatVector c21 = c00;
        FloatVector c30 = c00;
        FloatVector c31 = c00;
        int x0 = r * in;
        int panelStride = in * PANEL_WIDTH;
        int w0 = p * panelStride;
        int w1 = w0 + panelStride;
        int w2 = w1 + panelStride;
        int w3 = w2 + panelStride;
        for (int k = 0; k < in; k++) {
            int wk = k * PANEL_WIDTH;
            FloatVector a = FloatVector.broadcast(FLOATS, x[x0 + k]);
            c00 = int8(w, w0 + wk).fma(a, c00);
            c01 = int8(w, w0 + wk + LANES).fma(a, c01);
            c10 = int8(w, w1 + wk).fma(a, c10);
            c11 = int8(w, w1 + wk + LANES).fma(a, c11);
            c20 = int8(w, w2 + wk).fma(a, c20);
            c21 = int8(w, w2 + wk + LANES).fma(a, c21);
            c30 = int8(w, w3 + wk).fma(a, c30);
            c31 = int8(w, w3 + wk + LANES).fma(a, c31);
        }
        float[] s = linear.scales();
        float[] b = linear.bias();
        int col = p * PANEL_WIDTH;
        int y0 = r * linear.outFeatures() + col;
        // y = sum * scale + bias, two roundings (no FMA), as the portable kernel computes it
        c00.mul(FloatVector.fromArray(FLOATS, s, col)).add(FloatVector.fromArray(FLOATS, b, col))
                .intoArray(y, y0);
        c01.mul(FloatVector.fromArray(FLOATS, s, col + LANES)).add(FloatVector.fromArray(FLOATS, b, col + LANES))
                .intoArray(y, y0 + LANES);
        int c = col + PANEL_WIDTH;
        c10.mul(FloatVector.fromArray(FLOATS, s, c)).add(FloatVector.fromArray(FLOATS, b, c))
                .intoArray(y, y0 + PANEL_WIDTH);
        c11.mul(FloatVector.fromArray(FLOATS, s, c + LANES)).add(FloatVector.fromArray(FLOATS, b, c + LANES))
                .intoArray(y, y0 + PANEL_WIDTH + LANES);
        c += PANEL_WIDTH;
        c20.mul(FloatVector.fromArray(FLOATS, s, c)).add(FloatVector.fromArray(FLOATS, b, c))
                .intoArray(y, y0 + 2 * PANEL_WIDTH);
        c21.mul(FloatVector.fromArray(FLOATS, s, c + LANES)).add(FloatVector.fromArray(FLOATS, b, c + LANES))
                .intoArray(y, y0 + 2 * PANEL_WIDTH + LANES);
        c += PANEL_WIDTH;
        c30.mul(FloatVector.fromArray(FLOATS, s, c)).add(FloatVector.fromArray(FLOATS, b, c))
                .intoArray(y, y0 + 3 * PANEL_WIDTH);
        c31.mul(FloatVector.fromArray(FLOATS, s, c + LANES)).add(FloatVector.fromArray(FLOATS, b, c + LANES))
                .intoArray(y, y0 + 3 * PANEL_WIDTH + LANES);
    }

    /** Row {@code r} by int8 panel {@code p}, whole or the partial last one. */
    private static void int8Panel(float[] x, int r, QuantizedLinear linear, int p, float[] y) {
        int in = linear.inFeatures();
        byte[] w = linear.int8();
        FloatVector c0 = FloatVector.zero(FLOATS);
        FloatVector c1 = c0;
        int x0 = r * in;
        int panelBase = p * in * PANEL_WIDTH;
        for (int k = 0; k < in; k++) {
            int wk = panelBase + k * PANEL_WIDTH;
            FloatVector a = FloatVector.broadcast(FLOATS, x[x0 + k]);
            c0 = int8(w, wk).fma(a, c0);
            c1 = int8(w, wk + LANES).fma(a, c1);
        }
        int col = p * PANEL_WIDTH;
        float[] s = linear.scales();
        float[] b = linear.bias();
        c0 = c0.mul(FloatVector.fromArray(FLOATS, s, col)).add(FloatVector.fromArray(FLOATS, b, col));
        c1 = c1.mul(FloatVector.fromArray(FLOATS, s, col + LANES)).add(FloatVector.fromArray(FLOATS, b, col + LANES));
        int out = linear.outFeatures();
        int y0 = r * out + col;
        if (col + PANEL_WIDTH <= out) {
            c0.intoArray(y, y0);
            c1.intoArray(y, y0 + LANES);
        } else {
            float[] scratch = new float[PANEL_WIDTH];
            c0.intoArray(scratch, 0);
            c1.intoArray(scratch, LANES);
            System.arraycopy(scratch, 0, y, y0, out - col);
        }
    }
}
