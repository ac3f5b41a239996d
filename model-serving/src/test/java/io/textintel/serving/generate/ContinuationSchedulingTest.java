package io.textintel.serving.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.textintel.serving.kv.PagedKvCache;
import io.textintel.serving.model.SequenceChunk;
import io.textintel.serving.sampling.SamplingParams;
import io.textintel.serving.spec.Speculation;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/**
 * Continuation requests in the scheduler, driven by hand: their entries beside generation entries,
 * the rows their drivers get (checked against the fake model's logits of the whole context, which
 * it reads back from the KV cache, so a wrong roll-back or a lost position changes them), chunking,
 * preemption, cancellation and failure.
 */
class ContinuationSchedulingTest {

    private static final int VOCAB = 32;

    private final HashingCausalLm model = new HashingCausalLm(VOCAB, 40);

    /** Asks for a fixed list of continuations and keeps every row it is given, by prefix. */
    private static final class ScriptedDriver implements ContinuationDriver<Map<List<Integer>, float[]>> {

        final Deque<int[]> script;
        final Map<List<Integer>, float[]> rows = new HashMap<>();
        final List<String> deliveries = new ArrayList<>(); // "continuation from" as handed over
        int closed;

        ScriptedDriver(int[]... continuations) {
            this.script = new ArrayDeque<>(Arrays.asList(continuations));
        }

        @Override
        public void accept(int[] continuation, int fromPrefix, float[][] given) {
            deliveries.add(Arrays.toString(continuation) + " from " + fromPrefix);
            for (int i = 0; i < given.length; i++) {
                rows.put(key(continuation, fromPrefix + i), given[i]);
            }
        }

        @Override
        public int[] next() {
            return script.pollFirst();
        }

        @Override
        public Map<List<Integer>, float[]> result() {
            return rows;
        }

        @Override
        public void close() {
            closed++;
        }
    }

    private static List<Integer> key(int[] tokens, int length) {
        return Arrays.stream(tokens, 0, length).boxed().toList();
    }

    private static CompletableFuture<Map<List<Integer>, float[]>> add(GenerationScheduler scheduler, int[] prompt,
            ScriptedDriver driver) {
        CompletableFuture<Map<List<Integer>, float[]>> future = new CompletableFuture<>();
        scheduler.add(new ContinuationRequest<>(prompt, driver, future, System.nanoTime()));
        return future;
    }

    private static CompletableFuture<GenerationResult> generate(GenerationScheduler scheduler, int[] prompt,
            int maxNewTokens) {
        CompletableFuture<GenerationResult> future = new CompletableFuture<>();
        scheduler.add(new GenerationRequest(prompt, SamplingParams.greedy(maxNewTokens, List.of()), Speculation.NONE,
                future, System.nanoTime()));
        return future;
    }

    private ScheduledStep step(GenerationScheduler scheduler, PagedKvCache cache) {
        ScheduledStep step = scheduler.schedule();
        scheduler.update(step, model.forward(step.chunks(), cache), 0);
        cache.checkInvariants();
        return step;
    }

    private void runToEnd(GenerationScheduler scheduler, PagedKvCache cache) {
        while (scheduler.hasWork()) {
            step(scheduler, cache);
        }
    }

    private static int[] prompt(int length) {
        int[] prompt = new int[length];
        for (int i = 0; i < length; i++) {
            prompt[i] = (i * 5 + length) % VOCAB;
        }
        return prompt;
    }

    /** Every row the driver got is the model's logits after the prompt and that prefix. */
    private void assertRowsAreTheModels(int[] prompt, Map<List<Integer>, float[]> rows) {
        assertThat(rows).isNotEmpty();
        for (Map.Entry<List<Integer>, float[]> row : rows.entrySet()) {
            int[] context = Arrays.copyOf(prompt, prompt.length + row.getKey().size());
            for (int i = 0; i < row.getKey().size(); i++) {
                context[prompt.length + i] = row.getKey().get(i);
            }
            assertThat(row.getValue()).as("row after prefix %s", row.getKey()).containsExactly(model.logitsFor(context));
        }
    }

