package io.textintel.serving.generate;

import static org.assertj.core.api.Assertions.assertThat;

import io.textintel.serving.kv.PagedKvCache;
import io.textintel.serving.sampling.SamplingParams;
import io.textintel.serving.spec.Speculation;
import io.textintel.serving.spec.SpeculationOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The adaptive speculation policy inside the scheduler, driven by hand on the test thread. */
class SpeculationPolicyTest {

    private static final int VOCAB = 32;

    private final HashingCausalLm model = new HashingCausalLm(VOCAB, 200);

    /** γ up to 4, free drafts, off above 2 sequences, floor 0.3 after 4 verifications, probe every 5th step. */
    private static final SpeculationOptions OPTIONS = new SpeculationOptions(0.0, 2, 0.3, 4, 0.7, 0.5, 5);

    private static GenerationConfig.Builder config() {
        return GenerationConfig.builder().maxDraftTokens(4).adaptiveSpeculation(OPTIONS);
    }

    private static CompletableFuture<GenerationResult> add(GenerationScheduler scheduler, int[] prompt,
            SamplingParams params) {
        CompletableFuture<GenerationResult> future = new CompletableFuture<>();
        scheduler.add(new GenerationRequest(prompt, params, Speculation.PROMPT_LOOKUP, future, System.nanoTime()));
        return future;
    }

    private void runToEnd(GenerationScheduler scheduler, PagedKvCache cache) {
        while (scheduler.hasWork()) {
            ScheduledStep step = scheduler.schedule();
            scheduler.update(step, model.forward(step.chunks(), cache), 0);
            cache.checkInvariants();
        }
    }

    private static int[] prompt(int length, int salt) {
        int[] prompt = new int[length];
        for (int i = 0; i < length; i++) {
            prompt[i] = (i * 7 + length + salt * 13) % VOCAB;
        }
        return prompt;
    }

    @Test
    void rightDraftsRunAtTheLongestDraftLengthAndGiveThePlainGreedyTokens() {
        try (PagedKvCache cache = new PagedKvCache(HashingCausalLm.LAYOUT, 4, 64)) {
            GenerationScheduler scheduler = new GenerationScheduler(model, cache, config().build(),
                    new OracleProposer(model, 1.0));
            SamplingParams params = SamplingParams.greedy(60, List.of());
            CompletableFuture<GenerationResult> result = add(scheduler, prompt(5, 0), params);
            runToEnd(scheduler, cache);
            assertThat(result.join().tokens()).containsExactly(model.reference(prompt(5, 0), params).tokens());
            GenerationMetrics metrics = scheduler.metrics();
            assertThat(metrics.acceptanceRate()).isEqualTo(1.0);
            assertThat(metrics.unspeculatedSteps()).isZero();
            // 60 tokens: 1 from the prefill, then steps of 4 drafts + 1, shorter only at the end
            assertThat(metrics.draftLengths()[4]).as("γ = 4 while tokens are left").isEqualTo(11);
            assertThat(metrics.meanDraftLength()).isGreaterThan(3.5);
        }
    }

    @Test
    void wrongDraftsTurnSpeculationOffExceptForPeriodicProbes() {
        try (PagedKvCache cache = new PagedKvCache(HashingCausalLm.LAYOUT, 4, 64)) {
            OracleProposer proposer = new OracleProposer(model, 0.0);
            GenerationScheduler scheduler = new GenerationScheduler(model, cache, config().build(), proposer);
            SamplingParams params = SamplingParams.greedy(100, List.of());
            CompletableFuture<GenerationResult> result = add(scheduler, prompt(5, 1), params);
            runToEnd(scheduler, cache);
            assertThat(result.join().tokens()).containsExactly(model.reference(prompt(5, 1), params).tokens());
            GenerationMetrics metrics = scheduler.metrics();
            assertThat(metrics.draftAccepted()).isZero();
            // 99 decode steps: the first at γ = 4 from the prior; its rejection makes the estimate 0,
            // where no γ pays, so the policy is off from then on with a one-token probe every 5th step
            long decodeSteps = metrics.verifySteps() + metrics.unspeculatedSteps();
            assertThat(decodeSteps).isEqualTo(99);
            assertThat(metrics.offForAcceptance()).isEqualTo(metrics.unspeculatedSteps());
            assertThat(metrics.draftLengths()[4]).isEqualTo(1);
            assertThat(metrics.draftLengths()[1]).as("probes are one token").isEqualTo(98 / 5);
            assertThat(metrics.verifySteps()).isEqualTo(1 + 98 / 5);
            assertThat(proposer.calls).isEqualTo(metrics.verifySteps());
        }
    }

