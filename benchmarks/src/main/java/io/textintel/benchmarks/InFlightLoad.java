package io.textintel.benchmarks;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * A closed-loop load with a fixed number of documents in flight, as Flink's async operator with
 * capacity N drives a task: the caller's thread submits a document as soon as one of the N in
 * flight has completed, and a document's latency runs from its submission (the task's own
 * synchronous work, such as tokenising, included) to its result.
 */
final class InFlightLoad {

    private InFlightLoad() {}

    /**
     * One round of a load.
     *
     * @param results the task's result per document, in submission order
     * @param wallNanos from the first submission to the last result
     * @param latencyNanos per document, in submission order
     * @param maxInFlight the most documents seen in flight at once
     */
    record Round<T>(List<T> results, long wallNanos, long[] latencyNanos, int maxInFlight) {

        double documentsPerSecond() {
            return results.size() * 1e9 / wallNanos;
        }
    }

    /**
     * Runs {@code task} over every text with at most {@code inFlight} unfinished at once.
     *
     * @throws IllegalArgumentException if there are no texts or {@code inFlight < 1}
     * @throws IllegalStateException if a document fails; no further document is submitted then
     */
    static <T> Round<T> run(List<String> texts, int inFlight, Function<String, CompletableFuture<T>> task)
            throws InterruptedException {
        if (texts.isEmpty()) {
            throw new IllegalArgumentException("no texts to run, expected at least one");
        }
        if (inFlight < 1) {
            throw new IllegalArgumentException("documents in flight is " + inFlight + ", expected >= 1");
        }
        int count = texts.size();
        Semaphore free = new Semaphore(inFlight);
        AtomicInteger running = new AtomicInteger();
        AtomicInteger maxRunning = new AtomicInteger();
        AtomicReference<Throwable> firstError = new AtomicReference<>();
        long[] latency = new long[count];
        List<T> results = new ArrayList<>(Collections.nCopies(count, null));
        CompletableFuture<?>[] done = new CompletableFuture<?>[count];
        Arrays.fill(done, CompletableFuture.completedFuture(null));
        long start = System.nanoTime();
        for (int i = 0; i < count && firstError.get() == null; i++) {
            free.acquire();
            int document = i;
            long submitted = System.nanoTime();
            maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
            CompletableFuture<T> future;
            try {
                future = task.apply(texts.get(i));
            } catch (RuntimeException e) {
                future = CompletableFuture.failedFuture(e);
            }
            // The result and latency are written before the returned stage completes, so joining it publishes them.
            done[i] = future.whenComplete((result, error) -> {
                latency[document] = System.nanoTime() - submitted;
                if (error != null) {
                    firstError.compareAndSet(null, new IllegalStateException("document " + document + " of " + count
                            + " failed with " + inFlight + " in flight", unwrap(error)));
                } else {
                    synchronized (results) {
                        results.set(document, result);
                    }
                }
                running.decrementAndGet();
                free.release();
            });
        }
        try {
            CompletableFuture.allOf(done).join();
        } catch (CompletionException e) {
            // reported below, with the document that failed first
        }
        long wall = System.nanoTime() - start;
        if (firstError.get() != null) {
            throw (IllegalStateException) firstError.get();
        }
        synchronized (results) {
            return new Round<>(Collections.unmodifiableList(new ArrayList<>(results)), wall, latency, maxRunning.get());
        }
    }

    /** The nearest-rank {@code p}-quantile of {@code nanos}, in milliseconds; {@code 0 < p <= 1}. */
    static double percentileMillis(long[] nanos, double p) {
        if (nanos.length == 0 || !(p > 0 && p <= 1)) {
            throw new IllegalArgumentException("percentile " + p + " of " + nanos.length + " latencies, expected"
                    + " 0 < p <= 1 of at least one");
        }
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return sorted[(int) Math.ceil(p * sorted.length) - 1] / 1e6;
    }

    private static Throwable unwrap(Throwable error) {
        return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    }
}
