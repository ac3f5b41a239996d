package io.textintel.serving.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.textintel.serving.backend.cpu.FastDecoderOps;
import io.textintel.serving.generate.GenerationMetrics;
import io.textintel.serving.kv.PagedKvCache;
import io.textintel.serving.model.decoder.DecoderModel;
import io.textintel.serving.sampling.ConstrainedDecoding;
import io.textintel.serving.sampling.LabelTrie;
import io.textintel.serving.sampling.SamplingParams;
import io.textintel.serving.sampling.SequenceRandom;
import io.textintel.serving.spec.ChiSquare;
import io.textintel.serving.spec.ConstrainedAnswers;
import io.textintel.serving.spec.ConstrainedSpeculativeDecoding;
import io.textintel.serving.spec.DraftModelProposer;
import io.textintel.serving.tokenizer.ChatTemplate;
import io.textintel.serving.tools.TinyDecoderSpec;
import io.textintel.serving.tools.TinyModelGenerator;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Generative tagging with a draft model proposing the answer, on generated Llama and Qwen2
 * instruction checkpoints (random weights) and a smaller draft of the same tokenizer.
 */
class SpeculativeTaggingTest {

    private static final List<String> LABELS = List.of("sports", "politics", "science", "business news");
    /**
     * Label sets whose greedy multi-label answers on the random-weight checkpoints name one label
     * (the first), two (the last on Qwen2) or three (the second on Llama).
     */
    private static final List<List<String>> LABEL_SETS = List.of(LABELS,
            List.of("sports", "politics", "science", "business", "health", "weather"),
            List.of("news", "sport", "tech"));
    private static final List<String> TEXTS = List.of(
            "The central bank raised rates while the league final went to extra time.",
            "Researchers measured the spin of a distant quasar with a new telescope.");

    @TempDir
    static Path dir;

    static Stream<TinyDecoderSpec> families() {
        return Stream.of(TinyDecoderSpec.llama(), TinyDecoderSpec.qwen2());
    }

    /** Every tagging of the texts with every label set, single-label ones first, with greedy options. */
    private static List<Tagging> tagAll(DecoderTasks engine) throws Exception {
        List<Tagging> taggings = new ArrayList<>();
        for (boolean multiLabel : new boolean[] {false, true}) {
            for (List<String> labels : LABEL_SETS) {
                GenerativeTagger tagger = new GenerativeTagger(engine, TaggingOptions.greedy(labels, multiLabel));
                for (String text : TEXTS) {
                    taggings.add(tagger.tagging(text).get());
                }
            }
        }
        return taggings;
    }

