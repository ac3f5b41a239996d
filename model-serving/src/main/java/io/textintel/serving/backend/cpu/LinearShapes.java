package io.textintel.serving.backend.cpu;

import io.textintel.serving.backend.DecoderOps;

/** The shape checks every {@link DecoderOps} linear layer makes, with messages that name the tensor. */
public final class LinearShapes {

    private LinearShapes() {}

    public static void check(String name, float[] weight, float[] bias, int out, int in) {
        if (out <= 0 || in <= 0 || weight == null || (long) out * in != weight.length) {
            throw new IllegalArgumentException("linear " + name + ": weight has "
                    + (weight == null ? "no" : String.valueOf(weight.length)) + " values, expected [" + out + ", "
                    + in + "] = " + (long) out * in);
        }
        if (bias != null && bias.length != out) {
            throw new IllegalArgumentException("linear " + name + ": bias has " + bias.length + " values, expected ["
                    + out + "]");
        }
    }

    public static void checkCall(float[] x, int rows, int in, float[] y, int out) {
        if (rows < 0 || x.length < (long) rows * in || y.length < (long) rows * out) {
            throw new IllegalArgumentException("linear of " + rows + " rows: x has " + x.length + " values and y "
                    + y.length + ", expected at least [" + rows + ", " + in + "] and [" + rows + ", " + out + "]");
        }
    }
}
