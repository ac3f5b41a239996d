package io.textintel.operators.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.textintel.operators.TestModels;
import io.textintel.schemas.DeadLetter;
import io.textintel.schemas.EnrichedDocument;
import io.textintel.schemas.ModelRef;
import io.textintel.schemas.PipelineStage;
import io.textintel.schemas.TextRecord;
import io.textintel.schemas.TopicTag;
import io.textintel.serving.engine.EncoderEngine;
import io.textintel.serving.engine.EngineException;
import io.textintel.serving.tokenizer.TextTokenizer;

import org.apache.flink.api.common.functions.DefaultOpenContext;
import org.apache.flink.streaming.util.MockStreamingRuntimeContext;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

class InferenceFunctionTest {

    /** One compute thread and a 1 ms batch delay: fast on a shared 2-core machine. */
    private static final EngineSettings SETTINGS = new EngineSettings("cpu", 1, null, null, Duration.ofMillis(1), null);

    private static final long TIMEOUT_MILLIS = 1234;

    /**
     * Tolerance between the operator's results and the engine called directly: the same model and
     * input, but batched with other requests, which may change the summation order of the kernels.
     */
    private static final float TOLERANCE = 1e-5f;

    private static final List<String> TEXTS = List.of(
            "the parcel arrived late and the box was damaged",
            "I was charged twice for my subscription",
            "great app, the new search works really well");

    @TempDir
    static Path models;

    private static Path embedder;
    private static Path classifier;
    private static TextTokenizer tokenizer;
    private static EncoderEngine directEmbedder;
    private static EncoderEngine directClassifier;

    private final List<InferenceFunction> opened = new ArrayList<>();

    @BeforeAll
    static void generateModels() throws IOException {
        embedder = TestModels.embedder(models.resolve("embedder"));
        classifier = TestModels.classifier(models.resolve("classifier"));
        // Both checkpoints have the same WordPiece vocabulary, so one tokenizer serves both tasks.
        tokenizer = TextTokenizer.load(embedder, Integer.MAX_VALUE);
        directEmbedder = EncoderEngine.open(embedder, SETTINGS.toEngineConfig());
        directClassifier = EncoderEngine.open(classifier, SETTINGS.toEngineConfig());
    }

    @AfterAll
    static void closeEngines() {
        directEmbedder.close();
        directClassifier.close();
        tokenizer.close();
    }

    @AfterEach
    void closeFunctions() {
        opened.forEach(InferenceFunction::close);
    }

    private InferenceFunction open(EngineSettings settings, ModelTask... tasks) throws Exception {
        InferenceFunction function = new InferenceFunction(List.of(tasks), ModelRepository.defaults(), settings,
                TIMEOUT_MILLIS);
        opened.add(function);
        function.setRuntimeContext(new MockStreamingRuntimeContext(1, 0));
        function.open(DefaultOpenContext.INSTANCE);
        return function;
    }

    private InferenceFunction open(ModelTask... tasks) throws Exception {
        return open(SETTINGS, tasks);
    }

    private static ModelTask embedTask() {
        return ModelTask.embed("embed", embedder.toString(), null);
    }

    private static ModelTask tagTask(int topK, float minScore) {
        return ModelTask.tag("tag", classifier.toString(), null, topK, minScore);
    }

    /** A document of {@code text} with the same tokens for each of {@code tasks}. */
    private static TokenizedDocument doc(int n, String text, ModelTask... tasks) {
        int[] ids = tokenizer.encode(text).ids();
        TaskInput[] inputs = new TaskInput[tasks.length];
        for (int i = 0; i < tasks.length; i++) {
            inputs[i] = new TaskInput(tasks[i].name(), ids, false, ids.length, 0);
        }
        return new TokenizedDocument(TestModels.record("fb-" + n, text), TestModels.provenance(n), inputs);
    }

    private static InferenceOutcome invoke(InferenceFunction function, TokenizedDocument doc) throws Exception {
        CollectingResultFuture result = new CollectingResultFuture();
        function.asyncInvoke(doc, result);
        return result.single();
    }

    private static float norm(List<Float> vector) {
        double sum = 0;
        for (float v : vector) {
            sum += (double) v * v;
        }
        return (float) Math.sqrt(sum);
    }

