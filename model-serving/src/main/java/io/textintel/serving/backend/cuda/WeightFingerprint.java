package io.textintel.serving.backend.cuda;

import java.util.Arrays;

/**
 * What identifies a weight tensor's content: its shape, the form it is stored in on the device,
 * and two independent 64-bit hashes of its values' bits. Two engines that load the same
 * checkpoint compute the same fingerprints, whatever path they loaded it from, so they share one
 * device copy; a changed file gives new fingerprints. Not a cryptographic hash: it guards against
 * accidental equality, where 128 bits make a collision negligible.
 *
 * @param form how the values are stored on the device, e.g. {@code bf16} or {@code f32}
 */
record WeightFingerprint(String form, int[] shape, long first, long second) {

    /** The fingerprint of the first {@code shape}-product values of {@code data}, stored as {@code form}. */
    static WeightFingerprint of(String form, float[] data, int... shape) {
        long count = 1;
        for (int dim : shape) {
            count *= dim;
        }
        long first = 0xCBF29CE484222325L;
        long second = 0x9E3779B97F4A7C15L ^ count;
        for (int i = 0; i < count; i++) {
            int bits = Float.floatToRawIntBits(data[i]);
            first = (first ^ bits) * 0x100000001B3L;
            second = Long.rotateLeft(second + bits * 0xC2B2AE3D27D4EB4FL, 31) * 0x9E3779B97F4A7C15L;
        }
        return new WeightFingerprint(form, shape.clone(), mix(first), mix(second ^ count));
    }

    private static long mix(long h) {
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        h *= 0xC4CEB9FE1A85EC53L;
        return h ^ (h >>> 33);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof WeightFingerprint that && form.equals(that.form) && Arrays.equals(shape, that.shape)
                && first == that.first && second == that.second;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(first) * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return form + Arrays.toString(shape) + "#" + Long.toHexString(first);
    }
}
