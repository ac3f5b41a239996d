package io.textintel.serving.engine;

import java.util.Collection;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The skeleton of an engine's scheduler loop, shared by {@link EncoderEngine} and the decoder's
 * {@code generate.GenerationEngine}: an inbox that callers on any thread fill, a lifecycle lock
 * that orders submissions against {@link #stop()}, one owning daemon thread that runs the engine's
 * loop body, and a bounded join when the engine closes.
 *
 * <p>The body is the engine's own: it polls the inbox until {@link #isClosed()}, and an interrupt
 * from {@link #stop()} wakes it. What happens to requests left behind is the engine's too.
 *
 * @param <R> the engine's request type
 */
public final class EngineLoop<R> {

    private static final Logger LOG = LoggerFactory.getLogger(EngineLoop.class);
    private static final long JOIN_MILLIS = TimeUnit.MINUTES.toMillis(1);

    private final String description;
    private final LinkedBlockingQueue<R> inbox = new LinkedBlockingQueue<>();
    private final Object lifecycle = new Object();
    private final Thread thread;
    private volatile boolean closed;

    /**
     * A loop not yet started.
     *
     * @param threadName the owning thread's name, e.g. {@code textintel-engine-<model>}
     * @param description what the engine is in messages, e.g. {@code engine for model <model>}
     * @param body the engine's loop, run once on the owning thread by {@link #start()}
     */
    public EngineLoop(String threadName, String description, Runnable body) {
        this.description = Objects.requireNonNull(description, "description");
        this.thread = new Thread(Objects.requireNonNull(body, "body"), Objects.requireNonNull(threadName, "threadName"));
        this.thread.setDaemon(true);
    }

    /** Starts the owning thread. */
    public void start() {
        thread.start();
    }

    /** Whether the engine is closed (or its loop ended): no request is queued any more. */
    public boolean isClosed() {
        return closed;
    }

    /**
     * Queues the request {@code admit} makes, unless the engine is closed: then {@code future} fails
     * with an {@link IllegalStateException}. {@code admit} runs under the lifecycle lock, so no
     * request is queued after {@link #stop()} or {@link #markClosed()}; it returns null to queue
     * nothing (having completed {@code future} itself, e.g. with OVERLOADED).
     */
    public void submit(CompletableFuture<?> future, Supplier<R> admit) {
        synchronized (lifecycle) {
            if (closed) {
                future.completeExceptionally(new IllegalStateException(
                        description + " is closed, expected calls before close()"));
                return;
            }
            R request = admit.get();
            if (request != null) {
                inbox.add(request);
            }
        }
    }

    /** The next request, waiting up to {@code timeout}; null if none came. Owning thread only. */
    public R poll(long timeout, TimeUnit unit) throws InterruptedException {
        return inbox.poll(timeout, unit);
    }

    /** The next request, or null if none is queued. */
    public R poll() {
        return inbox.poll();
    }

    /** Moves every queued request into {@code target}. */
    public void drainTo(Collection<? super R> target) {
        inbox.drainTo(target);
    }

    /** Marks the engine closed from the owning thread when its loop ends, so that no request is queued after. */
    public void markClosed() {
        synchronized (lifecycle) {
            closed = true;
        }
    }

    /**
     * Marks the engine closed, interrupts the owning thread and waits up to a minute for it to end.
     *
     * @return false if the engine was closed already (nothing done), true otherwise
     */
    public boolean stop() {
        synchronized (lifecycle) {
            if (closed) {
                return false;
            }
            closed = true;
        }
        thread.interrupt();
        try {
            thread.join(JOIN_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            LOG.warn("Scheduler thread of {} did not stop within a minute", description);
        }
        return true;
    }
}
