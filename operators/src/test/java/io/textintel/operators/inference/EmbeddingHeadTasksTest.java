package io.textintel.operators.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.textintel.operators.TestModels;
import io.textintel.operators.embedding.CentralSentences;
import io.textintel.operators.embedding.LogisticRegression;
import io.textintel.schemas.EnrichedDocument;
import io.textintel.schemas.ModelRef;
import io.textintel.schemas.SummaryInfo;
import io.textintel.schemas.TextRecord;
import io.textintel.schemas.TopicTag;
import io.textintel.serving.engine.EncoderEngine;
import io.textintel.serving.tokenizer.TextTokenizer;

import org.apache.flink.api.common.functions.DefaultOpenContext;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.util.MockStreamingRuntimeContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Zero-shot and few-shot tags and extractive summaries through the tokenize step and the async
 * operator, on the generated embedder. Its random weights carry no meaning, so these tests check the
 * mechanics against the engine called directly, and determinism; what the scores mean on a trained
 * model is measured on the demo's data, not here.
 */
class EmbeddingHeadTasksTest {

    private static final EngineSettings SETTINGS = new EngineSettings("cpu", 1, null, null, Duration.ofMillis(1), null);

    /**
     * Between the operator's scores and ones computed here from the engine called directly: the CPU kernels
     * give the same bits in any batch, so only float rounding of the final scores differs.
     */
    private static final float TOLERANCE = 1e-6f;

    private static final List<String> LABELS = List.of("delivery", "billing", "praise");
    private static final Map<String, List<String>> EXAMPLES = Map.of(
            "delivery", List.of("the parcel arrived late", "my order has not arrived", "the courier lost the box"),
            "billing", List.of("i was charged twice", "the invoice amount is wrong", "my card was billed again"),
            "praise", List.of("great app thank you", "the new search works really well", "lovely support team"));

    @TempDir
    static Path dir;

    private static Path embedder;
    private static Path classifier;
    private static TextTokenizer tokenizer;
    private static EncoderEngine direct;

    private final List<InferenceFunction> opened = new ArrayList<>();

    @BeforeAll
    static void generate() throws Exception {
        embedder = TestModels.embedder(dir.resolve("embedder"));
        classifier = TestModels.classifier(dir.resolve("classifier"));
        tokenizer = TextTokenizer.load(embedder, Integer.MAX_VALUE);
        direct = EncoderEngine.open(embedder, SETTINGS.toEngineConfig());
    }

    @AfterAll
    static void closeAll() {
        direct.close();
        tokenizer.close();
    }

    @AfterEach
    void closeFunctions() {
        opened.forEach(InferenceFunction::close);
    }

    private InferenceFunction open(ModelTask... tasks) throws Exception {
        return open(SETTINGS, tasks);
    }

    private InferenceFunction open(EngineSettings settings, ModelTask... tasks) throws Exception {
        InferenceFunction function = new InferenceFunction(List.of(tasks), ModelRepository.defaults(), settings, 60_000);
        opened.add(function);
        function.setRuntimeContext(new MockStreamingRuntimeContext(1, 0));
        function.open(DefaultOpenContext.INSTANCE);
        return function;
    }

    /** The record tokenized for each task as the tokenize step does it, then run through {@code function}. */
    private static EnrichedDocument enrich(InferenceFunction function, String text, ModelTask... tasks)
            throws Exception {
        TextRecord record = TestModels.record("fb-1", text);
        TaskInput[] inputs = new TaskInput[tasks.length];
        try (TaskResources resources = TaskResources.forTokenizing(ModelRepository.defaults())) {
            for (int i = 0; i < tasks.length; i++) {
                inputs[i] = resources.openTokenizer(tasks[i]).tokenize(record);
            }
        }
        CollectingResultFuture result = new CollectingResultFuture();
        function.asyncInvoke(new TokenizedDocument(record, TestModels.provenance(1), inputs), result);
        InferenceOutcome outcome = result.single();
        assertThat(outcome.deadLetter).as("no dead letter").isNull();
        return outcome.document;
    }

