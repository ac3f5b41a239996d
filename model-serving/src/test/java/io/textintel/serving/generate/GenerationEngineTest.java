package io.textintel.serving.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.textintel.serving.engine.EngineException;
import io.textintel.serving.sampling.SamplingParams;
import io.textintel.serving.spec.Speculation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * The engine against a fake model whose logits hash the context read back from the KV cache, so
 * any cache or scheduling mistake changes tokens. Expected tokens come from a plain loop without
 * cache or scheduler ({@link HashingCausalLm#reference}); comparisons are exact.
 */
class GenerationEngineTest {

    private static final int VOCAB = 64;

    /** A request and the tokens it must produce. */
    private record Case(int[] prompt, SamplingParams params) {}

    private static List<Case> cases(int count, long seed, boolean greedyOnly, int maxPrompt, int maxNew) {
        Random random = new Random(seed);
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int[] prompt = new int[1 + random.nextInt(maxPrompt)];
            for (int j = 0; j < prompt.length; j++) {
                prompt[j] = random.nextInt(VOCAB);
            }
            int newTokens = 1 + random.nextInt(maxNew);
            List<Integer> stop = i % 3 == 0 ? List.of(random.nextInt(VOCAB), random.nextInt(VOCAB)) : List.of();
            SamplingParams params = greedyOnly || i % 2 == 0 ? SamplingParams.greedy(newTokens, stop)
                    : new SamplingParams(0.8f, i % 4 == 1 ? 10 : 0, i % 4 == 3 ? 0.9f : 1f, seed * 1000 + i,
                            newTokens, stop);
            cases.add(new Case(prompt, params));
        }
        return cases;
    }

    private static void assertMatchesReference(HashingCausalLm model, List<Case> cases,
            List<CompletableFuture<GenerationResult>> futures) throws Exception {
        for (int i = 0; i < cases.size(); i++) {
            Case c = cases.get(i);
            GenerationResult result = futures.get(i).get(30, TimeUnit.SECONDS);
            HashingCausalLm.GenerationResultTokens expected = model.reference(c.prompt(), c.params());
            assertThat(result.tokens()).as("tokens of request %d", i).containsExactly(expected.tokens());
            assertThat(result.reason()).as("finish reason of request %d", i).isEqualTo(expected.reason());
            assertThat(result.promptTokens()).isEqualTo(c.prompt().length);
        }
    }

    private static GenerationConfig.Builder config() {
        return GenerationConfig.builder().kvBlockSize(4).kvBlocks(64).maxDraftTokens(4);
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waiting for " + what).isLessThan(deadline);
            Thread.sleep(5);
        }
    }

    @Test
    void oneAtATimeMatchesThePlainLoop() throws Exception {
        HashingCausalLm model = new HashingCausalLm(VOCAB, 96);
        List<Case> cases = cases(12, 1, false, 40, 30);
        try (GenerationEngine engine = new GenerationEngine("fake", model, config().maxRunningSequences(1).build())) {
            List<CompletableFuture<GenerationResult>> futures = new ArrayList<>();
            for (Case c : cases) {
                CompletableFuture<GenerationResult> future = engine.generate(c.prompt(), c.params());
                future.get(30, TimeUnit.SECONDS);
                futures.add(future);
            }
            assertMatchesReference(model, cases, futures);
        }
        assertThat(model.mostChunksInAPass.get()).isEqualTo(1);
    }

    @Test
    void continuousBatchingWithChunkedPrefillGivesTheSameTokens() throws Exception {
        HashingCausalLm model = new HashingCausalLm(VOCAB, 96, 200_000, -1);
        List<Case> cases = cases(32, 2, false, 40, 30);
        GenerationConfig config = config().maxRunningSequences(8).maxBatchTokens(16).build();
        try (GenerationEngine engine = new GenerationEngine("fake", model, config)) {
            List<CompletableFuture<GenerationResult>> futures = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                futures.add(engine.generate(cases.get(i).prompt(), cases.get(i).params()));
            }
            futures.get(0).get(30, TimeUnit.SECONDS); // the rest arrive while the first wave runs
            for (int i = 16; i < cases.size(); i++) {
                futures.add(engine.generate(cases.get(i).prompt(), cases.get(i).params()));
            }
            assertMatchesReference(model, cases, futures);
            GenerationMetrics metrics = engine.metrics();
            assertThat(metrics.completed()).isEqualTo(cases.size());
            assertThat(metrics.freeKvBlocks()).isEqualTo(config.kvBlocks());
            assertThat(metrics.steps()).isLessThan(metrics.generatedTokens());
        }
        assertThat(model.mostChunksInAPass.get()).as("sequences shared passes").isGreaterThan(1);
        assertThat(model.mixedPasses.get()).as("prefill pieces beside decode steps").isPositive();
    }

    @Test
    void preemptionUnderATinyCacheGivesTheSameTokens() throws Exception {
        // Passes of 2 ms: all twelve requests are queued before the first pass ends, so eight run at once and the
        // cache must preempt, however fast the scheduler thread is against the submitting one.
        HashingCausalLm model = new HashingCausalLm(VOCAB, 48, TimeUnit.MILLISECONDS.toNanos(2), -1);
        List<Case> cases = cases(12, 3, false, 16, 30);
        GenerationConfig config = config().kvBlocks(12).maxRunningSequences(8).maxBatchTokens(32).build();
        try (GenerationEngine engine = new GenerationEngine("fake", model, config)) {
            List<CompletableFuture<GenerationResult>> futures = new ArrayList<>();
            for (Case c : cases) {
                futures.add(engine.generate(c.prompt(), c.params()));
            }
            assertMatchesReference(model, cases, futures);
            assertThat(engine.metrics().preemptions()).as("12 blocks of 4 cannot hold 8 sequences").isPositive();
            assertThat(engine.metrics().freeKvBlocks()).isEqualTo(12);
        }
    }

    @ParameterizedTest(name = "batch size {0}")
    @ValueSource(ints = {1, 4, 16})
    void greedySpeculativeDecodingGivesThePlainGreedyTokens(int batchSize) throws Exception {
        HashingCausalLm model = new HashingCausalLm(VOCAB, 96);
        CoinFlipProposer proposer = new CoinFlipProposer(model, 0.5, batchSize);
        List<Case> cases = cases(16, 4, true, 30, 40);
        GenerationConfig config = config().maxRunningSequences(batchSize).maxBatchTokens(64).build();
        try (GenerationEngine engine = new GenerationEngine("fake", model, config, proposer)) {
            List<CompletableFuture<GenerationResult>> futures = new ArrayList<>();
            for (Case c : cases) {
                futures.add(engine.generate(c.prompt(), c.params()));
            }
            assertMatchesReference(model, cases, futures);
            GenerationMetrics metrics = engine.metrics();
            assertThat(metrics.draftAccepted()).isPositive().isLessThan(metrics.draftProposed());
            assertThat(metrics.acceptanceRate()).isBetween(0.05, 0.95);
            long proposed = 0;
            long accepted = 0;
            long verifySteps = 0;
            for (CompletableFuture<GenerationResult> future : futures) {
                proposed += future.get().draftProposed();
                accepted += future.get().draftAccepted();
                verifySteps += future.get().verifySteps();
                assertThat(future.get().verifySteps()).as("a verify step checks at least one draft token")
                        .isBetween(future.get().draftProposed() > 0 ? 1 : 0, future.get().draftProposed());
            }
            assertThat(proposed).isEqualTo(metrics.draftProposed());
            assertThat(accepted).isEqualTo(metrics.draftAccepted());
            assertThat(verifySteps).as("each request counts its own verify steps").isEqualTo(metrics.verifySteps());
            assertThat(metrics.steps()).as("accepted drafts save steps").isLessThan(metrics.generatedTokens());
            assertThat(metrics.freeKvBlocks()).isEqualTo(config.kvBlocks());
        }
        assertThat(proposer.released).as("every speculating sequence released").isEqualTo(proposer.proposedFor);
        if (batchSize > 1) {
            assertThat(model.mostChunksInAPass.get()).isGreaterThan(1);
        }
    }

    @Test
    void speculationOffPerRequestNeverAsksTheProposer() throws Exception {
        HashingCausalLm model = new HashingCausalLm(VOCAB, 96);
        CoinFlipProposer proposer = new CoinFlipProposer(model, 0.5, 1);
        try (GenerationEngine engine = new GenerationEngine("fake", model, config().build(), proposer)) {
            Case c = cases(1, 5, true, 10, 20).get(0);
            GenerationResult result = engine.generate(c.prompt(), c.params(), Speculation.NONE)
                    .get(30, TimeUnit.SECONDS);
            assertThat(result.tokens()).containsExactly(model.reference(c.prompt(), c.params()).tokens());
            assertThat(result.draftProposed()).isZero();
        }
        assertThat(proposer.proposedFor).isEmpty();
    }

    @Test
    void aRequestAsksForTheEnginesSpeculationOrNone() throws Exception {
        HashingCausalLm model = new HashingCausalLm(VOCAB, 96);
        CoinFlipProposer proposer = new CoinFlipProposer(model, 0.5, 1);
        try (GenerationEngine engine = new GenerationEngine("fake", model, config().build(), proposer)) {
            assertThat(engine.speculation()).isEqualTo(Speculation.DRAFT_MODEL);
            SamplingParams params = SamplingParams.greedy(4, List.of());
            assertThatThrownBy(() -> engine.generate(new int[] {3}, params, Speculation.PROMPT_LOOKUP).get())
                    .cause().isInstanceOf(EngineException.class)
                    .hasMessageContaining("speculation prompt-lookup, but the engine's draft proposer is draft-model;"
                            + " expected draft-model or none")
                    .satisfies(e -> assertThat(((EngineException) e).kind()).isEqualTo(EngineException.Kind.INPUT));
            assertThat(engine.generate(new int[] {3}, params, Speculation.DRAFT_MODEL).get(30, TimeUnit.SECONDS)
                    .tokens()).hasSize(4);
        }
        try (GenerationEngine plain = new GenerationEngine("plain", model, config().build())) {
            assertThat(plain.speculation()).isEqualTo(Speculation.NONE);
        }
    }

    @Test
    void aCancelledRequestFreesItsBlocks() throws Exception {
        HashingCausalLm model = new HashingCausalLm(VOCAB, 128, 1_000_000, -1);
        CoinFlipProposer proposer = new CoinFlipProposer(model, 0.5, 1);
        GenerationConfig config = config().build();
        try (GenerationEngine engine = new GenerationEngine("fake", model, config, proposer)) {
            CompletableFuture<GenerationResult> future = engine.generate(new int[40],
                    SamplingParams.greedy(80, List.of()));
            await(() -> engine.metrics().freeKvBlocks() < config.kvBlocks(), "the request to hold blocks");
            assertThat(future.cancel(true)).isTrue();
            await(() -> engine.metrics().cancelled() == 1, "the cancelled request to leave");
            assertThat(engine.metrics().freeKvBlocks()).isEqualTo(config.kvBlocks());
            assertThat(engine.metrics().running()).isZero();
            await(() -> proposer.released.contains(0L), "the proposer to release the sequence");
        }
    }

    @Test
    void rejectsInvalidRequestsAsInput() {
        HashingCausalLm model = new HashingCausalLm(VOCAB, 32);
        try (GenerationEngine engine = new GenerationEngine("fake", model, config().build())) {
            SamplingParams params = SamplingParams.greedy(4, List.of());
            assertThatThrownBy(() -> engine.generate(new int[32], params).get())
                    .isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(EngineException.class)
                    .hasMessageContaining("prompt of 32 tokens, expected at most 31")
                    .satisfies(e -> assertThat(((EngineException) e).kind()).isEqualTo(EngineException.Kind.INPUT));
            assertThatThrownBy(() -> engine.generate(new int[0], params).get()).cause()
                    .hasMessageContaining("empty");
            assertThatThrownBy(() -> engine.generate(new int[] {3, VOCAB}, params).get()).cause()
                    .hasMessageContaining("token id 64 at position 1");
            assertThatThrownBy(() -> engine.generate(new int[] {3}, params, Speculation.PROMPT_LOOKUP).get()).cause()
                    .isInstanceOf(EngineException.class)
                    .hasMessageContaining("speculation prompt-lookup, but the engine has no draft proposer");
        }
    }

    @Test
    void aFailedForwardPassFailsOnlyItsRequests() throws Exception {
        HashingCausalLm model = new HashingCausalLm(VOCAB, 64, 0, VOCAB - 1);
        try (GenerationEngine engine = new GenerationEngine("fake", model, config().maxRunningSequences(1).build())) {
            CompletableFuture<GenerationResult> bad = engine.generate(new int[] {1, VOCAB - 1}, SamplingParams.greedy(
                    4, List.of()));
            assertThatThrownBy(() -> bad.get(30, TimeUnit.SECONDS)).cause().isInstanceOf(EngineException.class)
                    .hasMessageContaining("forward pass")
                    .satisfies(e -> assertThat(((EngineException) e).kind()).isEqualTo(EngineException.Kind.BACKEND));
            int[] prompt = {1, 2, 3};
            SamplingParams params = SamplingParams.greedy(5, List.of(VOCAB - 1));
            GenerationResult good = engine.generate(prompt, params).get(30, TimeUnit.SECONDS);
            assertThat(good.tokens()).containsExactly(model.reference(prompt, params).tokens());
            assertThat(engine.metrics().failed()).isEqualTo(1);
            assertThat(engine.metrics().freeKvBlocks()).isEqualTo(64);
        }
    }

    @Test
    void aRequestBeyondTheRunningAndQueuedLimitsIsOverloadedAndOneAfterAFinishedRequestJoins() throws Exception {
        HashingCausalLm model = new HashingCausalLm(VOCAB, 128, 2_000_000, -1); // 2 ms a pass
        GenerationConfig config = config().maxRunningSequences(2).maxQueuedRequests(1).build();
        try (GenerationEngine engine = new GenerationEngine("fake", model, config)) {
            SamplingParams longRun = SamplingParams.greedy(100, List.of());
            List<CompletableFuture<GenerationResult>> accepted = new ArrayList<>();
            for (int i = 0; i < 3; i++) { // two run, one waits
                accepted.add(engine.generate(new int[] {1 + i}, longRun));
            }
            CompletableFuture<GenerationResult> refused = engine.generate(new int[] {9}, longRun);
            assertThatThrownBy(() -> refused.get(30, TimeUnit.SECONDS)).cause()
                    .isInstanceOf(EngineException.class)
                    .hasMessageContaining("3 requests unfinished")
                    .hasMessageContaining("maxRunningSequences + maxQueuedRequests is 3")
                    .satisfies(e -> assertThat(((EngineException) e).kind())
                            .isEqualTo(EngineException.Kind.OVERLOADED));
            assertThat(accepted).allSatisfy(future -> assertThat(future).isNotDone());

            accepted.get(0).cancel(true); // a finished request, whatever its end, makes room
            int[] prompt = {4, 5};
            SamplingParams params = SamplingParams.greedy(3, List.of());
            assertThat(engine.generate(prompt, params).get(30, TimeUnit.SECONDS).tokens())
                    .containsExactly(model.reference(prompt, params).tokens());
        }
    }

    @Test
    void closeFailsWhatIsLeft() {
        HashingCausalLm model = new HashingCausalLm(VOCAB, 128, 5_000_000, -1);
        GenerationEngine engine = new GenerationEngine("fake", model, config().build());
        CompletableFuture<GenerationResult> future = engine.generate(new int[] {1}, SamplingParams.greedy(100,
                List.of()));
        engine.close();
        assertThatThrownBy(future::join).cause().isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
        assertThatThrownBy(() -> engine.generate(new int[] {1}, SamplingParams.greedy(1, List.of())).join())
                .cause().hasMessageContaining("is closed");
    }
}
