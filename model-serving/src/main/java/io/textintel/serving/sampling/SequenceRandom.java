package io.textintel.serving.sampling;

/**
 * The random stream of one request: a counter-based generator, so the {@code n}-th draw depends only
 * on the seed and {@code n}, never on other requests, batch composition or threads.
 *
 * <p>Draw {@code n} is the SplitMix64 finaliser of {@code seed + (n + 1) * golden gamma}, the same
 * mixing {@link java.util.SplittableRandom} uses; SplitMix64 passes BigCrush. Not thread-safe: one
 * request's stream is advanced by the thread that samples for it.
 */
public final class SequenceRandom {

    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;
    private static final double UNIT = 0x1.0p-53; // 2^-53

    private final long seed;
    private long counter;

    public SequenceRandom(long seed) {
        this(seed, 0L);
    }

    private SequenceRandom(long seed, long counter) {
        this.seed = seed;
        this.counter = counter;
    }

    /** The next uniform draw in [0, 1), with 53 random bits. */
    public double nextUniform() {
        counter++;
        return (mix64(seed + counter * GOLDEN_GAMMA) >>> 11) * UNIT;
    }

    /** An independent copy at the same point of the stream: both produce the same draws from here on. */
    public SequenceRandom copy() {
        return new SequenceRandom(seed, counter);
    }

    /** Draws taken so far. */
    public long draws() {
        return counter;
    }

    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
