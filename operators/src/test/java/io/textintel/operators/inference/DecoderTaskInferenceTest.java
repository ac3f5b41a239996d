package io.textintel.operators.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.textintel.operators.TestModels;
import io.textintel.schemas.DeadLetter;
import io.textintel.schemas.EnrichedDocument;
import io.textintel.schemas.PipelineStage;
import io.textintel.schemas.SummaryInfo;
import io.textintel.schemas.TopicTag;
import io.textintel.serving.task.DecoderTasks;
import io.textintel.serving.task.Summarizer;
import io.textintel.serving.task.Summary;
import io.textintel.serving.tools.TinyDecoderSpec;
import io.textintel.serving.tools.TinyModelGenerator;

import org.apache.flink.api.common.functions.DefaultOpenContext;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.util.MockStreamingRuntimeContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Summarize and generative tag tasks through the async operator, on a generated Qwen2 instruction model. */
class DecoderTaskInferenceTest {

    private static final EngineSettings SETTINGS = new EngineSettings("cpu", 2, null, null, Duration.ofMillis(1), null);
    private static final List<String> LABELS = List.of("billing", "delivery", "praise");
    private static final String TEXT = "The parcel arrived late and the box was damaged. I want a refund.";

    @TempDir
    static Path dir;

    private static Path qwen;

    private final List<InferenceFunction> opened = new ArrayList<>();

    @BeforeAll
    static void generate() throws Exception {
        qwen = TinyModelGenerator.writeDecoder(dir.resolve("qwen"), TinyDecoderSpec.qwen2());
    }

    @AfterEach
    void close() {
        opened.forEach(InferenceFunction::close);
    }

    private static ModelTask summarize(GenerativeSettings settings) {
        return new ModelTask("summary", TaskKind.SUMMARIZE, qwen.toString(), null, 0, 1, 0f, settings);
    }

    private static ModelTask tag(boolean multiLabel, int topK) {
        return new ModelTask("topics", TaskKind.GENERATIVE_TAG, qwen.toString(), null, 0, topK, 0f,
                GenerativeSettings.tagging(LABELS, multiLabel));
    }

    private InferenceFunction open(ModelTask... tasks) throws Exception {
        InferenceFunction function = new InferenceFunction(List.of(tasks), ModelRepository.defaults(), SETTINGS, 60_000);
        opened.add(function);
        function.setRuntimeContext(new MockStreamingRuntimeContext(1, 0));
        function.open(DefaultOpenContext.INSTANCE);
        return function;
    }

    private static TokenizedDocument doc(String text, ModelTask... tasks) {
        TaskInput[] inputs = new TaskInput[tasks.length];
        for (int i = 0; i < tasks.length; i++) {
            inputs[i] = new TaskInput(tasks[i].name(), new int[0], false, 17, 0);
        }
        return new TokenizedDocument(TestModels.record("fb-1", text), TestModels.provenance(1), inputs);
    }

    private static InferenceOutcome invoke(InferenceFunction function, TokenizedDocument doc) throws Exception {
        CollectingResultFuture result = new CollectingResultFuture();
        function.asyncInvoke(doc, result);
        return result.single();
    }

    @Test
    void summarizeTaskFillsTheSummaryAsTheSummarizerWritesIt() throws Exception {
        GenerativeSettings settings = GenerativeSettings.summary(12);
        ModelTask task = summarize(settings);
        EnrichedDocument out = invoke(open(task), doc(TEXT, task)).document;
        Summary expected;
        try (DecoderTasks engine = DecoderTasks.open(qwen, SETTINGS.toDecoderConfig(settings.speculationKind(), null))) {
            expected = new Summarizer(engine, settings.summaryOptions()).summarize(TEXT).get(60, TimeUnit.SECONDS);
        }
        SummaryInfo summary = out.getSummary();
        assertThat(summary).isNotNull();
        assertThat(summary.getText()).isEqualTo(expected.text());
        assertThat(summary.getInputTokens()).isEqualTo(expected.inputTokens());
        assertThat(summary.getOutputTokens()).isEqualTo(expected.outputTokens());
        assertThat(summary.getChunks()).isEqualTo(1);
        assertThat(summary.getAcceptanceRate()).as("speculation off").isNull();
        assertThat(out.getModels().get(0).getInputTokens()).as("the tokenize step's count").isEqualTo(17);
        assertThat(out.getTopics()).isEmpty();
    }