    @Test
    void embeddingsHaveTheModelsDimensionUnitNormAndEqualTheEnginesOwn() throws Exception {
        InferenceFunction function = open(embedTask());
        // All documents in flight at once, as under Flink's async operator, so the engine batches them.
        List<CollectingResultFuture> results = new ArrayList<>();
        for (int i = 0; i < TEXTS.size(); i++) {
            CollectingResultFuture result = new CollectingResultFuture();
            function.asyncInvoke(doc(i, TEXTS.get(i), embedTask()), result);
            results.add(result);
        }

        for (int i = 0; i < TEXTS.size(); i++) {
            EnrichedDocument out = results.get(i).single().document;
            assertThat(out).as("document %d is enriched", i).isNotNull();
            assertThat(out.getId()).isEqualTo("fb-" + i);
            assertThat(out.getText()).isEqualTo(TEXTS.get(i));
            assertThat(out.getEmbedding()).hasSize(TestModels.HIDDEN);
            assertThat(norm(out.getEmbedding())).isCloseTo(1f, within(TOLERANCE));
            float[] expected = directEmbedder.embed(tokenizer.encode(TEXTS.get(i)).ids()).get(30, TimeUnit.SECONDS);
            for (int d = 0; d < expected.length; d++) {
                assertThat(out.getEmbedding().get(d)).as("dimension %d of document %d", d, i)
                        .isCloseTo(expected[d], within(TOLERANCE));
            }
            assertThat(out.getTopics()).isEmpty();
            ModelRef ref = out.getModels().get(0);
            assertThat(ref.getTask()).isEqualTo("embed");
            assertThat(ref.getModelId()).isEqualTo(embedder.toString());
            assertThat(ref.getRevision()).as("a local directory has no hub revision").isNull();
            assertThat(ref.getInputTokens()).isEqualTo(tokenizer.encode(TEXTS.get(i)).ids().length);
        }
    }

    @Test
    void tagsAreTheClassifiersLabelsRespectingTopKAndMinScore() throws Exception {
        String text = TEXTS.get(1);
        float[] p = directClassifier.classify(tokenizer.encode(text).ids()).get(30, TimeUnit.SECONDS);
        List<Integer> byScore = IntStream.range(0, p.length).boxed()
                .sorted(Comparator.comparing((Integer i) -> p[i]).reversed()).toList();
        assertThat(p[byScore.get(0)]).as("the test needs three distinct top scores")
                .isGreaterThan(p[byScore.get(1)]);
        assertThat(p[byScore.get(1)]).isGreaterThan(p[byScore.get(2)]);
        String best = TestModels.LABELS.get(byScore.get(0));
        String second = TestModels.LABELS.get(byScore.get(1));

        EnrichedDocument topOne = invoke(open(tagTask(1, 0f)), doc(1, text, tagTask(1, 0f))).document;
        assertThat(topOne.getTopics()).extracting(TopicTag::getLabel).containsExactly(best);
        assertThat(topOne.getTopics().get(0).getScore()).isCloseTo(p[byScore.get(0)], within(TOLERANCE));

        // Between the second and third score: all five labels may be kept, but only two reach it.
        float minScore = (p[byScore.get(1)] + p[byScore.get(2)]) / 2;
        ModelTask thresholded = tagTask(TestModels.LABELS.size(), minScore);
        EnrichedDocument aboveMin = invoke(open(thresholded), doc(1, text, thresholded)).document;
        assertThat(aboveMin.getTopics()).extracting(TopicTag::getLabel).containsExactly(best, second);

        ModelTask all = tagTask(TestModels.LABELS.size(), 0f);
        EnrichedDocument everything = invoke(open(all), doc(1, text, all)).document;
        assertThat(everything.getTopics()).extracting(TopicTag::getLabel)
                .containsExactlyInAnyOrderElementsOf(TestModels.LABELS);
        assertThat(everything.getTopics()).extracting(TopicTag::getScore)
                .isSortedAccordingTo(Comparator.reverseOrder());
        assertThat(everything.getEmbedding()).as("a tag-only pipeline embeds nothing").isNull();
    }

    @Test
    void aDocumentGetsEveryTasksOutputAndAModelRefPerTask() throws Exception {
        ModelTask embed = embedTask();
        ModelTask tag = tagTask(2, 0f);
        EnrichedDocument out = invoke(open(embed, tag), doc(7, TEXTS.get(0), embed, tag)).document;

        assertThat(out.getEmbedding()).hasSize(TestModels.HIDDEN);
        assertThat(out.getTopics()).hasSize(2);
        assertThat(out.getTopics()).extracting(TopicTag::getLabel).isSubsetOf(TestModels.LABELS);
        assertThat(out.getModels()).extracting(ModelRef::getTask).containsExactly("embed", "tag");
        assertThat(out.getModels()).extracting(ModelRef::getModelId)
                .containsExactly(embedder.toString(), classifier.toString());
        assertThat(out.getProvenance()).isEqualTo(TestModels.provenance(7));
        assertThat(out.getProcessingTime()).isNotNull();
    }