    /**
     * Greedy speculative tagging against plain tagging: the same labels and the same scores with no
     * tolerance, since a row's logits do not depend on how its tokens were batched into passes (the
     * kernels reduce every row in one order) and the scores are the same sums of the same terms.
     */
    @ParameterizedTest
    @MethodSource("families")
    void greedySpeculativeTaggingGivesExactlyThePlainLabelsAndScores(TinyDecoderSpec spec) throws Exception {
        Path target = TinyInstructModels.target(dir, spec);
        Path draft = TinyInstructModels.draft(dir, spec);
        List<Tagging> plain;
        try (DecoderTasks engine = DecoderTasks.open(target, TinyInstructModels.config().build())) {
            plain = tagAll(engine);
        }
        int single = LABEL_SETS.size() * TEXTS.size();
        assertThat(plain).allSatisfy(t -> assertThat(t.draftProposed()).isZero());
        assertThat(plain.subList(single, plain.size()).stream().mapToInt(t -> t.labels().size()).max().orElseThrow())
                .as("some answer names several labels, so decoding goes past the first").isGreaterThan(1);
        for (Path draftDir : List.of(draft, target)) {
            boolean self = draftDir.equals(target);
            try (DecoderTasks engine = DecoderTasks.open(target,
                    TinyInstructModels.config().draftModel(draftDir.toString()).build())) {
                List<Tagging> speculative = tagAll(engine);
                long proposed = 0;
                long accepted = 0;
                long steps = 0;
                for (int i = 0; i < plain.size(); i++) {
                    Tagging s = speculative.get(i);
                    String what = (self ? "draft = target, " : "smaller draft, ") + (i < single ? "single" : "multi")
                            + "-label, tagging " + i % single;
                    assertThat(s.labels()).as(what).isEqualTo(plain.get(i).labels());
                    if (i < single) {
                        assertThat(s.draftProposed()).as("single-label does not speculate: %s", what).isZero();
                        assertThat(s.targetPasses()).as(what).isEqualTo(plain.get(i).targetPasses());
                        continue;
                    }
                    assertThat(s.verifySteps()).as(what).isPositive();
                    assertThat(s.draftAccepted()).as(what).isBetween(0, s.draftProposed());
                    if (self) {
                        assertThat(s.draftAccepted()).as("the target as its own draft is always right: %s", what)
                                .isEqualTo(s.draftProposed());
                        assertThat(s.targetPasses()).as("target passes saved: %s", what)
                                .isLessThan(plain.get(i).targetPasses());
                    }
                    proposed += s.draftProposed();
                    accepted += s.draftAccepted();
                    steps += s.verifySteps();
                }
                if (!self) {
                    assertThat(accepted).as("the smaller draft disagrees with the target often").isLessThan(proposed);
                }
                GenerationMetrics metrics = engine.metrics();
                assertThat(metrics.constrainedDraftProposed()).as("the engine counts what the taggings did")
                        .isEqualTo(proposed);
                assertThat(metrics.constrainedDraftAccepted()).isEqualTo(accepted);
                assertThat(metrics.constrainedVerifySteps()).isEqualTo(steps);
                assertThat(metrics.draftProposed()).as("the scheduler's own counters stay apart").isZero();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("families")
    void aDraftWhoseContextIsTooShortForThePromptIsNotAsked(TinyDecoderSpec spec) throws Exception {
        Path target = TinyInstructModels.target(dir, spec);
        Path shortDraft = TinyModelGenerator.writeDecoder(dir.resolve(spec.family() + "-short-draft"),
                spec.withSizes(32, 1, 2, 1, 64).withSeed(7).withMaxPositions(48));
        TaggingOptions options = TaggingOptions.greedy(LABELS, true);
        List<LabelScore> plain;
        try (DecoderTasks engine = DecoderTasks.open(target, TinyInstructModels.config().build())) {
            plain = new GenerativeTagger(engine, options).tag(TEXTS.get(0)).get();
        }
        try (DecoderTasks engine = DecoderTasks.open(target,
                TinyInstructModels.config().draftModel(shortDraft.toString()).build())) {
            Tagging tagging = new GenerativeTagger(engine, options).tagging(TEXTS.get(0)).get();
            assertThat(tagging.labels()).isEqualTo(plain);
            assertThat(tagging.draftProposed()).isZero();
            assertThat(engine.metrics().constrainedVerifySteps()).isZero();
        }
    }

    @ParameterizedTest
    @MethodSource("families")
    void aSeedReproducesTheSampledSpeculativeTagging(TinyDecoderSpec spec) throws Exception {
        Path target = TinyInstructModels.target(dir, spec);
        try (DecoderTasks engine = DecoderTasks.open(target,
                TinyInstructModels.config().draftModel(TinyInstructModels.draft(dir, spec).toString()).build())) {
            Set<List<String>> answers = new HashSet<>();
            for (long seed = 1; seed <= 6; seed++) {
                GenerativeTagger tagger = new GenerativeTagger(engine, new TaggingOptions(LABELS, true, 1f, 1f, seed));
                Tagging first = tagger.tagging(TEXTS.get(1)).get();
                assertThat(tagger.tagging(TEXTS.get(1)).get()).as("seed %d", seed).isEqualTo(first);
                assertThat(first.labels()).extracting(LabelScore::label).isSubsetOf(LABELS).doesNotHaveDuplicates()
                        .isNotEmpty();
                assertThat(first.verifySteps()).isPositive();
                answers.add(first.labels().stream().map(LabelScore::label).toList());
            }
            assertThat(answers).as("the seeds draw different answers").hasSizeGreaterThan(1);
        }
    }

    // ---- sampled: the distribution of answers ----

    private static final int DRAWS = 8_000;
    /** Significance of the goodness-of-fit test. */
    private static final double ALPHA = 1e-4;


    /**
     * The statistical test, on the real models and the tagger's own target passes
     * ({@link ContinuationLogits#along}): Pearson's chi-square goodness of fit of {@value #DRAWS}
     * seeded speculative answers over three labels in multi-label mode (15 possible answers)
     * against the target's exact constrained answer distribution, the product of the target's
     * masked, renormalised token probabilities after temperature and top-p along each answer.
     * Significance {@value #ALPHA}: a correct decoder fails with probability 1e-4 over the choice of
     * seeds; the seeds are fixed, so each run is deterministic. Power: at these temperatures the
     * draft's own answer distribution is 0.17 to 0.45 away from the target's in total variation,
     * and the same test rejects the draft's own answers.
     */
    @ParameterizedTest
    @MethodSource("families")
    void sampledSpeculativeAnswersAreDistributedAsTheTargetsConstrainedAnswers(TinyDecoderSpec spec) throws Exception {
        Path targetDir = TinyInstructModels.target(dir, spec);
        Path draftDir = TinyInstructModels.draft(dir, spec);
        try (DecoderTasks engine = DecoderTasks.open(targetDir, TinyInstructModels.config().build());
                DecoderModel target = DecoderModel.load(targetDir, new FastDecoderOps(2));
                DecoderModel draft = DecoderModel.load(draftDir, new FastDecoderOps(2));
                PagedKvCache targetCache = new PagedKvCache(target.kvLayout(), 16, 16);
                PagedKvCache draftCache = new PagedKvCache(draft.kvLayout(), 16, 16)) {
            List<int[]> labels = new ArrayList<>();
            for (String label : List.of("sports", "politics", "science")) {
                labels.add(engine.encode(label));
            }
            LabelTrie trie = LabelTrie.builder().labels(labels).separatorToken(engine.encode(",")[0])
                    .endToken(engine.endOfTurnTokenId()).build();
            int[] prompt = engine.promptIds(List.of(ChatTemplate.Message.user(
                    "Classify the text: the league final went to extra time.")));
            ContinuationLogits targetLogits = new ContinuationLogits(target, targetCache, prompt);
            ContinuationLogits draftLogits = new ContinuationLogits(draft, draftCache, prompt);
            for (SamplingParams params : List.of(new SamplingParams(0.5f, 0, 1f, 21L, 32, List.of()),
                    new SamplingParams(0.2f, 0, 0.9f, 22L, 32, List.of()))) {
                Map<List<Integer>, Double> exact = ConstrainedAnswers.distribution(trie, targetLogits::logits, params);
                List<List<Integer>> answers = new ArrayList<>(exact.keySet());
                double[] expected = answers.stream().mapToDouble(exact::get).toArray();
                assertThat(Arrays.stream(expected).sum()).isCloseTo(1.0, within(1e-5));
                assertThat(Arrays.stream(expected).filter(e -> e > 0).min().orElseThrow() * DRAWS)
                        .as("chi-square wants at least 5 expected per cell").isGreaterThanOrEqualTo(5);
                ConstrainedSpeculativeDecoding decoding = new ConstrainedSpeculativeDecoding(trie, draftLogits::logits,
                        targetLogits::along, 4);
                SequenceRandom random = new SequenceRandom(params.seed());
                SequenceRandom draftRandom = DraftModelProposer.draftRandom(params.seed());
                long[] counts = new long[answers.size()];
                long[] draftCounts = new long[answers.size()];
                ConstrainedDecoding draftAlone = new ConstrainedDecoding(trie, draftLogits::logits);
                SequenceRandom aloneRandom = new SequenceRandom(params.seed() + 100);
                long proposed = 0;
                long accepted = 0;
                for (int draw = 0; draw < DRAWS; draw++) {
                    ConstrainedSpeculativeDecoding.Result result = decoding.generate(params, random, draftRandom);
                    counts[answers.indexOf(Arrays.stream(result.output()).boxed().toList())]++;
                    proposed += result.draftProposed();
                    accepted += result.draftAccepted();
                    draftCounts[answers.indexOf(Arrays.stream(draftAlone.generate(params, aloneRandom)).boxed()
                            .toList())]++;
                }
                assertThat(ChiSquare.pValue(counts, expected)).as("%s %s", spec.family(), params)
                        .isGreaterThan(ALPHA);
                assertThat(ChiSquare.pValue(draftCounts, expected)).as("power: the draft's own answers")
                        .isLessThan(ALPHA);
                assertThat(accepted).as("rejections and acceptances both happened").isBetween(1L, proposed - 1);
            }
        }
    }
}
