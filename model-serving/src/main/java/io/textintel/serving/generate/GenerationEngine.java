package io.textintel.serving.generate;

import io.textintel.serving.engine.EngineException;
import io.textintel.serving.engine.EngineLoop;
import io.textintel.serving.engine.ForwardPassListener;
import io.textintel.serving.engine.ForwardPassListeners;
import io.textintel.serving.kv.PagedKvCache;
import io.textintel.serving.model.CausalLm;
import io.textintel.serving.sampling.SamplingParams;
import io.textintel.serving.spec.DraftProposer;
import io.textintel.serving.spec.Speculation;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The generation engine for one decoder model: callers on any thread submit prompts and get
 * futures; one scheduler thread batches all callers' sequences continuously and runs one forward
 * pass per step (see {@link GenerationScheduler} for the loop and its choices). Besides generation
 * ({@link #generate}) it serves requests for logit rows after a prompt and continuations of it
 * ({@link #continuations}: label scoring, constrained answers) in the same passes.
 *
 * <p>Requests are checked when submitted; an invalid one (empty, too long for the model, ids
 * outside the vocabulary, a speculation other than the engine's or none) fails its future at once with
 * {@link EngineException.Kind#INPUT}; one that finds {@code maxRunningSequences + maxQueuedRequests}
 * requests unfinished fails with {@link EngineException.Kind#OVERLOADED}, which a caller may retry. A future the caller cancels leaves at the next step and its
 * KV blocks are freed. A forward pass that throws fails the requests in it with
 * {@link EngineException.Kind#BACKEND}; the others go on. {@link #close()} fails every request
 * left with an {@link IllegalStateException}, stops the thread and releases the KV cache; the
 * model belongs to the caller.
 */
public final class GenerationEngine implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(GenerationEngine.class);
    private static final long IDLE_POLL_MILLIS = 100;

    private final CausalLm model;
    private final String name;
    private final Speculation defaultSpeculation;
    private final PagedKvCache cache; // owned by the scheduler thread
    private final GenerationScheduler scheduler; // owned by the scheduler thread
    private final ForwardPassListeners listeners;
    private final EngineLoop<SchedulerRequest> loop;
    private final int maxUnfinished; // maxRunningSequences + maxQueuedRequests
    private final AtomicInteger unfinished = new AtomicInteger(); // accepted, future not yet completed

    /** An engine without speculative decoding. */
    public GenerationEngine(String name, CausalLm model, GenerationConfig config) {
        this(name, model, config, null);
    }

    /**
     * @param proposer draft proposer for speculative decoding; with one, requests speculate unless
     *     they ask for {@link Speculation#NONE}; null for none
     */
    public GenerationEngine(String name, CausalLm model, GenerationConfig config, DraftProposer proposer) {
        this.name = Objects.requireNonNull(name, "name");
        this.model = Objects.requireNonNull(model, "model");
        Objects.requireNonNull(config, "config");
        this.listeners = new ForwardPassListeners(name);
        this.defaultSpeculation = proposer == null ? Speculation.NONE : proposer.speculation();
        this.maxUnfinished = config.maxRunningSequences() + config.maxQueuedRequests();
        this.cache = new PagedKvCache(model.kvLayout(), config.kvBlockSize(), config.kvBlocks());
        try {
            this.scheduler = new GenerationScheduler(model, cache, config, proposer);
        } catch (RuntimeException e) {
            cache.close();
            throw e;
        }
        this.loop = new EngineLoop<>("textintel-generate-" + name, "generation engine for model " + name,
                this::runLoop);
        this.loop.start();
        LOG.info("Generation engine for {}: up to {} running sequences, {} tokens per step, KV cache of {} blocks"
                + " of {} positions, speculation {} (γ {} {}{})", name, config.maxRunningSequences(),
                config.maxBatchTokens(), config.kvBlocks(), config.kvBlockSize(), defaultSpeculation.configName(),
                config.adaptiveSpeculation() == null ? "=" : "<=", config.maxDraftTokens(),
                config.adaptiveSpeculation() == null ? "" : ", adaptive: " + config.adaptiveSpeculation());
    }

    /** Generates a continuation of {@code promptIds}, speculating when the engine has a proposer. */
    public CompletableFuture<GenerationResult> generate(int[] promptIds, SamplingParams params) {
        return generate(promptIds, params, defaultSpeculation);
    }

    /**
     * Generates a continuation of {@code promptIds} with the given speculation: the engine's
     * ({@link #speculation()}) or {@link Speculation#NONE}.
     */
    public CompletableFuture<GenerationResult> generate(int[] promptIds, SamplingParams params,
            Speculation speculation) {
        Objects.requireNonNull(params, "params");
        Objects.requireNonNull(speculation, "speculation");
        CompletableFuture<GenerationResult> future = new CompletableFuture<>();
        String problem = scheduler.validate(promptIds, speculation); // reads only fixed settings
        if (problem != null) {
            future.completeExceptionally(new EngineException(EngineException.Kind.INPUT,
                    "generation request for model " + name + ": " + problem));
            return future;
        }
        loop.submit(future, () -> admit(future)
                ? new GenerationRequest(promptIds.clone(), params, speculation, future, System.nanoTime()) : null);
        return future;
    }

    /**
     * Runs {@code promptIds} and the continuations {@code driver} names in the generation loop,
     * batched with every other request, and completes with the driver's result (see
     * {@link ContinuationDriver} for the protocol). The driver is called on the scheduler thread
     * only. An invalid prompt fails the future at once with {@link EngineException.Kind#INPUT}; a
     * driver that throws fails it with its exception; cancelling it drops the request and frees
     * its KV blocks.
     */
    public <T> CompletableFuture<T> continuations(int[] promptIds, ContinuationDriver<T> driver) {
        Objects.requireNonNull(driver, "driver");
        CompletableFuture<T> future = new CompletableFuture<>();
        String problem = scheduler.validate(promptIds, Speculation.NONE); // reads only fixed settings
        if (problem != null) {
            future.completeExceptionally(new EngineException(EngineException.Kind.INPUT,
                    "continuation request for model " + name + ": " + problem));
            return future;
        }
        loop.submit(future, () -> admit(future)
                ? new ContinuationRequest<>(promptIds.clone(), driver, future, System.nanoTime()) : null);
        return future;
    }

    /**
     * Whether a request may join, counting it as unfinished until its future completes (also by the
     * caller's cancelling it); if not, fails {@code future} as overloaded. Runs under the loop's lock.
     */
    private boolean admit(CompletableFuture<?> future) {
        int now = unfinished.get();
        if (now >= maxUnfinished) {
            future.completeExceptionally(new EngineException(EngineException.Kind.OVERLOADED, "generation engine for"
                    + " model " + name + " has " + now + " requests unfinished, the limit maxRunningSequences +"
                    + " maxQueuedRequests is " + maxUnfinished));
            return false;
        }
        unfinished.incrementAndGet();
        future.whenComplete((result, error) -> unfinished.decrementAndGet());
        return true;
    }

    /** Where the engine's draft tokens come from: its proposer's kind, {@link Speculation#NONE} without one. */
    public Speculation speculation() {
        return defaultSpeculation;
    }

    /** The counters now; a finished request is counted before its future completes. */
    public GenerationMetrics metrics() {
        return scheduler.metrics();
    }

    /**
     * Tells {@code listener} of every forward pass of the generation loop from now on, on the scheduler
     * thread: sequences are the step's sequences, tokens its new positions (prompt pieces, last tokens,
     * drafts to verify and continuations' tokens).
     */
    public void addListener(ForwardPassListener listener) {
        listeners.add(listener);
    }

    /** Stops telling {@code listener} of forward passes. */
    public void removeListener(ForwardPassListener listener) {
        listeners.remove(listener);
    }

    private void runLoop() {
        Throwable crash = null;
        try {
            while (!loop.isClosed()) {
                if (!scheduler.hasWork()) {
                    SchedulerRequest arrived = loop.poll(IDLE_POLL_MILLIS, TimeUnit.MILLISECONDS);
                    if (arrived == null) {
                        continue;
                    }
                    add(arrived);
                }
                drainInbox();
                step();
            }
        } catch (InterruptedException e) {
            if (!loop.isClosed()) {
                LOG.error("Scheduler thread of generation engine {} was interrupted while it is open", name, e);
            }
        } catch (RuntimeException | Error e) {
            LOG.error("Scheduler thread of generation engine {} stopped on an unexpected failure. This is a bug.",
                    name, e);
            crash = e;
            throw e;
        } finally {
            loop.markClosed(); // no request is queued after this
            List<SchedulerRequest> left = new ArrayList<>();
            loop.drainTo(left);
            left.forEach(this::add);
            scheduler.failAll(crash == null
                    ? new IllegalStateException("generation engine for model " + name
                            + " was closed before the request finished")
                    : new IllegalStateException("generation engine for model " + name
                            + " stopped on an unexpected failure. This is a bug.", crash));
            cache.close();
        }
    }

    private void drainInbox() {
        SchedulerRequest request;
        while ((request = loop.poll()) != null) {
            add(request);
        }
    }

    private void add(SchedulerRequest request) {
        if (request instanceof GenerationRequest generation) {
            scheduler.add(generation);
        } else {
            scheduler.add((ContinuationRequest<?>) request);
        }
    }

    private void step() {
        ScheduledStep step = scheduler.schedule();
        if (step.isEmpty()) {
            return;
        }
        long start = System.nanoTime();
        float[][] logits;
        try {
            logits = model.forward(step.chunks(), cache);
        } catch (RuntimeException e) {
            LOG.warn("Forward pass of {} failed for model {}", step, name, e);
            scheduler.fail(step, new EngineException(EngineException.Kind.BACKEND,
                    "forward pass of " + step + " failed for model " + name + ": " + e.getMessage(), e));
            return;
        }
        long nanos = System.nanoTime() - start;
        listeners.passed(step.entries().size(), step.tokens(), nanos); // before update completes the step's futures
        scheduler.update(step, logits, nanos);
    }

    /** Fails the requests left, stops the scheduler thread (after the running step) and releases the KV cache. */
    @Override
    public void close() {
        if (!loop.stop()) {
            return;
        }
        LOG.info("Generation engine for {} closed: {}", name, scheduler.metrics());
    }
}
