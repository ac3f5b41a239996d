package io.textintel.serving.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.textintel.serving.sampling.ConstrainedDecoding;
import io.textintel.serving.sampling.LabelTrie;
import io.textintel.serving.sampling.SamplingParams;
import io.textintel.serving.sampling.SequenceRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConstrainedSpeculativeDecodingTest {

    private static final int VOCAB = 16;
    private static final int END = 2;
    private static final int SEPARATOR = 3;

    /** positive [5 7], pos [5], negative [6 8 9], neutral [6 4]: labels sharing first tokens. */
    private static final List<int[]> LABELS = List.of(new int[] {5, 7}, new int[] {5}, new int[] {6, 8, 9},
            new int[] {6, 4});
    private static final LabelTrie SINGLE = LabelTrie.builder().labels(LABELS).endToken(END).build();
    private static final LabelTrie MULTI = LabelTrie.builder().labels(LABELS).separatorToken(SEPARATOR)
            .endToken(END).build();

    /** A model whose logits depend on the prefix through {@code phase}; it likes token 15, which no label allows. */
    private static ConstrainedDecoding.NextTokenLogits model(double phase) {
        return prefix -> {
            float[] logits = new float[VOCAB];
            for (int v = 0; v < VOCAB; v++) {
                double angle = v * 1.7 + phase * (prefix.length + 1) + Arrays.stream(prefix).sum();
                logits[v] = (float) (1.5 * Math.sin(angle));
            }
            logits[15] = 6f;
            return logits;
        };
    }

    /** The target pass over a next-token function: one call per pass, continuations recorded. */
    private static final class CountingTarget implements ConstrainedSpeculativeDecoding.TargetPass {
        final ConstrainedDecoding.NextTokenLogits model;
        final List<int[]> continuations = new ArrayList<>();

        CountingTarget(ConstrainedDecoding.NextTokenLogits model) {
            this.model = model;
        }

        @Override
        public float[][] logits(int[] output, int[] draft) {
            continuations.add(draft);
            float[][] rows = new float[draft.length + 1][];
            for (int i = 0; i <= draft.length; i++) {
                int[] prefix = Arrays.copyOf(output, output.length + i);
                System.arraycopy(draft, 0, prefix, output.length, i);
                rows[i] = model.logits(prefix);
            }
            return rows;
        }
    }

    private static final ConstrainedDecoding.NextTokenLogits TARGET = model(0.3);

    @Test
    void greedyOutputIsPlainConstrainedGreedyWhateverTheDraftProposes() {
        SamplingParams greedy = SamplingParams.greedy(32, List.of(END));
        int disagreements = 0;
        for (LabelTrie trie : List.of(SINGLE, MULTI)) {
            for (double phase = 0.1; phase < 3; phase += 0.37) {
                ConstrainedDecoding.NextTokenLogits target = model(phase);
                int[] plain = new ConstrainedDecoding(trie, target).generate(greedy, new SequenceRandom(0));
                for (double draftPhase : new double[] {phase, phase + 1.1, phase + 2.3}) {
                    for (int gamma : new int[] {1, 2, 4, 8}) {
                        ConstrainedSpeculativeDecoding decoding = new ConstrainedSpeculativeDecoding(trie,
                                model(draftPhase), new CountingTarget(target), gamma);
                        ConstrainedSpeculativeDecoding.Result result = decoding.generate(greedy, new SequenceRandom(0),
                                new SequenceRandom(1));
                        String what = "phase " + phase + ", draft phase " + draftPhase + ", γ " + gamma;
                        assertThat(result.output()).as(what).containsExactly(plain);
                        assertThat(result.verifySteps()).as(what).isPositive();
                        assertThat(result.draftAccepted()).as(what).isBetween(0, result.draftProposed());
                        if (draftPhase == phase) {
                            assertThat(result.draftAccepted()).as("the target as its own draft, " + what)
                                    .isEqualTo(result.draftProposed());
                        }
                        disagreements += result.draftProposed() - result.draftAccepted();
                    }
                }
            }
        }
        assertThat(disagreements).as("the other drafts were rejected some of the time").isPositive();
    }

    @Test
    void eachVerificationIsOneTargetPassAndAFinishingProposalLeavesTheEndTokenOut() {
        SamplingParams greedy = SamplingParams.greedy(32, List.of(END));
        ConstrainedDecoding.NextTokenLogits model = model(1.3); // its greedy answer names all four labels
        for (int gamma = 1; gamma <= 6; gamma++) {
            CountingTarget target = new CountingTarget(model);
            ConstrainedSpeculativeDecoding.Result result = new ConstrainedSpeculativeDecoding(MULTI, model, target,
                    gamma).generate(greedy, new SequenceRandom(0), new SequenceRandom(1));
            int n = result.output().length;
            assertThat(n).as("a multi-label answer long enough to need several steps").isEqualTo(12);
            // a draft identical to the target: every step emits γ accepted drafts and the bonus, the last
            // one the rest, its end token accepted as a draft
            assertThat(result.verifySteps()).as("γ %d", gamma).isEqualTo((n + gamma) / (gamma + 1));
            assertThat(result.draftAccepted()).isEqualTo(result.draftProposed());
            assertThat(target.continuations).as("one target pass per verification").hasSize(result.verifySteps());
            int run = target.continuations.stream().mapToInt(c -> c.length).sum();
            assertThat(run + result.verifySteps()).as("each pass adds one row after the output: %d tokens", n)
                    .isEqualTo(n);
        }
    }

    @Test
    void greedyOutputIsCutAtTheTokenLimitAsPlainDecodingCutsIt() {
        for (int limit = 1; limit <= 6; limit++) {
            SamplingParams greedy = SamplingParams.greedy(limit, List.of(END));
            int[] plain = new ConstrainedDecoding(MULTI, TARGET).generate(greedy, new SequenceRandom(0));
            ConstrainedSpeculativeDecoding.Result result = new ConstrainedSpeculativeDecoding(MULTI, model(1.9),
                    new CountingTarget(TARGET), 4).generate(greedy, new SequenceRandom(0), new SequenceRandom(1));
            assertThat(result.output()).as("limit %d", limit).containsExactly(plain);
        }
    }

    // ---- sampled: the answers are distributed as the target's constrained answers ----

    /** Three labels, two sharing a first token: 15 multi-label answers (ordered lists of distinct labels). */
    private static final LabelTrie SMALL = LabelTrie.builder().label(5, 7).label(5).label(6).separatorToken(SEPARATOR)
            .endToken(END).build();
    private static final int DRAWS = 40_000;
    /** Significance of the goodness-of-fit tests below. */
    private static final double ALPHA = 1e-4;


    /** Counts of each answer of {@code answers} (in its iteration order) over {@code DRAWS} generations. */
    private static long[] counts(List<List<Integer>> answers, java.util.function.Supplier<int[]> generate) {
        long[] counts = new long[answers.size()];
        for (int draw = 0; draw < DRAWS; draw++) {
            int index = answers.indexOf(Arrays.stream(generate.get()).boxed().toList());
            assertThat(index).as("a complete answer of the trie").isNotNegative();
            counts[index]++;
        }
        return counts;
    }

    /**
     * The statistical test: Pearson's chi-square goodness of fit of {@value #DRAWS} speculative
     * answers against the target's exact constrained answer distribution (every complete answer of
     * a 3-label multi-label trie, 15 of them, with the product of the target's masked, renormalised
     * token probabilities after temperature and top-p; answers that top-p cuts have probability 0
     * and must never appear). The draft's distribution differs markedly from the target's, so the
     * rejection rule and the residual both matter. Significance {@value #ALPHA}: a correct decoder
     * fails the test with probability 1e-4 over the choice of seeds (each seed pair is one such
     * chance; the seeds are fixed, so every run is deterministic and green). Power: the same test
     * rejects the draft's own answers, and a decoder that keeps every draft token.
     */
    @Test
    void sampledAnswersAreDistributedAsTheTargetsConstrainedAnswers() {
        ConstrainedDecoding.NextTokenLogits draft = model(2.2);
        for (SamplingParams params : List.of(new SamplingParams(1f, 0, 1f, 11L, 32, List.of(END)),
                new SamplingParams(1f, 0, 0.8f, 12L, 32, List.of(END)))) {
            Map<List<Integer>, Double> exact = ConstrainedAnswers.distribution(SMALL, TARGET, params);
            assertThat(exact.values().stream().mapToDouble(Double::doubleValue).sum()).isCloseTo(1.0, within(1e-5));
            List<List<Integer>> answers = new ArrayList<>(exact.keySet());
            double[] expected = answers.stream().mapToDouble(exact::get).toArray();
            for (double e : expected) {
                assertThat(e == 0 || e * DRAWS >= 5).as("chi-square needs 5 expected per cell: %s", e).isTrue();
            }
            ConstrainedSpeculativeDecoding decoding = new ConstrainedSpeculativeDecoding(SMALL, draft,
                    new CountingTarget(TARGET), 3);
            SequenceRandom random = new SequenceRandom(params.seed());
            SequenceRandom draftRandom = DraftModelProposer.draftRandom(params.seed());
            int[] proposedAccepted = new int[2];
            long[] speculative = counts(answers, () -> {
                ConstrainedSpeculativeDecoding.Result result = decoding.generate(params, random, draftRandom);
                proposedAccepted[0] += result.draftProposed();
                proposedAccepted[1] += result.draftAccepted();
                return result.output();
            });
            assertThat(ChiSquare.pValue(speculative, expected)).as("speculative answers vs the target's, %s", params)
                    .isGreaterThan(ALPHA);
            assertThat(proposedAccepted[1]).as("both rejections and acceptances happened")
                    .isBetween(1, proposedAccepted[0] - 1);

            SequenceRandom draftAlone = new SequenceRandom(5);
            ConstrainedDecoding draftDecoding = new ConstrainedDecoding(SMALL, draft);
            long[] draftAnswers = counts(answers, () -> draftDecoding.generate(params, draftAlone));
            assertThat(ChiSquare.pValue(draftAnswers, expected)).as("power: the draft's own answers are rejected")
                    .isLessThan(ALPHA);
            ConstrainedSpeculativeDecoding keepsEverything = new ConstrainedSpeculativeDecoding(SMALL, draft,
                    (output, continuation) -> {
                        float[][] rows = new CountingTarget(TARGET).logits(output, continuation);
                        for (int i = 0; i < continuation.length; i++) {
                            rows[i] = new float[VOCAB]; // the target "agrees" with any draft token
                            rows[i][continuation[i]] = 100f;
                        }
                        return rows;
                    }, 3);
            SequenceRandom wrongRandom = new SequenceRandom(6);
            SequenceRandom wrongDraftRandom = new SequenceRandom(7);
            long[] kept = counts(answers,
                    () -> keepsEverything.generate(params, wrongRandom, wrongDraftRandom).output());
            assertThat(ChiSquare.pValue(kept, expected)).as("power: keeping every draft token is rejected")
                    .isLessThan(ALPHA);
        }
    }

    @Test
    void aSeedReproducesTheSameSampledAnswerAndCounts() {
        SamplingParams params = new SamplingParams(1.2f, 0, 1f, 42L, 32, List.of(END));
        List<ConstrainedSpeculativeDecoding.Result> runs = new ArrayList<>();
        for (int run = 0; run < 2; run++) {
            runs.add(new ConstrainedSpeculativeDecoding(MULTI, model(2.2), new CountingTarget(TARGET), 3)
                    .generate(params, new SequenceRandom(42L), DraftModelProposer.draftRandom(42L)));
        }
        assertThat(runs.get(1).output()).containsExactly(runs.get(0).output());
        assertThat(runs.get(1).draftProposed()).isEqualTo(runs.get(0).draftProposed());
        assertThat(runs.get(1).draftAccepted()).isEqualTo(runs.get(0).draftAccepted());
        assertThat(runs.get(1).verifySteps()).isEqualTo(runs.get(0).verifySteps());
        assertThat(MULTI.isComplete(runs.get(0).output())).isTrue();
    }

    @Test
    void badArgumentsAndAMisshapenTargetPassAreNamed() {
        assertThatThrownBy(() -> new ConstrainedSpeculativeDecoding(MULTI, TARGET, new CountingTarget(TARGET), 0))
                .hasMessage("maxDraftTokens is 0, expected >= 1");
        ConstrainedSpeculativeDecoding oneRowShort = new ConstrainedSpeculativeDecoding(MULTI, TARGET,
                (output, draft) -> new float[draft.length][], 2);
        assertThatThrownBy(() -> oneRowShort.generate(SamplingParams.greedy(8, List.of()), new SequenceRandom(0),
                new SequenceRandom(1)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("logit rows for a continuation of");
    }
}
