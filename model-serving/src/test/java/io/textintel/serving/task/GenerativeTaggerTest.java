package io.textintel.serving.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.textintel.serving.backend.cpu.ScalarDecoderOps;
import io.textintel.serving.kv.PagedKvCache;
import io.textintel.serving.model.SequenceChunk;
import io.textintel.serving.model.decoder.DecoderModel;
import io.textintel.serving.sampling.ConstrainedDecoding;
import io.textintel.serving.sampling.LabelScores;
import io.textintel.serving.sampling.LabelTrie;
import io.textintel.serving.tokenizer.ChatTemplate;
import io.textintel.serving.tools.TinyDecoderSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Generative tagging on generated Llama and Qwen2 instruction checkpoints (random weights). */
class GenerativeTaggerTest {

    private static final List<String> LABELS = List.of("sports", "politics", "science", "business news");
    private static final String TEXT = "The central bank raised rates while the league final went to extra time.";

    @TempDir
    static Path dir;

    static Stream<TinyDecoderSpec> families() {
        return Stream.of(TinyDecoderSpec.llama(), TinyDecoderSpec.qwen2());
    }

    @ParameterizedTest
    @MethodSource("families")
    void singleLabelScoresEveryLabelWithSharesSummingToOne(TinyDecoderSpec spec) throws Exception {
        try (DecoderTasks engine = DecoderTasks.open(TinyInstructModels.target(dir, spec),
                TinyInstructModels.config().build())) {
            GenerativeTagger tagger = new GenerativeTagger(engine, TaggingOptions.greedy(LABELS, false));
            List<LabelScore> scores = tagger.tag(TEXT).get();
            assertThat(scores).extracting(LabelScore::label).containsExactlyInAnyOrderElementsOf(LABELS);
            assertThat(scores).allSatisfy(s -> assertThat(s.probability()).isBetween(0.0, 1.0));
            assertThat(scores.stream().mapToDouble(LabelScore::probability).sum()).as("shares, to rounding")
                    .isCloseTo(1.0, within(1e-9));
            assertThat(scores).extracting(LabelScore::probability).isSortedAccordingTo((a, b) -> Double.compare(b, a));
            assertThat(tagger.tag(TEXT).get()).as("deterministic").isEqualTo(scores);
        }
    }

    @ParameterizedTest
    @MethodSource("families")
    void multiLabelNamesOnlyConfiguredLabelsWithProbabilitiesSummingToAtMostOne(TinyDecoderSpec spec)
            throws Exception {
        try (DecoderTasks engine = DecoderTasks.open(TinyInstructModels.target(dir, spec),
                TinyInstructModels.config().build())) {
            for (TaggingOptions options : List.of(TaggingOptions.greedy(LABELS, true),
                    new TaggingOptions(LABELS, true, 1.5f, 1f, 99L))) {
                GenerativeTagger tagger = new GenerativeTagger(engine, options);
                List<LabelScore> scores = tagger.tag(TEXT).get();
                assertThat(scores).isNotEmpty().extracting(LabelScore::label).doesNotHaveDuplicates()
                        .isSubsetOf(LABELS);
                assertThat(scores).allSatisfy(s -> assertThat(s.probability()).isBetween(0.0, 1.0));
                assertThat(scores.stream().mapToDouble(LabelScore::probability).sum()).isLessThanOrEqualTo(1.0);
                assertThat(tagger.tag(TEXT).get()).as("same seed, same labels").isEqualTo(scores);
            }
        }
    }

    /**
     * The one-pass-per-label scoring against the plain definition: the reference model run from
     * scratch on prompt + prefix for every prefix. Tolerance 1e-6 on probabilities: the fast and
     * the reference ops differ in summation order only.
     */
    @Test
    void labelProbabilitiesEqualTheModelsOwnRunFromScratch() throws Exception {
        Path model = TinyInstructModels.target(dir, TinyDecoderSpec.qwen2());
        try (DecoderTasks engine = DecoderTasks.open(model, TinyInstructModels.config().build());
                DecoderModel reference = DecoderModel.load(model, new ScalarDecoderOps())) {
            GenerativeTagger tagger = new GenerativeTagger(engine, TaggingOptions.greedy(LABELS, false));
            List<LabelScore> scores = tagger.tag(TEXT).get();

            int[] prompt = engine.promptIds(List.of(ChatTemplate.Message.system(GenerativeTagger.SYSTEM),
                    ChatTemplate.Message.user("Classify the text below into exactly one of these labels: "
                            + String.join(", ", LABELS) + ".\nAnswer with the label only.\n\nText:\n" + TEXT)));
            List<int[]> labelIds = new ArrayList<>();
            LABELS.forEach(label -> labelIds.add(engine.encode(label)));
            LabelTrie trie = LabelTrie.builder().labels(labelIds).endToken(engine.endOfTurnTokenId()).build();
            LabelScores expected = new ConstrainedDecoding(trie, prefix -> {
                int[] tokens = new int[prompt.length + prefix.length];
                System.arraycopy(prompt, 0, tokens, 0, prompt.length);
                System.arraycopy(prefix, 0, tokens, prompt.length, prefix.length);
                try (PagedKvCache cache = new PagedKvCache(reference.kvLayout(), 16, 32)) {
                    cache.reserve(1, tokens.length);
                    return reference.forward(List.of(new SequenceChunk(1, tokens, 0, 1)), cache)[0];
                }
            }).score();
            for (LabelScore score : scores) {
                assertThat(score.probability()).as(score.label())
                        .isCloseTo(expected.share(LABELS.indexOf(score.label())), within(1e-6));
            }
        }
    }

    @Test
    void labelsThatCannotBeToldApartAreRefused() throws Exception {
        try (DecoderTasks engine = DecoderTasks.open(TinyInstructModels.target(dir, TinyDecoderSpec.llama()),
                TinyInstructModels.config().build())) {
            assertThatThrownBy(() -> new GenerativeTagger(engine, TaggingOptions.greedy(List.of("a,b", "c"), true)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("no label may contain ','");
            assertThatThrownBy(() -> TaggingOptions.greedy(List.of("x", "x"), false))
                    .hasMessageContaining("label 'x' appears twice");
        }
    }
}