    private static float[] embed(String text) throws Exception {
        return direct.embed(tokenizer.encode(text).ids()).get(30, TimeUnit.SECONDS);
    }

    private static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }

    private static ModelTask zeroShot(String name, ZeroShotSettings settings, int topK, float minScore) {
        return new ModelTask(name, TaskKind.ZERO_SHOT_TAG, embedder.toString(), null, 0, topK, minScore, settings);
    }

    private static ZeroShotSettings descriptions(boolean multiLabel, String firstDescription) {
        return new ZeroShotSettings(LABELS, List.of(List.of(firstDescription, "my order has not arrived"),
                List.of("i was charged twice"), List.of()), "", 0.05f, multiLabel);
    }

    /** Per label the centroid of its descriptions' embeddings, the name first, as the engine computes them. */
    private static List<float[]> centroids(ZeroShotSettings settings) throws Exception {
        List<float[]> centroids = new ArrayList<>();
        for (List<String> descriptions : settings.descriptions()) {
            double[] sum = new double[TestModels.HIDDEN];
            for (String description : descriptions) {
                float[] e = embed(description);
                for (int d = 0; d < sum.length; d++) {
                    sum[d] += e[d];
                }
            }
            float[] centroid = new float[sum.length];
            for (int d = 0; d < sum.length; d++) {
                centroid[d] = (float) (sum[d] / descriptions.size());
            }
            centroids.add(centroid);
        }
        return centroids;
    }

    @Test
    void zeroShotScoresAreTheSoftmaxOfEachLabelsCentroidCosine() throws Exception {
        String text = "i was charged twice for my order";
        ZeroShotSettings settings = descriptions(false, "the parcel arrived late");
        ModelTask task = zeroShot("topics", settings, 3, 0f);

        List<TopicTag> topics = enrich(open(task), text, task).getTopics();

        float[] x = embed(text);
        List<float[]> centroids = centroids(settings);
        double[] similarity = new double[LABELS.size()];
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < similarity.length; i++) {
            similarity[i] = cosine(x, centroids.get(i));
            max = Math.max(max, similarity[i]);
        }
        double sum = 0;
        for (double s : similarity) {
            sum += Math.exp((s - max) / 0.05);
        }
        assertThat(topics).hasSize(3);
        for (TopicTag tag : topics) {
            int label = LABELS.indexOf(tag.getLabel());
            assertThat(tag.getScore()).as(tag.getLabel())
                    .isCloseTo((float) (Math.exp((similarity[label] - max) / 0.05) / sum), within(TOLERANCE));
        }
        assertThat(topics.stream().mapToDouble(TopicTag::getScore).sum()).isCloseTo(1.0, within(1e-5));
    }

    @Test
    void aTextIdenticalToALabelsOnlyDescriptionGetsThatLabelFirst() throws Exception {
        ModelTask task = zeroShot("topics", ZeroShotSettings.ofLabels(List.of("parcel late", "charged twice",
                "great app")), 1, 0f);
        assertThat(enrich(open(task), "charged twice", task).getTopics())
                .extracting(TopicTag::getLabel).containsExactly("charged twice");
    }

    @Test
    void multiLabelZeroShotKeepsEveryLabelWhoseCosineReachesMinScore() throws Exception {
        String text = "the parcel arrived late";
        ZeroShotSettings settings = descriptions(true, "the parcel arrived late");
        float[] x = embed(text);
        List<float[]> centroids = centroids(settings);
        double[] cosine = new double[LABELS.size()];
        for (int i = 0; i < cosine.length; i++) {
            cosine[i] = cosine(x, centroids.get(i));
        }
        Integer[] order = {0, 1, 2};
        java.util.Arrays.sort(order, (a, b) -> Double.compare(cosine[b], cosine[a]));
        // Between the second and third cosine: two labels are kept.
        float minScore = (float) ((cosine[order[1]] + cosine[order[2]]) / 2);
        ModelTask task = zeroShot("topics", settings, 3, minScore);

        List<TopicTag> topics = enrich(open(task), text, task).getTopics();

        assertThat(topics).extracting(TopicTag::getLabel).containsExactly(LABELS.get(order[0]), LABELS.get(order[1]));
        for (int i = 0; i < 2; i++) {
            assertThat(topics.get(i).getScore()).isCloseTo((float) Math.min(1, cosine[order[i]]), within(TOLERANCE));
        }
    }

    @Test
    void theZeroShotHeadIsVersionedByItsDescriptionsAndRecordedOnTheModelReference() throws Exception {
        ModelTask task = zeroShot("topics", descriptions(false, "the parcel arrived late"), 2, 0f);
        ModelTask other = zeroShot("topics", descriptions(false, "the parcel came late"), 2, 0f);

        ModelRef first = enrich(open(task), "hello", task).getModels().get(0);
        ModelRef again = enrich(open(task), "hello", task).getModels().get(0);
        ModelRef changed = enrich(open(other), "hello", other).getModels().get(0);

        assertThat(first.getHead()).startsWith("zero-shot:").hasSize("zero-shot:".length() + 16)
                .isEqualTo(again.getHead()).isNotEqualTo(changed.getHead());
    }

    @Test
    void thePrefixGoesBeforeTheTextOfEveryEncoderTask() throws Exception {
        ModelTask plain = ModelTask.embed("embed", embedder.toString(), null);
        ModelTask prefixed = plain.withPrefix("query: ");
        try (TaskResources resources = TaskResources.forTokenizing(ModelRepository.defaults())) {
            TaskInput input = resources.openTokenizer(prefixed).tokenize(TestModels.record("fb-1", "where is it"));
            assertThat(input.tokenIds).containsExactly(tokenizer.encode("query: where is it").ids());
        }
        List<Float> withPrefix = enrich(open(prefixed), "where is it", prefixed).getEmbedding();
        List<Float> without = enrich(open(plain), "where is it", plain).getEmbedding();
        assertThat(withPrefix).isNotEqualTo(without);
    }

    private static List<LabelledExample> examples() {
        List<LabelledExample> examples = new ArrayList<>();
        for (String label : LABELS) {
            EXAMPLES.get(label).forEach(text -> examples.add(new LabelledExample(text, label)));
        }
        return examples;
    }

    private static ModelTask fewShot(List<LabelledExample> examples) {
        return new ModelTask("topics", TaskKind.FEW_SHOT_TAG, embedder.toString(), null, 0, 3, 0f,
                new FewShotSettings(LABELS, examples, "test", FewShotSettings.DEFAULT_REGULARIZATION, false, 2));
    }

    @Test
    void theFewShotHeadEqualsAFitOnTheEnginesOwnEmbeddingsAndTagsItsExamplesWithTheirLabels() throws Exception {
        ModelTask task = fewShot(examples());
        InferenceFunction function = open(task);
        float[][] x = new float[examples().size()][];
        double[][] y = FewShotTagTask.targets(task.fewShot());
        for (int i = 0; i < x.length; i++) {
            x[i] = embed(examples().get(i).text());
        }
        LogisticRegression reference = LogisticRegression.fit(x, y, LogisticRegression.Link.SOFTMAX,
                FewShotSettings.DEFAULT_REGULARIZATION, FewShotTagTask.MAX_ITERATIONS, FewShotTagTask.TOLERANCE).head();

        for (LabelledExample example : examples()) {
            List<TopicTag> topics = enrich(function, example.text(), task).getTopics();
            assertThat(topics.get(0).getLabel()).as(example.text()).isEqualTo(example.labels().get(0));
            float[] p = reference.probabilities(embed(example.text()));
            for (TopicTag tag : topics) {
                assertThat(tag.getScore()).isCloseTo(p[LABELS.indexOf(tag.getLabel())], within(TOLERANCE));
            }
        }
    }

    @Test
    void theSameExamplesGiveTheSameHeadAndTagsAndAnotherExampleAnotherVersion() throws Exception {
        ModelTask task = fewShot(examples());
        List<LabelledExample> changed = new ArrayList<>(examples());
        changed.set(0, new LabelledExample("the parcel arrived very late", "delivery"));
        ModelTask other = fewShot(changed);
        String text = "my invoice shows a double payment";

        EnrichedDocument first = enrich(open(task), text, task);
        EnrichedDocument second = enrich(open(task), text, task);
        EnrichedDocument third = enrich(open(other), text, other);

        assertThat(second.getTopics()).as("bit for bit").isEqualTo(first.getTopics());
        String head = first.getModels().get(0).getHead();
        assertThat(head).startsWith("few-shot:").isEqualTo(second.getModels().get(0).getHead())
                .isNotEqualTo(third.getModels().get(0).getHead());
    }

    @Test
    void embeddingHeadsOnAModelWithoutEmbeddingsFailOpenNamingTheTaskAndModel() {
        ModelTask onClassifier = new ModelTask("topics", TaskKind.ZERO_SHOT_TAG, classifier.toString(), null, 0, 1, 0f,
                ZeroShotSettings.ofLabels(LABELS));
        assertThatThrownBy(() -> open(onClassifier)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("task 'topics'").hasMessageContaining(classifier.toString())
                .hasMessageContaining("no embedding output");
    }

    private static final String FIVE_SENTENCES = "The parcel arrived late. The box was damaged and wet. "
            + "Support never answered my email! I want a refund for the delivery fee. Otherwise the app is fine.";

    /** Summaries of texts of any length: the test texts are short. */
    private static ModelTask extractive(int maxSentences) {
        return new ModelTask("summary", TaskKind.EXTRACTIVE_SUMMARY, embedder.toString(), null, 0, 1, 0f,
                ExtractiveSettings.of(maxSentences).withMinTextLength(0));
    }

    @Test
    void theTokenizeStepSplitsSentencesAndTokenizesEach() throws Exception {
        try (TaskResources resources = TaskResources.forTokenizing(ModelRepository.defaults())) {
            TaskInput input = resources.openTokenizer(extractive(2)).tokenize(TestModels.record("fb-1", FIVE_SENTENCES));
            assertThat(input.sentences()).isEqualTo(5);
            List<String> sentences = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                sentences.add(FIVE_SENTENCES.substring(input.sentenceOffsets[2 * i], input.sentenceOffsets[2 * i + 1]));
                assertThat(input.sentenceTokenIds[i]).containsExactly(tokenizer.encode(sentences.get(i)).ids());
            }
            assertThat(sentences).containsExactly("The parcel arrived late.", "The box was damaged and wet.",
                    "Support never answered my email!", "I want a refund for the delivery fee.",
                    "Otherwise the app is fine.");
            assertThat(input.truncated).isFalse();
        }
    }

    @Test
    void anExtractiveSummaryIsTheCentralSentencesInTextOrderAndRecordsThem() throws Exception {
        ModelTask task = extractive(2);
        SummaryInfo summary = enrich(open(task), FIVE_SENTENCES, task).getSummary();

        try (TaskResources resources = TaskResources.forTokenizing(ModelRepository.defaults())) {
            TaskInput input = resources.openTokenizer(task).tokenize(TestModels.record("fb-1", FIVE_SENTENCES));
            float[][] embeddings = new float[5][];
            int[] lengths = new int[5];
            for (int i = 0; i < 5; i++) {
                embeddings[i] = direct.embed(input.sentenceTokenIds[i]).get(30, TimeUnit.SECONDS);
                lengths[i] = input.sentenceOffsets[2 * i + 1] - input.sentenceOffsets[2 * i];
            }
            int[] expected = CentralSentences.select(embeddings, lengths, 2, 0, ExtractiveSettings.DEFAULT_MMR_LAMBDA);
            assertThat(summary.getSentences()).containsExactly(expected[0], expected[1]);
            assertThat(summary.getText()).isEqualTo(
                    FIVE_SENTENCES.substring(input.sentenceOffsets[2 * expected[0]], input.sentenceOffsets[2 * expected[0] + 1])
                    + " " + FIVE_SENTENCES.substring(input.sentenceOffsets[2 * expected[1]],
                            input.sentenceOffsets[2 * expected[1] + 1]));
        }
        assertThat(summary.getMethod()).isEqualTo("extractive");
        assertThat(summary.getChunks()).isEqualTo(1);
        assertThat(summary.getOutputTokens()).isLessThan(summary.getInputTokens());
    }

    @Test
    void aTextWithFewerSentencesThanMinSentencesGetsNoSummaryButItsModelReference() throws Exception {
        ModelTask task = extractive(2); // min-sentences 3
        EnrichedDocument out = enrich(open(task), "The parcel arrived late. The box was damaged.", task);

        assertThat(out.getSummary()).isNull();
        assertThat(out.getModels()).extracting(ModelRef::getTask).containsExactly("summary");
        assertThat(out.getModels().get(0).getInputTokens()).isPositive();
    }

    @Test
    void aTextShorterThanMinTextLengthGetsNoSummaryHoweverManySentencesItHas() throws Exception {
        ModelTask task = new ModelTask("summary", TaskKind.EXTRACTIVE_SUMMARY, embedder.toString(), null, 0, 1, 0f,
                ExtractiveSettings.of(2).withMinTextLength(FIVE_SENTENCES.length() + 1));
        assertThat(enrich(open(task), FIVE_SENTENCES, task).getSummary()).isNull();
    }

    @Test
    void aSummaryLongerThanMaxCharactersIsCutAtAWordBoundary() throws Exception {
        ModelTask task = new ModelTask("summary", TaskKind.EXTRACTIVE_SUMMARY, embedder.toString(), null, 0, 1, 0f,
                new ExtractiveSettings(2, 16, 3, 0, 64, 0.7f));
        SummaryInfo summary = enrich(open(task), FIVE_SENTENCES, task).getSummary();

        assertThat(summary.getSentences()).as("no sentence fits: the most central one alone").hasSize(1);
        assertThat(summary.getText()).hasSizeLessThanOrEqualTo(16).endsWith("…");
        assertThat(FIVE_SENTENCES).contains(summary.getText().substring(0, summary.getText().length() - 1));
    }

    @Test
    void aTimedOutExtractiveSummaryCancelsItsSentencesEmbeddings() throws Exception {
        // A batch that waits 2 s for company keeps the sentence requests queued while the timeout fires.
        EngineSettings slow = new EngineSettings("cpu", 1, null, null, Duration.ofSeconds(2), null);
        ModelTask task = extractive(2);
        InferenceFunction function = open(slow, task);
        TextRecord record = TestModels.record("fb-2", FIVE_SENTENCES);
        TaskInput input;
        try (TaskResources resources = TaskResources.forTokenizing(ModelRepository.defaults())) {
            input = resources.openTokenizer(task).tokenize(record);
        }
        TokenizedDocument doc = new TokenizedDocument(record, TestModels.provenance(2), new TaskInput[] {input});
        CollectingResultFuture result = new CollectingResultFuture();

        function.asyncInvoke(doc, result);
        function.timeout(doc, result);

        assertThat(result.single().deadLetter.getReason()).contains("did not finish within");
        try (SharedResources.Lease<EncoderEngine> engine = SharedModels.engine(embedder, slow)) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (engine.get().metrics().cancelled() < input.sentences() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(engine.get().metrics().cancelled()).as("every sentence's request dropped before it ran")
                    .isEqualTo(input.sentences());
        }
    }
}