    @Test
    void aTokenIdOutsideTheVocabularyMakesTheDocumentADeadLetterAtInference() throws Exception {
        ModelTask embed = embedTask();
        ModelTask tag = tagTask(2, 0f);
        TokenizedDocument bad = doc(5, TEXTS.get(2), embed, tag);
        int outside = 1_000_000;
        // Only the tag input is bad: the embedding succeeds, yet the document must not go out half enriched.
        bad.inputs[1] = new TaskInput("tag", new int[] {bad.inputs[1].tokenIds[0], outside, 3}, false, 3, 0);

        InferenceOutcome outcome = invoke(open(embed, tag), bad);

        assertThat(outcome.document).isNull();
        DeadLetter letter = outcome.deadLetter;
        assertThat(letter.getStage()).isEqualTo(PipelineStage.INFERENCE);
        assertThat(letter.getReasonCode()).isEqualTo("input_rejected");
        assertThat(letter.getReason()).contains("model rejected the input")
                .contains("token id " + outside).contains("outside the vocabulary");
        assertThat(letter.getRecordId()).isEqualTo("fb-5");
        assertThat(letter.getProvenance()).isEqualTo(TestModels.provenance(5));
        assertThat(TextRecord.fromByteBuffer(letter.getOriginalBytes())).as("the dead letter keeps the record")
                .isEqualTo(bad.record);
    }

    @Test
    void aTimeoutMakesTheDocumentADeadLetterNamingTheTimeout() throws Exception {
        InferenceFunction function = open(embedTask());
        TokenizedDocument doc = doc(9, TEXTS.get(0), embedTask());
        CollectingResultFuture result = new CollectingResultFuture();

        function.timeout(doc, result);

        DeadLetter letter = result.single().deadLetter;
        assertThat(letter.getStage()).isEqualTo(PipelineStage.INFERENCE);
        assertThat(letter.getReasonCode()).isEqualTo("timeout");
        assertThat(letter.getReason()).contains("did not finish within " + TIMEOUT_MILLIS + " ms (inference.timeout)")
                .contains("for a text of " + TEXTS.get(0).length() + " characters").doesNotContain("summary");
        assertThat(letter.getRecordId()).isEqualTo("fb-9");
    }

    @Test
    void aTimeoutDuringInferenceCompletesOnceWithTheDeadLetterAndCancelsTheEngineRequests() throws Exception {
        // A batch that waits 2 s for company keeps the request queued while the timeout fires.
        EngineSettings slow = new EngineSettings("cpu", 1, null, null, Duration.ofSeconds(2), null);
        InferenceFunction function = open(slow, embedTask());
        CollectingResultFuture result = new CollectingResultFuture();
        TokenizedDocument doc = doc(11, TEXTS.get(0), embedTask());

        function.asyncInvoke(doc, result);
        function.timeout(doc, result);

        // The cancellation reaches the completion callback, which must not complete the result a second time
        // (CollectingResultFuture fails loudly on a second completion).
        assertThat(result.single().deadLetter.getReason()).contains("did not finish within");
        try (SharedResources.Lease<EncoderEngine> engine = SharedModels.engine(embedder, slow)) {
            // The engine notices the cancellation when it forms the batch, after its 2 s wait for company.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (engine.get().metrics().cancelled() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(engine.get().metrics().cancelled()).as("requests cancelled before they ran").isPositive();
        } finally {
            function.close();
        }
    }

    @Test
    void aFailureWhileAssemblingTheDocumentFailsTheRequestInsteadOfLeavingItHanging() throws Exception {
        InferenceFunction function = open(embedTask());
        // Two inputs for a function of one task: assembling the document is refused.
        TokenizedDocument mismatched = doc(12, TEXTS.get(0), embedTask(), tagTask(1, 0f));
        CollectingResultFuture result = new CollectingResultFuture();

        function.asyncInvoke(mismatched, result);

        assertThatThrownBy(result::single).hasRootCauseInstanceOf(IllegalArgumentException.class)
                .rootCause().hasMessageContaining("2 task inputs");
        function.close();
    }

    @Test
    void anOverloadedEngineFailsTheRequestWithARetryableError() throws Exception {
        // One queued request at most, and a batch that waits 2 s for company: the second request finds the queue full.
        EngineSettings tight = new EngineSettings("cpu", 1, null, null, Duration.ofSeconds(2), 1);
        InferenceFunction function = open(tight, embedTask());
        CollectingResultFuture first = new CollectingResultFuture();
        CollectingResultFuture second = new CollectingResultFuture();

        function.asyncInvoke(doc(1, TEXTS.get(0), embedTask()), first);
        function.asyncInvoke(doc(2, TEXTS.get(1), embedTask()), second);

        assertThatThrownBy(second::single)
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOfSatisfying(EngineException.class,
                        e -> assertThat(e.kind()).isEqualTo(EngineException.Kind.OVERLOADED))
                .satisfies(e -> assertThat(InferenceFunction.isRetryable(e)).isTrue());
        assertThat(first.single().document).as("the queued request still runs").isNotNull();
    }

