package io.textintel.benchmarks;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The streaming-read bandwidth of this machine's memory: each thread sums its own array (far larger
 * than any cache) with four independent accumulators (a core issues two loads a cycle, far above its share of memory bandwidth), as a decode pass streams its weights; bytes read
 * by all threads over the wall time of the slowest, the best of several passes.
 */
final class MemoryBandwidth {

    private MemoryBandwidth() {}

    /**
     * Bytes per second read by {@code threads} threads streaming {@code bytesPerThread} each, the
     * best of {@code passes} passes.
     */
    static double streamingRead(int threads, int bytesPerThread, int passes) throws Exception {
        if (threads < 1 || passes < 1 || bytesPerThread < 1 << 20) {
            throw new IllegalArgumentException("threads " + threads + ", passes " + passes + ", bytes per thread "
                    + bytesPerThread + ": expected at least 1, 1 and 1 MiB");
        }
        List<long[]> arrays = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            long[] array = new long[bytesPerThread / Long.BYTES];
            Arrays.fill(array, 1L);
            arrays.add(array);
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            double best = 0;
            long sink = 0;
            for (int pass = 0; pass < passes; pass++) {
                long start = System.nanoTime();
                List<Future<Long>> sums = new ArrayList<>();
                for (long[] array : arrays) {
                    sums.add(pool.submit(() -> sum(array)));
                }
                for (Future<Long> sum : sums) {
                    sink += sum.get();
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                best = Math.max(best, (double) threads * bytesPerThread / seconds);
            }
            if (sink != (long) passes * threads * (bytesPerThread / Long.BYTES)) {
                throw new IllegalStateException("streaming sums came to " + sink + ", expected the element count. This is a bug.");
            }
            return best;
        } finally {
            pool.shutdownNow();
        }
    }

    private static long sum(long[] a) {
        long s0 = 0;
        long s1 = 0;
        long s2 = 0;
        long s3 = 0;
        int i = 0;
        for (; i + 4 <= a.length; i += 4) {
            s0 += a[i];
            s1 += a[i + 1];
            s2 += a[i + 2];
            s3 += a[i + 3];
        }
        for (; i < a.length; i++) {
            s0 += a[i];
        }
        return s0 + s1 + s2 + s3;
    }
}