    @Test
    void aContinuationAndAGenerationShareAStep() {
        try (PagedKvCache cache = new PagedKvCache(HashingCausalLm.LAYOUT, 4, 16)) {
            GenerationConfig config = GenerationConfig.builder().maxBatchTokens(16).maxRunningSequences(4).build();
            GenerationScheduler scheduler = new GenerationScheduler(model, cache, config, null);
            CompletableFuture<GenerationResult> generation = generate(scheduler, prompt(3), 6);
            step(scheduler, cache);
            int[] tagPrompt = prompt(5);
            ScriptedDriver driver = new ScriptedDriver(new int[] {4, 9, 2});
            CompletableFuture<Map<List<Integer>, float[]>> rows = add(scheduler, tagPrompt, driver);
            ScheduledStep mixed = step(scheduler, cache);
            assertThat(mixed.entries()).extracting(ScheduledStep.Entry::continuation).containsExactly(false, true);
            assertThat(mixed.entries().get(1).prefill()).as("the continuation request's prompt").isTrue();
            ScheduledStep next = step(scheduler, cache);
            assertThat(next.entries()).extracting(ScheduledStep.Entry::continuation).containsExactly(false, true);
            ScheduledStep.Entry continuation = next.entries().get(1);
            assertThat(continuation.prefill()).isFalse();
            assertThat(continuation.samples()).isFalse();
            assertThat(continuation.chunk().tokens()).containsExactly(4, 9, 2);
            assertThat(continuation.chunk().startPosition()).isEqualTo(5);
            assertThat(continuation.chunk().logitRows()).as("a row per token").isEqualTo(3);
            assertThat(rows).isCompleted();
            assertThat(driver.deliveries).containsExactly("[] from 0", "[4, 9, 2] from 1");
            assertRowsAreTheModels(tagPrompt, rows.join());
            assertThat(rows.join()).containsOnlyKeys(List.of(), List.of(4), List.of(4, 9), List.of(4, 9, 2));
            assertThat(driver.closed).isEqualTo(1);
            runToEnd(scheduler, cache);
            assertThat(generation.join().tokens())
                    .containsExactly(model.reference(prompt(3), SamplingParams.greedy(6, List.of())).tokens());
            assertThat(scheduler.metrics().completed()).isEqualTo(2);
            assertThat(cache.freeBlocks()).isEqualTo(16);
        }
    }

    @Test
    void aNextContinuationRunsOnlyWhatItDoesNotShareWithTheCachedOne() {
        try (PagedKvCache cache = new PagedKvCache(HashingCausalLm.LAYOUT, 4, 16)) {
            GenerationScheduler scheduler = new GenerationScheduler(model, cache, GenerationConfig.builder().build(),
                    null);
            int[] tagPrompt = prompt(6);
            ScriptedDriver driver = new ScriptedDriver(new int[] {1, 2, 3, 4, 5}, new int[] {1, 2, 7}, new int[] {8});
            CompletableFuture<Map<List<Integer>, float[]>> rows = add(scheduler, tagPrompt, driver);
            step(scheduler, cache); // the prompt
            assertThat(step(scheduler, cache).chunks().get(0).length()).isEqualTo(5);
            SequenceChunk rolledBack = step(scheduler, cache).chunks().get(0);
            assertThat(rolledBack.tokens()).as("after the shared 1, 2").containsExactly(7);
            assertThat(rolledBack.startPosition()).isEqualTo(6 + 2);
            SequenceChunk other = step(scheduler, cache).chunks().get(0);
            assertThat(other.tokens()).containsExactly(8);
            assertThat(other.startPosition()).isEqualTo(6);
            assertThat(scheduler.hasWork()).isFalse();
            assertThat(driver.deliveries).containsExactly("[] from 0", "[1, 2, 3, 4, 5] from 1", "[1, 2, 7] from 3",
                    "[8] from 1");
            assertRowsAreTheModels(tagPrompt, rows.join());
            assertThat(rows.join()).hasSize(1 + 5 + 1 + 1);
        }
    }