    @Test
    void onlyAnOverloadedEngineOrAFailedBackendIsWorthRetrying() {
        assertThat(InferenceFunction.isRetryable(new EngineException(EngineException.Kind.OVERLOADED, "queue full")))
                .isTrue();
        assertThat(InferenceFunction.isRetryable(new EngineException(EngineException.Kind.BACKEND, "forward failed")))
                .isTrue();
        assertThat(InferenceFunction.isRetryable(new CompletionException(
                new EngineException(EngineException.Kind.OVERLOADED, "queue full")))).isTrue();
        assertThat(InferenceFunction.isRetryable(new EngineException(EngineException.Kind.INPUT, "bad id"))).isFalse();
        assertThat(InferenceFunction.isRetryable(new EngineException(EngineException.Kind.LOAD, "no weights")))
                .isFalse();
        assertThat(InferenceFunction.isRetryable(new CompletionException(
                new EngineException(EngineException.Kind.INPUT, "bad id")))).isFalse();
        assertThat(InferenceFunction.isRetryable(new IllegalStateException("engine is closed"))).isFalse();
        assertThat(InferenceFunction.isRetryable(new java.util.concurrent.TimeoutException())).isFalse();
    }

    @Test
    void aTagTaskOnAModelWithoutLabelsFailsOpenNamingTheTaskAndTheModel() {
        int before = SharedModels.openEngines();
        ModelTask tagOnEmbedder = ModelTask.tag("topics", embedder.toString(), null, 2, 0f);

        assertThatThrownBy(() -> open(tagOnEmbedder))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("task 'topics'")
                .hasMessageContaining(embedder.toString())
                .hasMessageContaining("no classification head");

        // Flink closes a function whose open() failed; the engine leased before the check goes back then.
        closeFunctions();
        assertThat(SharedModels.openEngines()).isEqualTo(before);
    }

    @Test
    void anEmbedTaskOnAClassifierWithoutPoolingFailsOpenNamingTheTaskAndTheModel() {
        assertThat(directClassifier.model().embeddingDimension())
                .as("the generated classifier has no sentence-transformers pooling").isZero();
        ModelTask embedOnClassifier = ModelTask.embed("vectors", classifier.toString(), null);

        assertThatThrownBy(() -> open(embedOnClassifier))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("task 'vectors'")
                .hasMessageContaining(classifier.toString())
                .hasMessageContaining("no embedding output");
    }

    @Test
    void subtasksShareOneEnginePerModelAndTheLastCloseReleasesIt() throws Exception {
        int before = SharedModels.openEngines();
        InferenceFunction first = open(embedTask(), tagTask(2, 0f));
        assertThat(SharedModels.openEngines()).isEqualTo(before + 2);

        InferenceFunction second = open(embedTask(), tagTask(3, 0.1f));
        assertThat(SharedModels.openEngines()).as("same models, same settings: shared").isEqualTo(before + 2);

        InferenceFunction otherSettings = open(new EngineSettings("cpu", 2, null, null, Duration.ofMillis(1), null),
                embedTask());
        assertThat(SharedModels.openEngines()).as("other engine settings: an engine of its own")
                .isEqualTo(before + 3);

        first.close();
        assertThat(SharedModels.openEngines()).isEqualTo(before + 3);
        assertThat(invoke(second, doc(3, TEXTS.get(2), embedTask(), tagTask(3, 0.1f))).document)
                .as("the remaining lease still works").isNotNull();
        second.close();
        otherSettings.close();
        assertThat(SharedModels.openEngines()).isEqualTo(before);

        second.close();
        assertThat(SharedModels.openEngines()).as("closing twice releases nothing more").isEqualTo(before);
    }

    @Test
    void theFunctionSurvivesJavaSerializationAsTheJobShipsIt() throws Exception {
        InferenceFunction copy = InstantiationUtil.clone(
                new InferenceFunction(List.of(embedTask()), ModelRepository.defaults(), SETTINGS, TIMEOUT_MILLIS));
        opened.add(copy);
        copy.setRuntimeContext(new MockStreamingRuntimeContext(1, 0));
        copy.open(DefaultOpenContext.INSTANCE);

        assertThat(invoke(copy, doc(4, TEXTS.get(0), embedTask())).document.getEmbedding()).hasSize(TestModels.HIDDEN);
    }

    @Test
    void anEmptyTaskListIsRejectedAtConstruction() {
        assertThatThrownBy(() -> new InferenceFunction(List.of(), ModelRepository.defaults(), SETTINGS, TIMEOUT_MILLIS))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tasks must not be empty");
    }
}