    @Test
    void promptLookupSpeculationRecordsDraftTokensAndKeepsTheGreedySummary() throws Exception {
        GenerativeSettings plain = GenerativeSettings.summary(16);
        String text = TEXT + " " + TEXT;
        String expected = invoke(open(summarize(plain)), doc(text, summarize(plain))).document.getSummary().getText();
        ModelTask lookup = summarize(plain.withSpeculation("prompt-lookup", null));
        SummaryInfo speculative = invoke(open(lookup), doc(text, lookup)).document.getSummary();
        assertThat(speculative.getText()).isEqualTo(expected);
        assertThat(speculative.getDraftTokensAccepted()).isLessThanOrEqualTo(speculative.getDraftTokensProposed());
        assertThat(speculative.getVerifySteps()).isBetween(0, speculative.getDraftTokensProposed());
        if (speculative.getVerifySteps() > 0) {
            assertThat(speculative.getAcceptedPerStep()).as("accepted draft tokens per verify step")
                    .isEqualTo((float) speculative.getDraftTokensAccepted() / speculative.getVerifySteps());
        } else {
            assertThat(speculative.getAcceptedPerStep()).isNull();
        }
    }

    @Test
    void generativeTagsAreConfiguredLabelsRespectingTopK() throws Exception {
        ModelTask single = tag(false, 2);
        List<TopicTag> topics = invoke(open(single), doc(TEXT, single)).document.getTopics();
        assertThat(topics).hasSize(2).extracting(TopicTag::getLabel).isSubsetOf(LABELS);
        assertThat(topics.get(0).getScore()).isGreaterThanOrEqualTo(topics.get(1).getScore());

        ModelTask multi = tag(true, 3);
        List<TopicTag> named = invoke(open(multi), doc(TEXT, multi)).document.getTopics();
        assertThat(named).isNotEmpty().extracting(TopicTag::getLabel).isSubsetOf(LABELS).doesNotHaveDuplicates();
        assertThat(named).allSatisfy(t -> assertThat(t.getScore()).isBetween(0f, 1f));
    }

    @Test
    void aTextLongerThanTheContextIsSummarisedInPieces() throws Exception {
        ModelTask task = summarize(GenerativeSettings.summary(12));
        String longText = (TEXT + " ").repeat(40);
        SummaryInfo summary = invoke(open(task), doc(longText, task)).document.getSummary();
        assertThat(summary.getChunks()).isGreaterThan(1);
        assertThat(summary.getInputTokens()).isGreaterThan(256);
    }

    /**
     * A summary still running when its document times out: the document becomes a dead letter naming
     * the timeout, and the decoder drops the generations of its pieces instead of finishing them.
     */
    @Test
    void aTimedOutSummaryBecomesADeadLetterAndItsGenerationsAreCancelled() throws Exception {
        GenerativeSettings settings = GenerativeSettings.summary(16);
        ModelTask task = summarize(settings);
        InferenceFunction function = open(task);
        TokenizedDocument doc = doc((TEXT + " ").repeat(40), task);
        CollectingResultFuture result = new CollectingResultFuture();

        function.asyncInvoke(doc, result);
        function.timeout(doc, result);

        DeadLetter letter = result.single().deadLetter;
        assertThat(letter.getStage()).isEqualTo(PipelineStage.INFERENCE);
        assertThat(letter.getReason()).contains("did not finish within 60000 ms")
                .contains("its summary reads at most the first 8192 tokens");
        assertThat(letter.getRecordId()).isEqualTo("fb-1");
        try (SharedResources.Lease<DecoderTasks> decoder =
                SharedModels.decoder(qwen, SETTINGS.toDecoderConfig(settings.speculationKind(), null))) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (decoder.get().metrics().cancelled() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(decoder.get().metrics().cancelled()).as("piece generations cancelled").isPositive();
        }
    }

    @Test
    void subtasksShareOneDecoderPerModelAndSettings() throws Exception {
        int before = SharedModels.openDecoders();
        ModelTask task = summarize(GenerativeSettings.summary(8));
        InferenceFunction first = open(task);
        InferenceFunction second = open(task, tag(false, 1));
        assertThat(SharedModels.openDecoders()).isEqualTo(before + 1);
        first.close();
        second.close();
        opened.clear();
        assertThat(SharedModels.openDecoders()).isEqualTo(before);
    }

    @Test
    void badDecoderSettingsNameTheTaskAndTheKey() {
        assertThatThrownBy(() -> summarize(GenerativeSettings.summary(0)))
                .hasMessage("task 'summary': max-summary-tokens is 0, expected >= 1");
        assertThatThrownBy(() -> summarize(GenerativeSettings.summary(8).withSpeculation("draft-model", null)))
                .hasMessageContaining("task 'summary': speculation is draft-model but draft-model is not set");
        assertThatThrownBy(() -> new ModelTask("topics", TaskKind.GENERATIVE_TAG, "m", null, 0, 1, 0f,
                GenerativeSettings.tagging(List.of(), false)))
                .hasMessage("task 'topics': labels are empty, expected at least one label");
        assertThatThrownBy(() -> TaskKind.parse("tag", "keywords"))
                .hasMessage("tag mode 'keywords' is not known, expected classifier, generative, zero-shot or few-shot");
        assertThat(TaskKind.parse("tag", "generative")).isEqualTo(TaskKind.GENERATIVE_TAG);
        assertThat(TaskKind.parse("summarize", null)).isEqualTo(TaskKind.SUMMARIZE);
    }
}
