package io.textintel.operators.inference;

import io.textintel.operators.DeadLetterCounters;
import io.textintel.operators.DeadLetters;
import io.textintel.schemas.DeadLetter;
import io.textintel.schemas.DeadLetterReason;
import io.textintel.schemas.TextRecord;
import io.textintel.serving.engine.EncoderEngine;
import io.textintel.serving.engine.EngineException;
import io.textintel.serving.task.DecoderTasks;

import org.apache.flink.api.common.externalresource.ExternalResourceInfo;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;

import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Runs every model task of a document on the JVM's shared inference engines, asynchronously, and
 * assembles the enriched document. Encoder tasks run on {@link EncoderEngine}s, decoder tasks
 * (summarize, generative tag) on {@link DecoderTasks}s; both are shared per JVM and model. What
 * each task computes and writes is its kind's {@link TaskType}.
 *
 * <p>Used through Flink's async I/O ({@code AsyncDataStream}), so many documents are in flight at
 * once and the engine batches them across all subtasks of the JVM. Input the model cannot take
 * becomes a dead letter; an overloaded or failing engine fails the request so that the async
 * operator's retry strategy (see {@link #isRetryable}) tries again; a document still unfinished at the
 * timeout becomes a dead letter naming the timeout.
 *
 * <p>Metrics: on open it registers its engines' figures (queue depth, batch size, padding share,
 * tokens/s, forward latency, KV-cache occupancy, speculation acceptance) under
 * {@code textintel.model.<model>.engine.<engine>} (see {@link EngineMetricGroups}) and the dead
 * letters it produces under {@code textintel.stage.inference.reason.<reason>.deadLetters}; the
 * README's "Metrics" section lists them.
 */
public class InferenceFunction extends RichAsyncFunction<TokenizedDocument, InferenceOutcome> {

    private final List<ModelTask> tasks;
    private final ModelRepository repository;
    private final EngineSettings engineSettings;
    private final long timeoutMillis;

    private transient TaskResources resources;
    /** Per task, in task order: what runs it and writes its fields. */
    private transient List<TaskRunner<?>> runners;
    private transient Counter enriched;
    private transient Counter rejected;
    private transient DeadLetterCounters deadLetters;
    private transient EngineMetricGroups engineMetrics;
    private transient Clock clock;
    /** Engine requests of the documents in flight, by document identity, so that a timeout can cancel them. */
    private transient Map<TokenizedDocument, List<CompletableFuture<?>>> inFlight;

    public InferenceFunction(
            List<ModelTask> tasks, ModelRepository repository, EngineSettings engineSettings, long timeoutMillis) {
        if (tasks.isEmpty()) {
            throw new IllegalArgumentException("tasks must not be empty: the pipeline needs at least one model task");
        }
        this.tasks = List.copyOf(tasks);
        this.repository = repository;
        this.engineSettings = engineSettings;
        this.timeoutMillis = timeoutMillis;
    }

    @Override
    public void open(OpenContext openContext) throws IOException {
        resources = TaskResources.forInference(repository, onAssignedGpu());
        runners = new ArrayList<>(tasks.size());
        for (ModelTask task : tasks) {
            runners.add(resources.openRunner(task));
        }
        enriched = getRuntimeContext().getMetricGroup().counter("documentsEnriched");
        rejected = getRuntimeContext().getMetricGroup().counter("inferenceDeadLetters");
        deadLetters = new DeadLetterCounters(getRuntimeContext().getMetricGroup(), DeadLetterReason.INPUT_REJECTED,
                DeadLetterReason.TIMEOUT);
        engineMetrics = EngineMetricGroups.register(getRuntimeContext().getMetricGroup(), resources);
        clock = Clock.systemUTC();
        inFlight = Collections.synchronizedMap(new IdentityHashMap<>());
    }

    /** The engine settings on the GPU Flink's {@code gpu} external resource assigned this TaskManager, if any. */
    private EngineSettings onAssignedGpu() {
        List<String> indices = new ArrayList<>();
        for (ExternalResourceInfo gpu : getRuntimeContext().getExternalResourceInfos("gpu")) {
            gpu.getProperty("index").ifPresent(indices::add);
        }
        return engineSettings.withAssignedGpu(indices);
    }

