package io.textintel.serving.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.textintel.serving.kv.PagedKvCache;
import io.textintel.serving.model.SequenceChunk;
import io.textintel.serving.sampling.SamplingParams;
import io.textintel.serving.spec.Speculation;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The scheduler's choices step by step, driven by hand on the test thread. */
class GenerationSchedulerTest {

    private static final int VOCAB = 32;

    private final HashingCausalLm model = new HashingCausalLm(VOCAB, 40);

    private static CompletableFuture<GenerationResult> add(GenerationScheduler scheduler, int promptLength,
            SamplingParams params) {
        CompletableFuture<GenerationResult> future = new CompletableFuture<>();
        scheduler.add(new GenerationRequest(prompt(promptLength), params, Speculation.NONE, future,
                System.nanoTime()));
        return future;
    }

    private ScheduledStep step(GenerationScheduler scheduler, PagedKvCache cache) {
        ScheduledStep step = scheduler.schedule();
        scheduler.update(step, model.forward(step.chunks(), cache), 0);
        cache.checkInvariants();
        return step;
    }

    private static List<Integer> lengths(ScheduledStep step) {
        return step.chunks().stream().map(SequenceChunk::length).toList();
    }

    @Test
    void prefillPiecesAndDecodeStepsShareAPassUnderTheTokenBudget() {
        try (PagedKvCache cache = new PagedKvCache(HashingCausalLm.LAYOUT, 4, 16)) {
            GenerationConfig config = GenerationConfig.builder().maxBatchTokens(8).maxRunningSequences(4).build();
            GenerationScheduler scheduler = new GenerationScheduler(model, cache, config, null);
            add(scheduler, 3, SamplingParams.greedy(10, List.of()));
            assertThat(lengths(step(scheduler, cache))).containsExactly(3);
            add(scheduler, 20, SamplingParams.greedy(10, List.of()));
            ScheduledStep mixed = step(scheduler, cache);
            assertThat(lengths(mixed)).as("decode of the first, a 7-token piece of the second").containsExactly(1, 7);
            assertThat(mixed.chunks().get(0).startPosition()).isEqualTo(3);
            assertThat(mixed.chunks().get(1).startPosition()).isZero();
            assertThat(lengths(step(scheduler, cache))).containsExactly(1, 7);
            ScheduledStep last = step(scheduler, cache);
            assertThat(lengths(last)).containsExactly(1, 6);
            assertThat(last.chunks().get(1).startPosition()).isEqualTo(14);
            assertThat(lengths(step(scheduler, cache))).as("both decode").containsExactly(1, 1);
            assertThat(scheduler.metrics().prefillTokens()).isEqualTo(23);
        }
    }

    @Test
    void noMoreThanMaxRunningSequencesRun() {
        try (PagedKvCache cache = new PagedKvCache(HashingCausalLm.LAYOUT, 4, 64)) {
            GenerationConfig config = GenerationConfig.builder().maxRunningSequences(2).build();
            GenerationScheduler scheduler = new GenerationScheduler(model, cache, config, null);
            for (int i = 0; i < 5; i++) {
                add(scheduler, 2, SamplingParams.greedy(3, List.of()));
            }
            assertThat(step(scheduler, cache).chunks()).hasSize(2);
            assertThat(scheduler.metrics().waiting()).isEqualTo(3);
            step(scheduler, cache);
            step(scheduler, cache); // the first two finish after 3 tokens
            assertThat(scheduler.metrics().completed()).isEqualTo(2);
            assertThat(step(scheduler, cache).chunks()).hasSize(2);
        }
    }

    @Test
    void theNewestRunningSequenceIsPreemptedAndRecomputesLater() {
        try (PagedKvCache cache = new PagedKvCache(HashingCausalLm.LAYOUT, 4, 10)) { // 40 positions
            GenerationScheduler scheduler = new GenerationScheduler(model, cache, GenerationConfig.builder().build(),
                    null);
            CompletableFuture<GenerationResult> older = add(scheduler, 15, SamplingParams.greedy(20, List.of()));
            CompletableFuture<GenerationResult> newer = add(scheduler, 15, SamplingParams.greedy(20, List.of()));
            step(scheduler, cache);
            assertThat(cache.freeBlocks()).isEqualTo(2);
            while (scheduler.metrics().preemptions() == 0) {
                step(scheduler, cache);
            }
            assertThat(scheduler.metrics().running()).isEqualTo(1);
            assertThat(scheduler.metrics().waiting()).isEqualTo(1);
            while (scheduler.hasWork()) {
                step(scheduler, cache);
            }
            assertThat(older.join().tokens()).containsExactly(
                    model.reference(prompt(15), SamplingParams.greedy(20, List.of())).tokens());
            assertThat(newer.join().tokens()).containsExactly(older.join().tokens());
            assertThat(cache.freeBlocks()).isEqualTo(10);
        }
    }