    @Test
    void greedySequencesStandDownWhileTheBatchIsAboveTheLimit() {
        try (PagedKvCache cache = new PagedKvCache(HashingCausalLm.LAYOUT, 4, 128)) {
            GenerationScheduler scheduler = new GenerationScheduler(model, cache, config().build(),
                    new OracleProposer(model, 1.0));
            SamplingParams shortRun = SamplingParams.greedy(10, List.of());
            SamplingParams longRun = SamplingParams.greedy(40, List.of());
            List<CompletableFuture<GenerationResult>> results = new ArrayList<>();
            results.add(add(scheduler, prompt(4, 0), longRun));
            for (int i = 1; i < 4; i++) {
                results.add(add(scheduler, prompt(4, i), shortRun));
            }
            // four sequences: no drafts at all until the three short ones have finished
            while (scheduler.metrics().completed() < 3) {
                ScheduledStep step = scheduler.schedule();
                assertThat(step.tokens()).as("no drafts in %s", step).isLessThanOrEqualTo(16);
                scheduler.update(step, model.forward(step.chunks(), cache), 0);
            }
            assertThat(scheduler.metrics().verifySteps()).isZero();
            assertThat(scheduler.metrics().offForBatchSize()).isEqualTo(scheduler.metrics().unspeculatedSteps())
                    .isPositive();
            runToEnd(scheduler, cache);
            assertThat(scheduler.metrics().verifySteps()).as("alone, the long one speculates").isPositive();
            assertThat(results.get(0).join().tokens()).containsExactly(
                    model.reference(prompt(4, 0), longRun).tokens());
            for (int i = 1; i < 4; i++) {
                assertThat(results.get(i).join().tokens()).containsExactly(
                        model.reference(prompt(4, i), shortRun).tokens());
            }
        }
    }

    @Test
    void aSampledRequestGivesTheSameTokensAloneAndInAnyTraffic() {
        SamplingParams sampled = new SamplingParams(0.7f, 0, 1f, 1234L, 60, List.of());
        int[] prompt = prompt(6, 5);

        GenerationResult alone;
        try (PagedKvCache cache = new PagedKvCache(HashingCausalLm.LAYOUT, 4, 64)) {
            GenerationScheduler scheduler = new GenerationScheduler(model, cache, config().build(),
                    new OracleProposer(model, 0.8));
            CompletableFuture<GenerationResult> result = add(scheduler, prompt, sampled);
            runToEnd(scheduler, cache);
            alone = result.join();
            assertThat(scheduler.metrics().verifySteps()).isPositive();
        }

        // Busy: older sequences (greedy and sampled) before it, a budget that cannot hold every
        // draft, more sequences than the batch-size limit, and a cache that forces preemptions.
        try (PagedKvCache cache = new PagedKvCache(HashingCausalLm.LAYOUT, 4, 60)) { // 240 positions
            GenerationConfig busy = config().maxBatchTokens(9).maxRunningSequences(6).build();
            GenerationScheduler scheduler = new GenerationScheduler(model, cache, busy,
                    new OracleProposer(model, 0.8));
            for (int i = 0; i < 4; i++) {
                SamplingParams other = i % 2 == 0 ? SamplingParams.greedy(50, List.of())
                        : new SamplingParams(0.7f, 0, 1f, i, 50, List.of());
                add(scheduler, prompt(20, 10 + i), other);
            }
            CompletableFuture<GenerationResult> result = add(scheduler, prompt, sampled);
            runToEnd(scheduler, cache);
            GenerationMetrics metrics = scheduler.metrics();
            assertThat(metrics.preemptions()).as("the cache was short").isPositive();
            assertThat(metrics.offForBatchSize()).as("greedy ones stood down for the batch").isPositive();
            assertThat(result.join().tokens()).containsExactly(alone.tokens());
            assertThat(result.join().draftProposed()).isEqualTo(alone.draftProposed());
            assertThat(result.join().draftAccepted()).isEqualTo(alone.draftAccepted());
        }
    }
}
