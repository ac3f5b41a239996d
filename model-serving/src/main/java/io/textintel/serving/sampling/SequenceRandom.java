package io.textintel.serving.sampling;

/**
 * One request's random stream (SplitMix64): the same seed gives the same stream, whatever other
 * requests share its batches. Not thread-safe; owned by the scheduler thread.
 */
public final class SequenceRandom {

    private long state;

    public SequenceRandom(long seed) {
        this.state = seed;
    }

    private SequenceRandom(SequenceRandom other) {
        this.state = other.state;
    }

    /** The next value, uniform in {@code [0, 1)}. */
    public double nextUniform() {
        state += 0x9E3779B97F4A7C15L;
        long z = state;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z = z ^ (z >>> 31);
        return (z >>> 11) * 0x1.0p-53;
    }

    /** An independent copy that continues this stream from where it is now. */
    public SequenceRandom copy() {
        return new SequenceRandom(this);
    }
}