    private static int[] prompt(int length) {
        int[] prompt = new int[length];
        for (int i = 0; i < length; i++) {
            prompt[i] = (i * 7 + length) % VOCAB;
        }
        return prompt;
    }

    @Test
    void sequencesFinishOnAStopTokenMaxTokensOrMaxLength() {
        try (PagedKvCache cache = new PagedKvCache(HashingCausalLm.LAYOUT, 4, 16)) {
            GenerationScheduler scheduler = new GenerationScheduler(model, cache, GenerationConfig.builder().build(),
                    null);
            int first = model.reference(prompt(5), SamplingParams.greedy(1, List.of())).tokens()[0];
            CompletableFuture<GenerationResult> stop = add(scheduler, 5, SamplingParams.greedy(10, List.of(first)));
            CompletableFuture<GenerationResult> tokens = add(scheduler, 6, SamplingParams.greedy(4, List.of()));
            CompletableFuture<GenerationResult> length = add(scheduler, 36, SamplingParams.greedy(30, List.of()));
            while (scheduler.hasWork()) {
                step(scheduler, cache);
            }
            assertThat(stop.join().reason()).isEqualTo(FinishReason.STOP);
            assertThat(stop.join().tokens()).containsExactly(first);
            assertThat(tokens.join().reason()).isEqualTo(FinishReason.MAX_TOKENS);
            assertThat(tokens.join().tokens()).hasSize(4);
            assertThat(length.join().reason()).isEqualTo(FinishReason.MAX_LENGTH);
            assertThat(length.join().tokens()).hasSize(40 - 36);
        }
    }

    @Test
    void aCancelledSequenceLeavesAtTheNextStepAndFreesItsBlocks() {
        try (PagedKvCache cache = new PagedKvCache(HashingCausalLm.LAYOUT, 4, 16)) {
            GenerationScheduler scheduler = new GenerationScheduler(model, cache, GenerationConfig.builder().build(),
                    null);
            CompletableFuture<GenerationResult> future = add(scheduler, 9, SamplingParams.greedy(20, List.of()));
            step(scheduler, cache);
            assertThat(cache.freeBlocks()).isEqualTo(13);
            future.cancel(false);
            assertThat(scheduler.schedule().isEmpty()).isTrue();
            assertThat(cache.freeBlocks()).isEqualTo(16);
            assertThat(scheduler.metrics().cancelled()).isEqualTo(1);
            assertThat(scheduler.hasWork()).isFalse();
        }
    }

    @Test
    void refusesACacheThatCannotHoldOneFullSequence() {
        try (PagedKvCache cache = new PagedKvCache(HashingCausalLm.LAYOUT, 4, 9)) {
            assertThatThrownBy(() -> new GenerationScheduler(model, cache, GenerationConfig.builder().build(), null))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("holds 36 positions").hasMessageContaining("maximum sequence length 40");
        }
    }

    @Test
    void rejectsLogitsOfTheWrongShape() {
        try (PagedKvCache cache = new PagedKvCache(HashingCausalLm.LAYOUT, 4, 16)) {
            GenerationScheduler scheduler = new GenerationScheduler(model, cache, GenerationConfig.builder().build(),
                    null);
            add(scheduler, 3, SamplingParams.greedy(2, List.of()));
            ScheduledStep step = scheduler.schedule();
            assertThatThrownBy(() -> scheduler.update(step, new float[2][VOCAB], 0))
                    .hasMessageContaining("2 logit rows").hasMessageContaining("expected 1 rows");
            assertThatThrownBy(() -> scheduler.update(step, new float[1][5], 0))
                    .hasMessageContaining("5 entries, expected vocabSize 32");
        }
    }
}
