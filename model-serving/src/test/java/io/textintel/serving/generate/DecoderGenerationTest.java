package io.textintel.serving.generate;

import static org.assertj.core.api.Assertions.assertThat;

import io.textintel.serving.backend.cpu.FastDecoderOps;
import io.textintel.serving.kv.PagedKvCache;
import io.textintel.serving.model.decoder.DecoderModel;
import io.textintel.serving.sampling.SamplingParams;
import io.textintel.serving.spec.DraftModelProposer;
import io.textintel.serving.spec.DraftProposer;
import io.textintel.serving.spec.PromptLookupProposer;
import io.textintel.serving.spec.Speculation;
import io.textintel.serving.tools.TinyDecoderSpec;
import io.textintel.serving.tools.TinyModelGenerator;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/**
 * The generation engine on real decoder checkpoints (generated Llama and Qwen2): continuous batching
 * and greedy speculative decoding (prompt lookup, and a draft model) give token for token what plain
 * one-at-a-time greedy decoding gives. Exact equality, no tolerance: greedy decoding is deterministic
 * and every path runs the same forward pass code.
 */
class DecoderGenerationTest {

    private static final int NEW_TOKENS = 24;

    /** Draft tokens the last engine of {@link #assertSpeculationMatches} accepted. */
    private static long lastAccepted;

    @TempDir
    static Path dir;

    static Stream<TinyDecoderSpec> families() {
        return Stream.of(TinyDecoderSpec.llama(), TinyDecoderSpec.qwen2());
    }

    /** Prompts with repeated n-grams, so that prompt lookup has something to propose. */
    private static List<int[]> prompts(int vocab) {
        Random random = new Random(3);
        List<int[]> prompts = new ArrayList<>();
        for (int p = 0; p < 6; p++) {
            int[] phrase = random.ints(5 + p, 10, vocab).toArray();
            int[] prompt = new int[phrase.length * 3];
            for (int r = 0; r < 3; r++) {
                System.arraycopy(phrase, 0, prompt, r * phrase.length, phrase.length);
            }
            prompts.add(prompt);
        }
        return prompts;
    }

    private static GenerationConfig config(int running) {
        return GenerationConfig.builder().maxRunningSequences(running).maxBatchTokens(256).kvBlockSize(8)
                .kvBlocks(256).maxDraftTokens(4).build();
    }

    private static List<int[]> generate(GenerationEngine engine, List<int[]> prompts, Speculation speculation)
            throws Exception {
        SamplingParams greedy = SamplingParams.greedy(NEW_TOKENS, List.of());
        List<CompletableFuture<GenerationResult>> futures = new ArrayList<>();
        for (int[] prompt : prompts) {
            futures.add(engine.generate(prompt, greedy, speculation));
        }
        List<int[]> out = new ArrayList<>();
        for (CompletableFuture<GenerationResult> future : futures) {
            out.add(future.get().tokens());
        }
        return out;
    }

    private static List<int[]> oneAtATime(GenerationEngine engine, List<int[]> prompts) throws Exception {
        List<int[]> out = new ArrayList<>();
        for (int[] prompt : prompts) {
            out.add(generate(engine, List.of(prompt), Speculation.NONE).get(0));
        }
        return out;
    }

    @ParameterizedTest
    @MethodSource("families")
    void batchedAndSpeculativeGreedyDecodingEqualPlainGreedyDecoding(TinyDecoderSpec spec) throws Exception {
        Path target = TinyModelGenerator.writeDecoder(dir.resolve(spec.family() + "-target"), spec);
        Path otherDraft = TinyModelGenerator.writeDecoder(dir.resolve(spec.family() + "-draft"),
                spec.withSizes(32, 1, 2, 1, 64).withSeed(99));
        try (DecoderModel model = DecoderModel.load(target, new FastDecoderOps(2))) {
            List<int[]> prompts = prompts(model.vocabSize());
            List<int[]> expected;
            try (GenerationEngine plain = new GenerationEngine("plain", model, config(1))) {
                expected = oneAtATime(plain, prompts);
            }
            assertThat(expected).allSatisfy(tokens -> assertThat(tokens).hasSize(NEW_TOKENS));

            try (GenerationEngine batched = new GenerationEngine("batched", model, config(8))) {
                assertThat(generate(batched, prompts, Speculation.NONE)).as("continuous batching")
                        .containsExactlyElementsOf(expected);
            }
            assertSpeculationMatches(model, new PromptLookupProposer(1, 3), prompts, expected, "prompt lookup");
            // The target as its own draft: every proposal is accepted, so the bonus-token path is exercised.
            try (DecoderModel self = DecoderModel.load(target, new FastDecoderOps(1));
                    PagedKvCache cache = new PagedKvCache(self.kvLayout(), 8, 256)) {
                assertSpeculationMatches(model, new DraftModelProposer(self, cache), prompts, expected, "self draft");
                assertThat(lastAccepted).as("a draft equal to the target has its proposals accepted").isPositive();
            }
            // A smaller, differently initialised draft: mostly rejected proposals.
            try (DecoderModel small = DecoderModel.load(otherDraft, new FastDecoderOps(1));
                    PagedKvCache cache = new PagedKvCache(small.kvLayout(), 8, 256)) {
                assertSpeculationMatches(model, new DraftModelProposer(small, cache), prompts, expected, "small draft");
            }
        }
    }

    private static void assertSpeculationMatches(DecoderModel model, DraftProposer proposer, List<int[]> prompts,
            List<int[]> expected, String what) throws Exception {
        for (int running : new int[] {1, 4}) {
            try (GenerationEngine engine = new GenerationEngine(what, model, config(running), proposer)) {
                assertThat(generate(engine, prompts, engine.speculation())).as("%s at batch %d", what, running)
                        .containsExactlyElementsOf(expected);
                assertThat(engine.metrics().draftProposed()).as("%s proposed tokens", what).isPositive();
                lastAccepted = engine.metrics().draftAccepted();
            }
        }
    }
}
