package io.textintel.serving.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.textintel.serving.generate.GenerationMetrics;
import io.textintel.serving.spec.Speculation;
import io.textintel.serving.sampling.SamplingParams;
import io.textintel.serving.tokenizer.ChatTemplate;
import io.textintel.serving.tools.TinyDecoderSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Summaries on generated Llama and Qwen2 instruction checkpoints (256 positions, random weights: the
 * summaries are meaningless, but deterministic).
 */
class SummarizerTest {

    @TempDir
    static Path dir;

    static Stream<TinyDecoderSpec> families() {
        return Stream.of(TinyDecoderSpec.llama(), TinyDecoderSpec.qwen2());
    }

    private static final String SHORT = "Flink reads documents from Kafka. The pipeline tokenizes them and writes"
            + " summaries to Elasticsearch.";

    /** Sentences about a stream, far more than one 256-position context holds. */
    private static String longText() {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            text.append("Partition ").append(i).append(" of the topic carried news about markets and weather. ");
        }
        return text.toString();
    }

    @ParameterizedTest
    @MethodSource("families")
    void greedyAndSeededSummariesRepeatAndShortTextsAreOnePiece(TinyDecoderSpec spec) throws Exception {
        try (DecoderTasks engine = DecoderTasks.open(TinyInstructModels.target(dir, spec),
                TinyInstructModels.config().build())) {
            Summarizer greedy = new Summarizer(engine, SummaryOptions.greedy(12).withStyle("one sentence"));
            Summary first = greedy.summarize(SHORT).get();
            assertThat(greedy.summarize(SHORT).get()).usingRecursiveComparison().ignoringFields("latencyMillis")
                    .isEqualTo(first);
            assertThat(first.chunks()).isEqualTo(1);
            assertThat(first.inputTokens()).isEqualTo(engine.countTokens(SHORT));
            assertThat(first.outputTokens()).isBetween(1, 12);

            Summarizer sampled = new Summarizer(engine, SummaryOptions.greedy(12).withSampling(0.9f, 0.95f, 77L));
            assertThat(sampled.summarize(SHORT).get().text()).as("same seed, same summary")
                    .isEqualTo(sampled.summarize(SHORT).get().text());
        }
    }

    @ParameterizedTest
    @MethodSource("families")
    void longInputIsSummarisedMapReduceOnSentenceBoundaries(TinyDecoderSpec spec) throws Exception {
        try (DecoderTasks engine = DecoderTasks.open(TinyInstructModels.target(dir, spec),
                TinyInstructModels.config().build())) {
            Summarizer summarizer = new Summarizer(engine, SummaryOptions.greedy(16).withStyle("bullet points"));
            String text = longText();
            List<String> pieces = summarizer.pieces(text);
            assertThat(pieces).hasSizeGreaterThan(1);
            assertThat(pieces).allSatisfy(piece -> {
                assertThat(engine.countTokens(piece)).isLessThanOrEqualTo(summarizer.inputBudget());
                assertThat(piece).as("pieces end on a sentence boundary").endsWith(".");
            });
            assertThat(String.join(" ", pieces)).as("nothing lost or reordered").isEqualTo(text.strip());

            Summary summary = summarizer.summarize(text).get();
            assertThat(summary.chunks()).isEqualTo(pieces.size());
            assertThat(summary.inputTokens()).isEqualTo(engine.countTokens(text)).isGreaterThan(256);
            assertThat(summarizer.summarize(text).get().text()).isEqualTo(summary.text());
        }
    }

    @Test
    void aSentenceLongerThanTheBudgetIsCutBetweenWords() throws Exception {
        try (DecoderTasks engine = DecoderTasks.open(TinyInstructModels.target(dir, TinyDecoderSpec.qwen2()),
                TinyInstructModels.config().build())) {
            Summarizer summarizer = new Summarizer(engine, SummaryOptions.greedy(16));
            String sentence = "word ".repeat(300).strip() + ".";
            List<String> pieces = summarizer.pieces("Short start. " + sentence + " Short end.");
            assertThat(pieces.get(0)).isEqualTo("Short start.");
            assertThat(pieces.get(pieces.size() - 1)).isEqualTo("Short end.");
            assertThat(pieces.subList(1, pieces.size() - 1)).hasSizeGreaterThan(1).allSatisfy(piece ->
                    assertThat(engine.countTokens(piece)).isLessThanOrEqualTo(summarizer.inputBudget()));
        }
    }

    @ParameterizedTest
    @MethodSource("families")
    void speculationGivesTheSameGreedySummary(TinyDecoderSpec spec) throws Exception {
        Path target = TinyInstructModels.target(dir, spec);
        Path draft = TinyInstructModels.draft(dir, spec);
        SummaryOptions options = SummaryOptions.greedy(24);
        String text = SHORT + " " + SHORT;
        Summary plain;
        try (DecoderTasks engine = DecoderTasks.open(target, TinyInstructModels.config().build())) {
            plain = new Summarizer(engine, options).summarize(text).get();
            assertThat(plain.draftProposed()).isZero();
        }
        for (DecoderTasksConfig config : List.of(
                TinyInstructModels.config().speculation(Speculation.PROMPT_LOOKUP).build(),
                TinyInstructModels.config().draftModel(draft.toString()).build(),
                TinyInstructModels.config().draftModel(target.toString()).build())) {
            try (DecoderTasks engine = DecoderTasks.open(target, config)) {
                Summary speculative = new Summarizer(engine, options).summarize(text).get();
                assertThat(speculative.text()).as("%s", config).isEqualTo(plain.text());
                assertThat(speculative.outputTokens()).isEqualTo(plain.outputTokens());
                if (config.draftModelDir() != null && config.draftModelDir().equals(target.toString())) {
                    // The adaptive policy decides whether drafting pays (a draft as large as the target never
                    // does); whatever a draft identical to the target proposes must all be accepted.
                    assertThat(speculative.draftAccepted()).as("the target as its own draft is always right")
                            .isEqualTo(speculative.draftProposed());
                }
            }
        }
    }

    /**
     * A summary's verify steps are those of every request it made, every piece of every map-reduce
     * round: exactly what the engine's counters moved by while it ran alone on the engine.
     */
    @ParameterizedTest
    @MethodSource("families")
    void verifyStepsAreCountedOverEveryPieceOfEveryRound(TinyDecoderSpec spec) throws Exception {
        Path target = TinyInstructModels.target(dir, spec);
        for (DecoderTasksConfig config : List.of(
                TinyInstructModels.config().speculation(Speculation.PROMPT_LOOKUP).build(),
                TinyInstructModels.config().draftModel(TinyInstructModels.draft(dir, spec).toString()).build())) {
            try (DecoderTasks engine = DecoderTasks.open(target, config)) {
                Summarizer summarizer = new Summarizer(engine, SummaryOptions.greedy(16));
                for (String text : List.of(SHORT, longText())) {
                    GenerationMetrics before = engine.metrics();
                    Summary summary = summarizer.summarize(text).get();
                    GenerationMetrics after = engine.metrics();
                    String what = config.speculation().configName() + ", " + summary.chunks() + " chunks";
                    assertThat(summary.verifySteps()).as(what).isEqualTo(after.verifySteps() - before.verifySteps())
                            .isLessThanOrEqualTo(summary.draftProposed());
                    assertThat(summary.draftProposed()).as(what)
                            .isEqualTo(after.draftProposed() - before.draftProposed());
                    assertThat(summary.draftAccepted()).as(what)
                            .isEqualTo(after.draftAccepted() - before.draftAccepted());
                    if (!text.equals(SHORT)) {
                        assertThat(summary.chunks()).isGreaterThan(1);
                        assertThat(summary.verifySteps()).as("map-reduce speculated: %s", what).isPositive();
                        assertThat(summary.acceptedPerVerifyStep()).as(what)
                                .isEqualTo((double) summary.draftAccepted() / summary.verifySteps());
                    }
                    assertThat(after.completed() - before.completed()).as("requests of %s", what)
                            .isGreaterThanOrEqualTo(summary.chunks());
                }
            }
        }
    }

    /**
     * Cancelling a summary (the pipeline does when a document times out) cancels the engine requests
     * of its pieces: with one running sequence and long generations ahead of them, the pieces are
     * still queued when the summary is cancelled, and the engine drops every one of them.
     */
    @Test
    void cancellingASummaryCancelsTheGenerationsOfItsPieces() throws Exception {
        try (DecoderTasks engine = DecoderTasks.open(TinyInstructModels.target(dir, TinyDecoderSpec.qwen2()),
                TinyInstructModels.config().maxRunningSequences(1).build())) {
            // Four long generations ahead keep the one running slot busy far longer than it takes to cancel:
            // without stop tokens each runs its 120 tokens (a random model may otherwise stop at once, and a
            // piece could then run and finish before the summary is cancelled).
            List<CompletableFuture<TextGeneration>> ahead = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                ahead.add(engine.chat(List.of(ChatTemplate.Message.user(SHORT + " " + i)),
                        SamplingParams.greedy(120, List.of())));
            }
            Summarizer summarizer = new Summarizer(engine, SummaryOptions.greedy(16));
            int pieces = summarizer.pieces(longText()).size();

            CompletableFuture<Summary> summary = summarizer.summarize(longText());
            summary.cancel(false);

            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (engine.metrics().cancelled() < pieces && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(engine.metrics().cancelled()).as("engine requests cancelled, one per piece")
                    .isEqualTo(pieces);
            for (CompletableFuture<TextGeneration> request : ahead) {
                assertThat(request.get(30, TimeUnit.SECONDS).outputTokens()).as("the requests ahead are unaffected")
                        .isPositive();
            }
            assertThat(summarizer.summarize(SHORT).get(30, TimeUnit.SECONDS).outputTokens())
                    .as("the engine serves the next summary").isPositive();
        }
    }

    @Test
    void summaryLengthThatLeavesNoRoomForTextIsRefused() throws Exception {
        try (DecoderTasks engine = DecoderTasks.open(TinyInstructModels.target(dir, TinyDecoderSpec.qwen2()),
                TinyInstructModels.config().build())) {
            assertThatThrownBy(() -> new Summarizer(engine, SummaryOptions.greedy(240)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("max-summary-tokens 240 leaves")
                    .hasMessageContaining("256 positions");
        }
        assertThatThrownBy(() -> SummaryOptions.greedy(0)).hasMessage("max-summary-tokens is 0, expected >= 1");
        assertThatThrownBy(() -> SummaryOptions.greedy(8).withSampling(0.5f, 0f, 1L))
                .hasMessage("top-p is 0.0, expected 0 < top-p <= 1");
    }

    @Test
    void aTextLongerThanTheInputCapIsCutToItAndTheSummarySaysSo() throws Exception {
        try (DecoderTasks engine = DecoderTasks.open(TinyInstructModels.target(dir, TinyDecoderSpec.llama()),
                TinyInstructModels.config().build())) {
            int cap = 300;
            Summarizer summarizer = new Summarizer(engine, SummaryOptions.greedy(8).withMaxInputTokens(cap));
            StringBuilder huge = new StringBuilder();
            while (huge.length() < 200_000) {
                huge.append(longText());
            }
            String text = huge.toString();

            String capped = summarizer.capped(text);
            // Reference: the longest prefix within the cap, found by a plain scan in steps of one word.
            int reference = 0;
            for (int end = text.indexOf(' '); end > 0 && engine.countTokens(text.substring(0, end)) <= cap;
                    end = text.indexOf(' ', end + 1)) {
                reference = end;
            }
            assertThat(text).startsWith(capped);
            assertThat(engine.countTokens(capped)).isLessThanOrEqualTo(cap);
            // Cut at a word boundary in the last tenth: within 10% of the longest prefix that fits.
            assertThat(capped.length()).isGreaterThanOrEqualTo(reference * 9 / 10);

            Summary summary = summarizer.summarize(text).get();
            assertThat(summary.inputTokens()).isEqualTo(engine.countTokens(text));
            assertThat(summary.summarizedTokens()).isEqualTo(engine.countTokens(capped));
            assertThat(summary.inputCapped()).isTrue();
            // The work is bounded by the cap: pieces of at most the budget, about cap / budget of them.
            assertThat(summary.chunks()).isLessThanOrEqualTo(cap / summarizer.inputBudget() + 2);

            Summary whole = summarizer.summarize(SHORT).get();
            assertThat(whole.inputCapped()).isFalse();
            assertThat(whole.summarizedTokens()).isEqualTo(whole.inputTokens());
        }
        assertThatThrownBy(() -> SummaryOptions.greedy(8).withMaxInputTokens(0))
                .hasMessage("max-summary-input-tokens is 0, expected >= 1");
    }
}
