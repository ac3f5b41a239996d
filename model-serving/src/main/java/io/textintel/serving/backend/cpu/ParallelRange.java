package io.textintel.serving.backend.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.RecursiveAction;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * A fixed set of worker threads that runs the iterations of an index range in parallel: the only
 * threading the CPU backend does. Closing it stops the threads.
 */
final class ParallelRange implements AutoCloseable {

    private final ForkJoinPool pool; // null when single-threaded
    private final int threads;

    ParallelRange(int threads, String namePrefix) {
        if (threads < 1) {
            throw new IllegalArgumentException("thread count is " + threads + ", expected >= 1");
        }
        this.threads = threads;
        if (threads == 1) {
            this.pool = null;
        } else {
            AtomicInteger counter = new AtomicInteger();
            this.pool = new ForkJoinPool(threads, p -> {
                ForkJoinWorkerThread thread = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(p);
                thread.setName(namePrefix + "-" + counter.getAndIncrement());
                thread.setDaemon(true);
                return thread;
            }, null, false);
        }
    }

    int threads() {
        return threads;
    }

    /**
     * Runs {@code body} for every index in {@code [0, count)}, split into chunks of at least
     * {@code grain} indices, and returns when all have run. An exception in any iteration is
     * rethrown here.
     */
    void forEach(int count, int grain, IntConsumer body) {
        if (count <= 0) {
            return;
        }
        if (pool == null || count <= grain) {
            for (int i = 0; i < count; i++) {
                body.accept(i);
            }
            return;
        }
        // a few chunks per thread so that uneven chunks (long sequences) balance out
        int chunk = Math.max(grain, (count + 4 * threads - 1) / (4 * threads));
        pool.invoke(new Chunk(body, 0, count, chunk));
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdown();
            try {
                if (!pool.awaitTermination(10, TimeUnit.SECONDS)) {
                    pool.shutdownNow();
                }
            } catch (InterruptedException e) {
                pool.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
    }

    private static final class Chunk extends RecursiveAction {
        private static final long serialVersionUID = 1L;

        private final transient IntConsumer body;
        private final int from;
        private final int to;
        private final int chunk;

        Chunk(IntConsumer body, int from, int to, int chunk) {
            this.body = body;
            this.from = from;
            this.to = to;
            this.chunk = chunk;
        }

        @Override
        protected void compute() {
            if (to - from <= chunk) {
                for (int i = from; i < to; i++) {
                    body.accept(i);
                }
                return;
            }
            int middle = (from + to) >>> 1;
            invokeAll(new Chunk(body, from, middle, chunk), new Chunk(body, middle, to, chunk));
        }
    }
}
