package io.textintel.operators.inference;

import io.textintel.schemas.EnrichedDocument;
import io.textintel.schemas.TextRecord;
import io.textintel.schemas.TopicTag;

import org.apache.flink.metrics.MetricGroup;

import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One model task applied to bare texts, outside the pipeline's documents: a text is tokenized as
 * the tokenize operator does it and run as the inference operator does it, on the engines this JVM
 * shares ({@link SharedModels}), so that every caller's requests are batched together.
 *
 * <p>The result is what the task writes on a pipeline document (embedding, topics highest score
 * first, summary), so a text gets the same prediction here as in the pipeline. Thread-safe:
 * {@link #predict} may be called from any thread. {@link #close()} gives the engines back.
 */
public final class TaskPredictor implements AutoCloseable {

    /** The id of the document a text is wrapped in; it appears in no result. */
    private static final String TEXT_ID = "text";

    private final ModelTask task;
    private final TaskResources resources;
    private final TaskTokenizer tokenizer;
    private final TaskRunner<?> runner;

    private TaskPredictor(ModelTask task, TaskResources resources, TaskTokenizer tokenizer, TaskRunner<?> runner) {
        this.task = task;
        this.resources = resources;
        this.tokenizer = tokenizer;
        this.runner = runner;
    }

    /**
     * Opens {@code task}: resolves its model through {@code repository}, leases its tokenizer and
     * engine, and builds what the task builds when it opens (zero-shot centroids, the few-shot head).
     *
     * @throws IllegalArgumentException when the model cannot do the task
     */
    public static TaskPredictor open(ModelTask task, ModelRepository repository, EngineSettings engineSettings)
            throws IOException {
        TaskResources resources = TaskResources.forInference(repository, engineSettings);
        try {
            TaskTokenizer tokenizer = resources.openTokenizer(task);
            TaskRunner<?> runner = resources.openRunner(task);
            return new TaskPredictor(task, resources, tokenizer, runner);
        } catch (IOException | RuntimeException e) {
            resources.close();
            throw e;
        }
    }

    /** The task this predictor runs. */
    public ModelTask task() {
        return task;
    }

    /**
     * Starts the prediction of {@code text}. The future fails as the engine's requests do (an
     * {@code EngineException} of a kind); cancelling it cancels the requests still waiting.
     *
     * @throws IllegalArgumentException when the text cannot be tokenized for the task (it has no tokens)
     */
    public CompletableFuture<Prediction> predict(String text) {
        TextRecord record = TextRecord.newBuilder().setId(TEXT_ID).setText(text).build();
        TaskInput input = tokenizer.tokenize(record);
        return start(runner, record, input);
    }

    private static <R> CompletableFuture<Prediction> start(TaskRunner<R> runner, TextRecord record, TaskInput input) {
        CompletableFuture<R> result = runner.run(record, input);
        CompletableFuture<Prediction> prediction = result.thenApply(value -> {
            DocumentAssembler document =
                    new DocumentAssembler(new TokenizedDocument(record, null, new TaskInput[] {input}));
            runner.write(value, input, document);
            return Prediction.of(document.build(Instant.EPOCH));
        });
        // Cancelling the caller's future reaches the engine's request, which the engine then drops.
        prediction.whenComplete((ignored, error) -> {
            if (prediction.isCancelled()) {
                result.cancel(false);
            }
        });
        return prediction;
    }

    /**
     * Registers the figures of the engines this predictor leases in {@code group}, as the inference
     * operator registers its own ({@link EngineMetricGroups}: {@code textintel.model.<model>.engine.<engine>}).
     * Close the result before this predictor.
     */
    public EngineMetricGroups registerEngineMetrics(MetricGroup group) {
        return EngineMetricGroups.register(group, resources);
    }

    @Override
    public void close() {
        resources.close();
    }

    /**
     * What a task predicted for a text; the fields its kind does not write are null (or empty).
     *
     * @param embedding the pooled, L2-normalised embedding ({@code embed}) // [hidden]
     * @param topics the kept labels, highest score first ({@code tag})
     * @param summary the summary's text ({@code summarize})
     * @param inputTokens the tokens the model saw
     * @param truncated whether the text was cut to the task's {@code max-length}
     */
    public record Prediction(float[] embedding, List<TopicTag> topics, String summary, int inputTokens,
            boolean truncated) {

        static Prediction of(EnrichedDocument document) {
            float[] embedding = null;
            if (document.getEmbedding() != null) {
                List<Float> values = document.getEmbedding();
                embedding = new float[values.size()];
                for (int i = 0; i < embedding.length; i++) {
                    embedding[i] = values.get(i);
                }
            }
            String summary = document.getSummary() == null ? null : document.getSummary().getText();
            int inputTokens = document.getModels().isEmpty() ? 0 : document.getModels().get(0).getInputTokens();
            boolean truncated = !document.getModels().isEmpty() && document.getModels().get(0).getTruncated();
            return new Prediction(embedding, List.copyOf(document.getTopics()), summary, inputTokens, truncated);
        }
    }
}
