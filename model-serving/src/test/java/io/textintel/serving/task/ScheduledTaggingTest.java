package io.textintel.serving.task;

import static org.assertj.core.api.Assertions.assertThat;

import io.textintel.serving.engine.ForwardPassListener;
import io.textintel.serving.tokenizer.ChatTemplate;
import io.textintel.serving.tools.TinyDecoderSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Generative tagging as continuation requests of the generation engine, on a generated Llama
 * instruction checkpoint (random weights) with a smaller draft: a document's tags and counts do
 * not depend on what else the engine runs, a tiny KV cache (preemptions) changes nothing, tagging's
 * passes are the engine's, and a cancelled tagging leaves.
 */
class ScheduledTaggingTest {

    private static final List<String> LABELS = List.of("sports", "politics", "science", "business", "health");
    private static final List<String> SENTENCES = List.of(
            "The central bank raised rates while the league final went to extra time.",
            "Researchers measured the spin of a distant quasar with a new telescope.",
            "The minister resigned after the vote on the health budget failed.",
            "Shares of the chip maker fell as the season opener drew record crowds.",
            "A new vaccine trial enrolled thousands of volunteers across the region.");

    @TempDir
    static Path dir;

    /** 16 documents of different lengths. */
    private static List<String> documents() {
        List<String> documents = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            StringBuilder text = new StringBuilder();
            for (int j = 0; j <= i % 4; j++) {
                text.append(SENTENCES.get((i + j) % SENTENCES.size())).append(' ');
            }
            documents.add(text.toString().strip());
        }
        return documents;
    }

    static Stream<TaggingOptions> multiLabelOptions() {
        return Stream.of(TaggingOptions.greedy(LABELS, true), new TaggingOptions(LABELS, true, 0.9f, 0.95f, 1234L));
    }

    private static Path target() throws Exception {
        return TinyInstructModels.target(dir, TinyDecoderSpec.llama());
    }

    private static Path draft() throws Exception {
        return TinyInstructModels.draft(dir, TinyDecoderSpec.llama());
    }

    private static List<Tagging> alone(GenerativeTagger tagger, List<String> documents) throws Exception {
        List<Tagging> taggings = new ArrayList<>();
        for (String document : documents) {
            taggings.add(tagger.tagging(document).get(2, TimeUnit.MINUTES));
        }
        return taggings;
    }

    /** All documents at once, with chat generations among them. */
    private static List<Tagging> concurrently(DecoderTasks engine, GenerativeTagger tagger, List<String> documents)
            throws Exception {
        List<CompletableFuture<?>> generations = new ArrayList<>();
        List<CompletableFuture<Tagging>> futures = new ArrayList<>();
        for (int i = 0; i < documents.size(); i++) {
            if (i % 4 == 0) {
                generations.add(engine.chat(List.of(ChatTemplate.Message.user("Say something about "
                        + documents.get(i))), engine.samplingParams(0.7f, 1f, i, 24)));
            }
            futures.add(tagger.tagging(documents.get(i)));
        }
        List<Tagging> taggings = new ArrayList<>();
        for (CompletableFuture<Tagging> future : futures) {
            taggings.add(future.get(2, TimeUnit.MINUTES));
        }
        for (CompletableFuture<?> generation : generations) {
            generation.get(2, TimeUnit.MINUTES);
        }
        return taggings;
    }

    /**
     * The same labels, scores (no tolerance: a row's logits do not depend on the pass it was batched
     * into) and counts for every document, alone or among 16 documents and generation traffic, on
     * the usual cache and on one that holds a single full sequence (so sequences are preempted and
     * recompute their prompts).
     */
    @ParameterizedTest
    @MethodSource("multiLabelOptions")
    void speculativeMultiLabelTagsDoNotDependOnOtherTraffic(TaggingOptions options) throws Exception {
        List<String> documents = documents();
        List<Tagging> alone;
        try (DecoderTasks engine = DecoderTasks.open(target(),
                TinyInstructModels.config().draftModel(draft().toString()).build())) {
            GenerativeTagger tagger = new GenerativeTagger(engine, options);
            alone = alone(tagger, documents);
            assertThat(alone).allSatisfy(t -> assertThat(t.verifySteps()).as("speculated").isPositive());
            assertThat(concurrently(engine, tagger, documents)).isEqualTo(alone);
        }
        try (DecoderTasks engine = DecoderTasks.open(target(), TinyInstructModels.config()
                .draftModel(draft().toString()).kvBlocks(32).maxRunningSequences(8).maxBatchTokens(32).build())) {
            // 256 positions, prompts of about 190 tokens: small prefill pieces join, then preempt one another
            assertThat(concurrently(engine, new GenerativeTagger(engine, options), documents)).isEqualTo(alone);
            assertThat(engine.metrics().preemptions()).as("the cache is short for 8 sequences: %s", engine.metrics()).isPositive();
        }
    }

    @Test
    void singleLabelTagsDoNotDependOnOtherTraffic() throws Exception {
        List<String> documents = documents();
        try (DecoderTasks engine = DecoderTasks.open(target(), TinyInstructModels.config().build())) {
            GenerativeTagger tagger = new GenerativeTagger(engine, TaggingOptions.greedy(LABELS, false));
            List<Tagging> alone = alone(tagger, documents);
            assertThat(alone).allSatisfy(t -> assertThat(t.targetPasses()).isEqualTo(1 + LABELS.size()));
            assertThat(concurrently(engine, tagger, documents)).isEqualTo(alone);
        }
    }

    @Test
    void taggingPassesAreTheEnginesForwardPasses() throws Exception {
        try (DecoderTasks engine = DecoderTasks.open(target(), TinyInstructModels.config().build())) {
            AtomicInteger passes = new AtomicInteger();
            AtomicLong tokens = new AtomicLong();
            ForwardPassListener listener = (sequences, passTokens, nanos) -> {
                passes.incrementAndGet();
                tokens.addAndGet(passTokens);
            };
            engine.addListener(listener);
            GenerativeTagger tagger = new GenerativeTagger(engine, TaggingOptions.greedy(LABELS, false));
            Tagging tagging = tagger.tagging(documents().get(3)).get(2, TimeUnit.MINUTES);
            engine.removeListener(listener);
            assertThat(passes.get()).as("one pass for the prompt and one per label, alone in the engine")
                    .isEqualTo(tagging.targetPasses());
            int continuationTokens = 0;
            int[] before = new int[0];
            for (String label : LABELS) { // each label runs from where it differs from the one before
                int[] ids = engine.encode(label);
                int shared = 0;
                while (shared < Math.min(before.length, ids.length) && before[shared] == ids[shared]) {
                    shared++;
                }
                continuationTokens += ids.length - shared;
                before = ids;
            }
            assertThat(tokens.get()).as("the prompt's tokens and the labels'")
                    .isEqualTo(engine.metrics().prefillTokens() + continuationTokens);
            assertThat(engine.metrics().completed()).isEqualTo(1);
        }
    }

    @Test
    void cancelledTaggingsLeaveTheEngineAndFreeTheirBlocks() throws Exception {
        try (DecoderTasks engine = DecoderTasks.open(target(),
                TinyInstructModels.config().draftModel(draft().toString()).build())) {
            GenerativeTagger tagger = new GenerativeTagger(engine, TaggingOptions.greedy(LABELS, true));
            List<CompletableFuture<List<LabelScore>>> futures = new ArrayList<>();
            for (String document : documents()) {
                futures.add(tagger.tag(document));
            }
            futures.forEach(future -> future.cancel(false));
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
            while (engine.metrics().completed() + engine.metrics().cancelled() < futures.size()
                    && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(engine.metrics().cancelled()).as("taggings cancelled before they finished").isPositive();
            assertThat(engine.metrics().completed() + engine.metrics().cancelled()).isEqualTo(futures.size());
            assertThat(engine.metrics().running() + engine.metrics().waiting()).isZero();
            assertThat(engine.metrics().freeKvBlocks()).isEqualTo(engine.kvBlocks());
            Tagging after = tagger.tagging(documents().get(0)).get(2, TimeUnit.MINUTES);
            assertThat(after.labels()).as("the engine goes on").isNotEmpty();
        }
    }
}
