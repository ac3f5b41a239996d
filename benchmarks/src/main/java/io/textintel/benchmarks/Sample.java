package io.textintel.benchmarks;

/**
 * One timed run of one contender: its wall seconds, the CPU seconds its process used meanwhile
 * (NaN when not known), and what it computed, kept so that contenders can be checked to agree.
 *
 * @param seconds wall time of the measured work
 * @param cpuSeconds CPU time of the contender's process over the same work
 * @param output what the run computed (embeddings, tokens), or null
 */
record Sample(double seconds, double cpuSeconds, Object output) {

    Sample {
        if (!(seconds > 0)) {
            throw new IllegalArgumentException("sample of " + seconds + " s, expected a positive time");
        }
    }

    /** CPU seconds per wall second: how many cores the contender kept busy. */
    double coresBusy() {
        return cpuSeconds / seconds;
    }
}
