package io.textintel.serving.engine;

import io.textintel.serving.backend.Backend;
import io.textintel.serving.batch.BatchScheduler;
import io.textintel.serving.batch.InferenceRequest;
import io.textintel.serving.batch.InferenceRequest.Task;
import io.textintel.serving.batch.ScheduledBatch;
import io.textintel.serving.config.EncoderConfig;
import io.textintel.serving.config.EngineConfig;
import io.textintel.serving.model.EncoderModel;
import io.textintel.serving.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine for one encoder model: callers on any thread submit token ids and get
 * futures; one scheduler thread batches all callers' requests and runs one forward pass per batch.
 *
 * <p>Requests are checked when submitted; an invalid one fails its future at once with
 * {@link EngineException.Kind#INPUT}, and one that finds {@code maxQueuedRequests} already waiting
 * fails with {@link EngineException.Kind#OVERLOADED}. A future the caller cancels before its batch
 * runs is dropped. {@link #close()} fails every request still waiting with an
 * {@link IllegalStateException}, stops the thread and releases the backend.
 */
public final class EncoderEngine implements ModelEngine {

    /** The {@link #kind()} of every encoder engine. */
    public static final String KIND = "encoder";

    private static final Logger LOG = LoggerFactory.getLogger(EncoderEngine.class);
    private static final long IDLE_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final EncoderModel model;
    private final Backend backend;
    private final EngineConfig config;
    private final ModelInfo info;
    private final BatchScheduler scheduler; // owned by the scheduler thread
    private final EngineLoop<InferenceRequest> loop;

    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong invalid = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong sequences = new AtomicLong();
    private final AtomicLong tokens = new AtomicLong();
    private final AtomicLong paddingTokens = new AtomicLong();
    private final AtomicLong forwardNanos = new AtomicLong();
    private final ForwardPassListeners listeners;

    EncoderEngine(EncoderModel model, Backend backend, EngineConfig config) {
        this.model = Objects.requireNonNull(model, "model");
        this.backend = Objects.requireNonNull(backend, "backend");
        this.config = Objects.requireNonNull(config, "config");
        EncoderConfig modelConfig = model.config();
        this.listeners = new ForwardPassListeners(model.name());
        this.info = new ModelInfo(model.name(),
                modelConfig.architectures().isEmpty() ? modelConfig.modelType() : modelConfig.architectures().get(0),
                modelConfig.hiddenSize(), modelConfig.maxSequenceLength(), model.embeddingDimension(), model.labels());
        this.scheduler = new BatchScheduler(config.maxBatchSize(), config.maxBatchTokens(), config.maxBatchDelay(),
                backend.batchLayout(), modelConfig.padTokenId());
        this.loop = new EngineLoop<>("textintel-engine-" + model.name(), "engine for model " + model.name(),
                this::runLoop);
        this.loop.start();
        LOG.info("Engine for {} ({}) on backend {}: batches of up to {} sequences / {} tokens, delay {}, queue {}",
                info.name(), info.architecture(), backend.name(), config.maxBatchSize(), config.maxBatchTokens(),
                config.maxBatchDelay(), config.maxQueuedRequests());
    }

    /**
     * Loads the model in {@code modelDir} onto the backend {@code config} selects and starts the
     * scheduler thread.
     *
     * @throws EngineException of kind {@link EngineException.Kind#LOAD} saying what could not be loaded
     */
    public static EncoderEngine open(Path modelDir, EngineConfig config) {
        Objects.requireNonNull(modelDir, "modelDir");
        Objects.requireNonNull(config, "config");
        Backend backend = BackendFactory.create(config);
        try {
            return new EncoderEngine(EncoderModel.load(modelDir, backend), backend, config);
        } catch (Exception e) {
            backend.close();
            throw new EngineException(EngineException.Kind.LOAD,
                    "could not load the model in " + modelDir + ": " + e.getMessage(), e);
        }
    }

    /** What the model is and can compute. */
    public ModelInfo model() {
        return info;
    }

    /** The pooled, L2-normalised embedding of one tokenized sequence (special tokens included). */
    public CompletableFuture<float[]> embed(int[] tokenIds) {
        return submit(Task.EMBED, tokenIds);
    }

    /** Class probabilities (softmax; sigmoids for multi-label models), index = label id. */
    public CompletableFuture<float[]> classify(int[] tokenIds) {
        return submit(Task.CLASSIFY, tokenIds);
    }

    /** A snapshot of the counters. */
    public EngineMetrics metrics() {
        long batchCount = batches.get();
        return new EngineMetrics(requests.get(), rejected.get(), invalid.get(), scheduler.dropped(), failed.get(),
                batchCount, tokens.get(), paddingTokens.get(), queued.get(),
                batchCount == 0 ? 0.0 : (double) sequences.get() / batchCount, forwardNanos.get());
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public int queueDepth() {
        return queued.get();
    }

    @Override
    public long tokens() {
        return tokens.get();
    }

    /** {@code paddingShare}: {@link EngineMetrics#paddingShare()}. */
    @Override
    public Map<String, Supplier<Number>> gauges() {
        return Map.of("paddingShare", () -> metrics().paddingShare());
    }

    /** Tells {@code listener} of every forward pass from now on, on the scheduler thread. */
    @Override
    public void addListener(ForwardPassListener listener) {
        listeners.add(listener);
    }

    /** Stops telling {@code listener} of forward passes. */
    @Override
    public void removeListener(ForwardPassListener listener) {
        listeners.remove(listener);
    }

    private CompletableFuture<float[]> submit(Task task, int[] tokenIds) {
        CompletableFuture<float[]> future = new CompletableFuture<>();
        String problem = validate(task, tokenIds);
        if (problem != null) {
            invalid.incrementAndGet();
            future.completeExceptionally(new EngineException(EngineException.Kind.INPUT, problem));
            return future;
        }
        loop.submit(future, () -> {
            if (queued.get() >= config.maxQueuedRequests()) {
                rejected.incrementAndGet();
                future.completeExceptionally(new EngineException(EngineException.Kind.OVERLOADED,
                        "engine for model " + info.name() + " has " + queued.get() + " requests queued, the limit"
                                + " maxQueuedRequests is " + config.maxQueuedRequests()));
                return null;
            }
            queued.incrementAndGet();
            requests.incrementAndGet();
            return new InferenceRequest(task, tokenIds.clone(), future, System.nanoTime());
        });
        return future;
    }

    private String validate(Task task, int[] ids) {
        if (task == Task.EMBED && !info.embedder()) {
            return "model " + info.name() + " (" + info.architecture() + ") is not an embedder, expected classify";
        }
        if (task == Task.CLASSIFY && !info.classifier()) {
            return "model " + info.name() + " (" + info.architecture() + ") has no classification head, expected embed";
        }
        if (ids == null || ids.length == 0) {
            return "token ids are " + (ids == null ? "null" : "empty") + ", expected at least one id";
        }
        if (ids.length > info.maxSequenceLength()) {
            return "sequence of " + ids.length + " tokens, expected at most " + info.maxSequenceLength()
                    + " for model " + info.name();
        }
        int vocabulary = model.config().vocabSize();
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocabulary) {
                return "token id " + ids[i] + " at position " + i + " is outside the vocabulary of model "
                        + info.name() + ", expected 0 <= id < " + vocabulary;
            }
        }
        return null;
    }

    private void runLoop() {
        try {
            while (!loop.isClosed()) {
                long wait = scheduler.nanosUntilDue(System.nanoTime());
                if (wait > 0) {
                    InferenceRequest arrived = loop.poll(Math.min(wait, IDLE_POLL_NANOS), TimeUnit.NANOSECONDS);
                    if (arrived != null) {
                        scheduler.add(arrived);
                        drainInbox();
                    }
                    continue;
                }
                drainInbox();
                long droppedBefore = scheduler.dropped();
                ScheduledBatch batch = scheduler.schedule();
                queued.addAndGet(-(int) (scheduler.dropped() - droppedBefore)
                        - (batch == null ? 0 : batch.requests().size()));
                if (batch != null) {
                    run(batch);
                }
            }
        } catch (InterruptedException e) {
            if (!loop.isClosed()) {
                LOG.error("Scheduler thread of engine {} was interrupted while the engine is open", info.name(), e);
            }
        } catch (RuntimeException | Error e) {
            LOG.error("Scheduler thread of engine {} stopped on an unexpected failure. This is a bug.", info.name(), e);
            throw e;
        } finally {
            failWaiting(scheduler.drain());
        }
    }

    private void drainInbox() {
        InferenceRequest request;
        while ((request = loop.poll()) != null) {
            scheduler.add(request);
        }
    }

    private void run(ScheduledBatch batch) {
        List<InferenceRequest> batchRequests = batch.requests();
        long start = System.nanoTime();
        EncoderModel.Output output;
        try {
            output = model.run(batch.tokens(), batch.contains(Task.EMBED), batch.contains(Task.CLASSIFY));
        } catch (RuntimeException e) {
            LOG.warn("Forward pass of {} failed on backend {}", batch.tokens(), backend.name(), e);
            EngineException failure = new EngineException(EngineException.Kind.BACKEND, "forward pass of "
                    + batch.tokens() + " failed on backend " + backend.name() + ": " + e.getMessage(), e);
            failed.addAndGet(batchRequests.size());
            for (InferenceRequest request : batchRequests) {
                request.future().completeExceptionally(failure);
            }
            return;
        } finally {
            forwardNanos.addAndGet(System.nanoTime() - start);
        }
        long nanos = System.nanoTime() - start; // the pass and its bookkeeping, within a few microseconds
        int realTokens = batch.tokens().spans().realTokens();
        batches.incrementAndGet();
        sequences.addAndGet(batchRequests.size());
        tokens.addAndGet(realTokens);
        paddingTokens.addAndGet(batch.tokens().paddingRows());
        listeners.passed(batchRequests.size(), realTokens, nanos);
        for (int i = 0; i < batchRequests.size(); i++) {
            InferenceRequest request = batchRequests.get(i);
            Tensor result = request.task() == Task.EMBED ? output.embeddings() : output.scores();
            request.future().complete(result.row(i));
        }
    }

    private void failWaiting(List<InferenceRequest> waiting) {
        for (InferenceRequest request : waiting) {
            queued.decrementAndGet();
            if (request.future().completeExceptionally(new IllegalStateException("engine for model " + info.name()
                    + " was closed before the request ran"))) {
                failed.incrementAndGet();
            }
        }
    }

    /** Fails waiting requests, stops the scheduler thread (after the running batch) and closes the backend. */
    @Override
    public void close() {
        if (!loop.stop()) {
            return;
        }
        List<InferenceRequest> left = new ArrayList<>();
        loop.drainTo(left);
        failWaiting(left);
        backend.close();
        LOG.info("Engine for {} closed: {}", info.name(), metrics());
    }
}