    @Test
    void aContinuationLongerThanTheBudgetRunsInPiecesAndIsHandedOverOnce() {
        try (PagedKvCache cache = new PagedKvCache(HashingCausalLm.LAYOUT, 4, 16)) {
            GenerationConfig config = GenerationConfig.builder().maxBatchTokens(4).build();
            GenerationScheduler scheduler = new GenerationScheduler(model, cache, config, null);
            int[] tagPrompt = prompt(7);
            int[] longOne = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3};
            ScriptedDriver driver = new ScriptedDriver(longOne);
            CompletableFuture<Map<List<Integer>, float[]>> rows = add(scheduler, tagPrompt, driver);
            List<Integer> lengths = new ArrayList<>();
            while (scheduler.hasWork()) {
                lengths.add(step(scheduler, cache).tokens());
            }
            assertThat(lengths).as("prompt 4 + 3, continuation 4 + 4 + 2").containsExactly(4, 3, 4, 4, 2);
            assertThat(driver.deliveries).containsExactly("[] from 0", Arrays.toString(longOne) + " from 1");
            assertRowsAreTheModels(tagPrompt, rows.join());
            assertThat(rows.join()).hasSize(11);
            assertThat(scheduler.metrics().prefillTokens()).isEqualTo(7);
        }
    }

    @Test
    void aPreemptedContinuationSequenceRecomputesItsPromptAndGivesTheSameRows() {
        int[] tagPrompt = prompt(14);
        int[][] script = {{1, 2, 3, 4, 5, 6, 7, 8}, {1, 2, 9, 9, 9, 9, 9, 9, 9, 9}, {3}};
        Map<List<Integer>, float[]> alone;
        try (PagedKvCache cache = new PagedKvCache(HashingCausalLm.LAYOUT, 4, 16)) {
            GenerationScheduler scheduler = new GenerationScheduler(model, cache, GenerationConfig.builder().build(),
                    null);
            CompletableFuture<Map<List<Integer>, float[]>> rows = add(scheduler, tagPrompt, new ScriptedDriver(script));
            runToEnd(scheduler, cache);
            alone = rows.join();
        }
        try (PagedKvCache cache = new PagedKvCache(HashingCausalLm.LAYOUT, 4, 10)) { // 40 positions: one full sequence
            GenerationScheduler scheduler = new GenerationScheduler(model, cache, GenerationConfig.builder().build(),
                    null);
            CompletableFuture<GenerationResult> older = generate(scheduler, prompt(15), 20);
            ScriptedDriver driver = new ScriptedDriver(script);
            CompletableFuture<Map<List<Integer>, float[]>> rows = add(scheduler, tagPrompt, driver);
            runToEnd(scheduler, cache);
            assertThat(scheduler.metrics().preemptions()).as("the continuation sequence, the newest").isPositive();
            assertThat(driver.deliveries.get(0)).isEqualTo("[] from 0");
            assertThat(driver.deliveries.stream().filter("[] from 0"::equals)).as("the prompt's row once").hasSize(1);
            assertRowsAreTheModels(tagPrompt, rows.join());
            assertThat(rows.join().keySet()).isEqualTo(alone.keySet());
            assertThat(older.join().tokens())
                    .containsExactly(model.reference(prompt(15), SamplingParams.greedy(20, List.of())).tokens());
            assertThat(driver.closed).isEqualTo(1);
            assertThat(cache.freeBlocks()).isEqualTo(10);
        }
    }

    @Test
    void aCancelledContinuationRequestLeavesFreesItsBlocksAndClosesItsDriver() {
        try (PagedKvCache cache = new PagedKvCache(HashingCausalLm.LAYOUT, 4, 16)) {
            GenerationScheduler scheduler = new GenerationScheduler(model, cache, GenerationConfig.builder().build(),
                    null);
            ScriptedDriver driver = new ScriptedDriver(new int[] {1, 2}, new int[] {3, 4});
            CompletableFuture<Map<List<Integer>, float[]>> rows = add(scheduler, prompt(9), driver);
            step(scheduler, cache);
            assertThat(cache.freeBlocks()).isEqualTo(13);
            rows.cancel(false);
            assertThat(scheduler.schedule().isEmpty()).isTrue();
            cache.checkInvariants();
            assertThat(cache.freeBlocks()).isEqualTo(16);
            assertThat(driver.closed).isEqualTo(1);
            assertThat(scheduler.metrics().cancelled()).isEqualTo(1);
            assertThat(scheduler.hasWork()).isFalse();
        }
    }

    @Test
    void aDriverThatThrowsFailsItsOwnRequestOnly() {
        try (PagedKvCache cache = new PagedKvCache(HashingCausalLm.LAYOUT, 4, 16)) {
            GenerationScheduler scheduler = new GenerationScheduler(model, cache, GenerationConfig.builder().build(),
                    null);
            CompletableFuture<GenerationResult> generation = generate(scheduler, prompt(4), 5);
            ScriptedDriver driver = new ScriptedDriver(new int[] {1, VOCAB}); // a token outside the vocabulary
            CompletableFuture<Map<List<Integer>, float[]>> rows = add(scheduler, prompt(6), driver);
            runToEnd(scheduler, cache);
            assertThatThrownBy(rows::join).isInstanceOf(CompletionException.class)
                    .hasCauseInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("token id " + VOCAB + " at position 1 is outside the vocabulary");
            assertThat(generation.join().tokens()).hasSize(5);
            assertThat(driver.closed).isEqualTo(1);
            assertThat(scheduler.metrics().failed()).isEqualTo(1);
            assertThat(cache.freeBlocks()).isEqualTo(16);
        }
    }

    @Test
    void refusesAContinuationPastTheModelsLengthAndAnEmptyOne() {
        try (PagedKvCache cache = new PagedKvCache(HashingCausalLm.LAYOUT, 4, 16)) {
            GenerationScheduler scheduler = new GenerationScheduler(model, cache, GenerationConfig.builder().build(),
                    null);
            CompletableFuture<Map<List<Integer>, float[]>> tooLong = add(scheduler, prompt(35), new ScriptedDriver(
                    new int[] {1, 2, 3, 4, 5, 6}));
            CompletableFuture<Map<List<Integer>, float[]>> empty = add(scheduler, prompt(3), new ScriptedDriver(
                    new int[0]));
            runToEnd(scheduler, cache);
            assertThatThrownBy(tooLong::join).hasMessageContaining("continuation of 6 tokens after a prompt of 35"
                    + " exceeds the model's maximum sequence length 40");
            assertThatThrownBy(empty::join).hasMessageContaining("asked for the empty continuation");
            assertThatThrownBy(() -> add(scheduler, new int[0], new ScriptedDriver()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("prompt is empty");
        }
    }

    @Test
    void aContinuationEntryNeverSamplesAndWantsARowPerContinuationToken() {
        ContinuationSequence sequence = new ContinuationSequence(3, new ContinuationRequest<>(prompt(4),
                new ScriptedDriver(), new CompletableFuture<>(), 0), 40, VOCAB);
        ScheduledStep.Entry prompt = ScheduledStep.Entry.continuation(sequence,
                new SequenceChunk(3, prompt(4), 0, 1), true);
        assertThat(prompt.continuation()).isTrue();
        assertThat(prompt.prefill()).isTrue();
        assertThat(prompt.samples()).isFalse();
        assertThat(prompt.proposal()).isNull();
        assertThat(prompt.draftLength()).isEqualTo(-1);
        ScheduledStep.Entry tokens = ScheduledStep.Entry.continuation(sequence,
                new SequenceChunk(3, new int[] {5, 6}, 4, 2), false);
        assertThat(tokens.prefill()).isFalse();
        assertThat(tokens.samples()).isFalse();
        assertThat(new ScheduledStep(List.of(prompt, tokens)).logitRows()).isEqualTo(3);
        assertThatThrownBy(() -> ScheduledStep.Entry.continuation(sequence,
                new SequenceChunk(3, new int[] {5, 6}, 4, 1), false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected one per token (2)");
    }
}
