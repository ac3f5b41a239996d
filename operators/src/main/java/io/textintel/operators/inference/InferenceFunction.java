package io.textintel.operators.inference;

import io.textintel.operators.DeadLetters;
import io.textintel.operators.tokenize.TokenizedDocument;
import io.textintel.schemas.PipelineStage;
import io.textintel.serving.engine.EngineException;
import io.textintel.serving.engine.InferenceEngine;
import io.textintel.serving.engine.ModelInfo;
import io.textintel.serving.text.DecoderEngine;
import io.textintel.serving.text.GenerativeTagger;
import io.textintel.serving.text.SpeculationKind;
import io.textintel.serving.text.Summarizer;
import io.textintel.serving.text.SummaryOptions;

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
import java.util.function.Function;

/**
 * Runs every model task of a document on the JVM's shared inference engines, asynchronously, and
 * assembles the enriched document. Encoder tasks (embed, tag) run on {@link InferenceEngine}s,
 * decoder tasks (summarize, generative tag) on {@link DecoderEngine}s; both are shared per JVM and model.
 *
 * <p>Used through Flink's async I/O ({@code AsyncDataStream}), so many documents are in flight at
 * once and the engine batches them across all subtasks of the JVM. Input the model cannot take
 * becomes a dead letter; an overloaded or failing engine fails the request so that the async
 * operator's retry strategy (see {@link #isRetryable}) tries again; a document still unfinished at the
 * timeout becomes a dead letter naming the timeout.
 */
public class InferenceFunction extends RichAsyncFunction<TokenizedDocument, InferenceOutcome> {

    private final List<ModelTask> tasks;
    private final ModelRepository repository;
    private final EngineSettings engineSettings;
    private final long timeoutMillis;

    private transient List<SharedResources.Lease<?>> leases;
    /** Per task: starts its computation for a document; the result type is the one DocumentAssembler expects. */
    private transient List<Function<TokenizedDocument, CompletableFuture<?>>> runs;
    private transient List<LoadedModel> models;
    private transient Counter enriched;
    private transient Counter rejected;
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
        leases = new ArrayList<>(tasks.size());
        runs = new ArrayList<>(tasks.size());
        models = new ArrayList<>(tasks.size());
        for (int i = 0; i < tasks.size(); i++) {
            ModelTask task = tasks.get(i);
            ModelRepository.ResolvedModel resolved = repository.resolve(task);
            if (task.kind().isGenerative()) {
                openDecoderTask(task, resolved);
                continue;
            }
            SharedResources.Lease<InferenceEngine> lease = SharedModels.engine(resolved.directory(), onAssignedGpu());
            leases.add(lease);
            InferenceEngine engine = lease.get();
            ModelInfo info = engine.model();
            checkModelFitsTask(task, info);
            models.add(new LoadedModel(resolved.revision(), info.labels()));
            int index = i;
            runs.add(task.kind() == TaskKind.EMBED
                    ? doc -> engine.embed(doc.inputs[index].tokenIds)
                    : doc -> engine.classify(doc.inputs[index].tokenIds));
        }
        enriched = getRuntimeContext().getMetricGroup().counter("documentsEnriched");
        rejected = getRuntimeContext().getMetricGroup().counter("inferenceDeadLetters");
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

    private void openDecoderTask(ModelTask task, ModelRepository.ResolvedModel resolved) throws IOException {
        GenerativeSettings settings = task.generative();
        SpeculationKind speculation = settings.speculationKind();
        String draftDir = speculation == SpeculationKind.DRAFT_MODEL
                ? repository.resolve(task.name(), settings.draftModel(), "main").directory().toString()
                : null;
        SharedResources.Lease<DecoderEngine> lease = SharedModels.decoder(resolved.directory(),
                engineSettings.toDecoderConfig(speculation, draftDir));
        leases.add(lease);
        DecoderEngine decoder = lease.get();
        if (task.kind() == TaskKind.SUMMARIZE) {
            Summarizer summarizer = new Summarizer(decoder, settings.summaryOptions());
            runs.add(doc -> summarizer.summarize(doc.record.getText()));
            models.add(new LoadedModel(resolved.revision(), List.of()));
        } else {
            GenerativeTagger tagger = new GenerativeTagger(decoder, settings.taggingOptions());
            runs.add(doc -> tagger.tag(doc.record.getText()));
            models.add(new LoadedModel(resolved.revision(), settings.labels()));
        }
    }

    static void checkModelFitsTask(ModelTask task, ModelInfo info) {
        if (task.kind() == TaskKind.EMBED && info.embeddingDimension() <= 0) {
            throw new IllegalArgumentException("task '" + task.name() + "' embeds, but model " + task.modelId()
                    + " (" + info.architecture() + ") has no embedding output");
        }
        if (task.kind() == TaskKind.TAG && info.labels().isEmpty()) {
            throw new IllegalArgumentException("task '" + task.name() + "' tags, but model " + task.modelId()
                    + " (" + info.architecture() + ") has no classification head with labels (id2label)");
        }
    }

    @Override
    public void asyncInvoke(TokenizedDocument doc, ResultFuture<InferenceOutcome> result) {
        List<CompletableFuture<?>> outputs = new ArrayList<>(tasks.size());
        for (Function<TokenizedDocument, CompletableFuture<?>> run : runs) {
            outputs.add(run.apply(doc));
        }
        inFlight.put(doc, outputs);
        CompletableFuture.allOf(outputs.toArray(CompletableFuture[]::new)).whenComplete((ignored, error) -> {
            inFlight.remove(doc);
            if (error == null) {
                // Assembly runs on the task thread, where a failure fails the job visibly instead of being lost here.
                result.complete(() -> {
                    List<Object> values = outputs.stream().<Object>map(CompletableFuture::join).toList();
                    enriched.inc();
                    return List.of(InferenceOutcome.enriched(
                            DocumentAssembler.assemble(doc, tasks, models, values, clock.instant())));
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
                    return List.of(InferenceOutcome.rejected(deadLetter(doc, "model rejected the input: " + e.getMessage())));
                });
            } else {
                result.completeExceptionally(cause);
            }
        });
    }

    @Override
    public void timeout(TokenizedDocument doc, ResultFuture<InferenceOutcome> result) {
        rejected.inc();
        boolean summarizes = tasks.stream().anyMatch(task -> task.kind() == TaskKind.SUMMARIZE);
        result.complete(List.of(InferenceOutcome.rejected(deadLetter(doc, String.format(
                "inference did not finish within %d ms (inference.timeout) for a text of %d characters: the engine"
                        + " was busy with other documents, or this one needs more work than the timeout allows%s",
                timeoutMillis, doc.record.getText().length(), summarizes
                        ? " (its summary reads at most the first " + SummaryOptions.DEFAULT_MAX_INPUT_TOKENS + " tokens)"
                        : "")))));
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

    private io.textintel.schemas.DeadLetter deadLetter(TokenizedDocument doc, String reason) {
        return DeadLetters.of(DeadLetters.bytesOf(doc.record), PipelineStage.INFERENCE, reason, doc.record.getId(), doc.provenance, clock);
    }

    @Override
    public void close() {
        if (leases != null) {
            leases.forEach(SharedResources.Lease::close);
            leases = null;
        }
    }
}