    @Override
    public void asyncInvoke(TokenizedDocument doc, ResultFuture<InferenceOutcome> result) {
        List<TaskCall<?>> calls = new ArrayList<>(tasks.size());
        try {
            if (doc.inputs.length != tasks.size()) {
                throw new IllegalArgumentException("document " + doc.record.getId() + " has " + doc.inputs.length
                        + " task inputs for " + tasks.size() + " tasks");
            }
            for (int i = 0; i < tasks.size(); i++) {
                if (!tasks.get(i).name().equals(doc.inputs[i].task)) {
                    throw new IllegalArgumentException("document " + doc.record.getId() + " has input " + i
                            + " for task '" + doc.inputs[i].task + "', expected task '" + tasks.get(i).name() + "'");
                }
                calls.add(TaskCall.start(runners.get(i), doc.record, doc.inputs[i]));
            }
        } catch (RuntimeException e) {
            calls.forEach(call -> call.future.cancel(false));
            result.completeExceptionally(e);
            return;
        }
        List<CompletableFuture<?>> futures = calls.stream().<CompletableFuture<?>>map(call -> call.future).toList();
        inFlight.put(doc, futures);
        CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).whenComplete((ignored, error) -> {
            inFlight.remove(doc);
            if (error == null) {
                // Assembly runs on the task thread, where a failure fails the job visibly instead of being lost here.
                result.complete(() -> {
                    DocumentAssembler document = new DocumentAssembler(doc);
                    calls.forEach(call -> call.writeTo(document));
                    enriched.inc();
                    return List.of(InferenceOutcome.enriched(document.build(clock.instant())));
                });
                return;
            }
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            if (cause instanceof CancellationException) {
                return; // cancelled by timeout(), which has already completed the document
            }
            if (cause instanceof EngineException e && e.kind() == EngineException.Kind.INPUT) {
                result.complete(() -> {
                    rejected.inc();
                    deadLetters.count(DeadLetterReason.INPUT_REJECTED);
                    return List.of(InferenceOutcome.rejected(deadLetter(doc, DeadLetterReason.INPUT_REJECTED, "model rejected the input: " + e.getMessage())));
                });
            } else {
                result.completeExceptionally(cause);
            }
        });
    }

    @Override
    public void timeout(TokenizedDocument doc, ResultFuture<InferenceOutcome> result) {
        rejected.inc();
        deadLetters.count(DeadLetterReason.TIMEOUT);
        String summaryCap = tasks.stream().filter(task -> task.kind() == TaskKind.SUMMARIZE).findFirst()
                .map(task -> " (its summary reads at most the first " + task.generative().maxSummaryInputTokens()
                        + " tokens, max-summary-input-tokens)")
                .orElse("");
        result.complete(List.of(InferenceOutcome.rejected(deadLetter(doc, DeadLetterReason.TIMEOUT, String.format(
                "inference did not finish within %d ms (inference.timeout) for a text of %d characters: the engine"
                        + " was busy with other documents, or this one needs more work than the timeout allows%s",
                timeoutMillis, doc.record.getText().length(), summaryCap)))));
        // The engine drops cancelled requests that have not run yet, so a timed-out document stops costing work.
        // Cancelling after completing: the cancellation reaches the callback, which ignores it.
        List<CompletableFuture<?>> pending = inFlight.remove(doc);
        if (pending != null) {
            pending.forEach(future -> future.cancel(false));
        }
    }

    /** Whether a failed request may succeed when tried again: the engine was overloaded or its backend failed. */
    public static boolean isRetryable(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        return cause instanceof EngineException e
                && (e.kind() == EngineException.Kind.OVERLOADED || e.kind() == EngineException.Kind.BACKEND);
    }

    private DeadLetter deadLetter(TokenizedDocument doc, DeadLetterReason code, String reason) {
        return DeadLetters.of(DeadLetters.bytesOf(doc.record), code, reason, doc.record.getId(), doc.provenance, clock);
    }

    @Override
    public void close() {
        if (engineMetrics != null) {
            engineMetrics.close();
            engineMetrics = null;
        }
        if (resources != null) {
            resources.close();
            resources = null;
        }
    }

    /** One task's computation for one document, typed from its start to the fields it writes. */
    private static final class TaskCall<R> {
        private final TaskRunner<R> runner;
        private final TaskInput input;
        private final CompletableFuture<R> future;

        private TaskCall(TaskRunner<R> runner, TaskInput input, CompletableFuture<R> future) {
            this.runner = runner;
            this.input = input;
            this.future = future;
        }

        static <R> TaskCall<R> start(TaskRunner<R> runner, TextRecord record, TaskInput input) {
            return new TaskCall<>(runner, input, runner.run(record, input));
        }

        void writeTo(DocumentAssembler document) {
            runner.write(future.join(), input, document);
        }
    }
}
