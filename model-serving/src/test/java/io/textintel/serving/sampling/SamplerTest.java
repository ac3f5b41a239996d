package io.textintel.serving.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SamplerTest {

    /** Float probabilities renormalised in double: equal to the reference within 1e-6. */
    private static final double TOLERANCE = 1e-6;

    private static SamplingParams sampled(float temperature, int topK, float topP) {
        return new SamplingParams(temperature, topK, topP, 1L, 16, List.of());
    }

    private static double sum(float[] p) {
        double s = 0;
        for (float x : p) {
            s += x;
        }
        return s;
    }

    private static List<Integer> support(float[] p) {
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < p.length; i++) {
            if (p[i] > 0) {
                ids.add(i);
            }
        }
        return ids;
    }

    /** The textbook softmax of logits / T, in double: the reference. */
    private static double[] softmax(float[] logits, double temperature) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double[] p = new double[logits.length];
        double total = 0;
        for (int i = 0; i < logits.length; i++) {
            p[i] = Math.exp((logits[i] - max) / temperature);
            total += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= total;
        }
        return p;
    }

    @Test
    void plainSamplingIsTheSoftmaxOfTheScaledLogits() {
        Random random = new Random(5);
        float[] logits = new float[1000];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) (random.nextGaussian() * 4 + 1000); // large offset: needs the stable form
        }
        for (float temperature : new float[] {0.3f, 1f, 2.5f}) {
            float[] p = Sampler.distribution(logits, sampled(temperature, 0, 1f));
            double[] reference = softmax(logits, temperature);
            assertThat(sum(p)).isCloseTo(1.0, within(TOLERANCE));
            for (int i = 0; i < p.length; i++) {
                assertThat((double) p[i]).isCloseTo(reference[i], within(TOLERANCE));
            }
        }
    }

    @Test
    void topKKeepsExactlyTheKLargestTiesToTheLowerId() {
        float[] logits = {1f, 3f, 2f, 3f, 0f, 2f};
        float[] p = Sampler.distribution(logits, sampled(1f, 3, 1f));
        // 3 (ids 1, 3) then 2 (ids 2, 5): the tie at 2 goes to id 2
        assertThat(support(p)).containsExactly(1, 2, 3);
        double e = Math.E;
        double total = 2 * e * e * e + e * e;
        assertThat((double) p[1]).isCloseTo(e * e * e / total, within(TOLERANCE));
        assertThat((double) p[2]).isCloseTo(e * e / total, within(TOLERANCE));
        assertThat(sum(p)).isCloseTo(1.0, within(TOLERANCE));
    }

    @Test
    void topPKeepsTheSmallestSetReachingP() {
        // probabilities 0.5, 0.25, 0.125, 0.0625, 0.0625 (logits are their logs)
        float[] logits = new float[5];
        double[] probs = {0.0625, 0.5, 0.0625, 0.25, 0.125};
        for (int i = 0; i < 5; i++) {
            logits[i] = (float) Math.log(probs[i]);
        }
        assertThat(support(Sampler.distribution(logits, sampled(1f, 0, 0.5f)))).containsExactly(1);
        assertThat(support(Sampler.distribution(logits, sampled(1f, 0, 0.6f)))).containsExactly(1, 3);
        // exactly 0.75 is reached by {0.5, 0.25}: p is compared with >=, not >
        assertThat(support(Sampler.distribution(logits, sampled(1f, 0, 0.75f)))).containsExactly(1, 3);
        assertThat(support(Sampler.distribution(logits, sampled(1f, 0, 0.8f)))).containsExactly(1, 3, 4);
        // 0.9375 needs one of the two tied 0.0625 tokens: the lower id
        float[] p = Sampler.distribution(logits, sampled(1f, 0, 0.9f));
        assertThat(support(p)).containsExactly(0, 1, 3, 4);
        assertThat((double) p[1]).isCloseTo(0.5 / 0.9375, within(TOLERANCE));
        assertThat(sum(p)).isCloseTo(1.0, within(TOLERANCE));
    }

    @Test
    void topPAppliesToTheRenormalisedTopK() {
        float[] logits = new float[5];
        double[] probs = {0.0625, 0.5, 0.0625, 0.25, 0.125};
        for (int i = 0; i < 5; i++) {
            logits[i] = (float) Math.log(probs[i]);
        }
        // top-2 leaves {0.5, 0.25} -> {2/3, 1/3}; p = 0.6 then needs only the first
        assertThat(support(Sampler.distribution(logits, sampled(1f, 2, 0.6f)))).containsExactly(1);
        assertThat(support(Sampler.distribution(logits, sampled(1f, 2, 0.7f)))).containsExactly(1, 3);
    }

    @Test
    void filtersOnALargeVocabularyMatchAFullSort() {
        // the candidate threshold must never change the answer: compare with sorting everything
        Random random = new Random(11);
        float[] logits = new float[50_000];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) Math.round(random.nextGaussian() * 20) / 4; // many ties
        }
        for (SamplingParams params : List.of(sampled(1f, 50, 1f), sampled(0.7f, 0, 0.95f),
                sampled(1.3f, 0, 0.999f), sampled(1f, 1000, 0.9f), sampled(5f, 0, 0.5f))) {
            Integer[] order = new Integer[logits.length];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            java.util.Arrays.sort(order, (a, b) -> logits[a] != logits[b] ? Float.compare(logits[b], logits[a]) : a - b);
            double[] reference = softmax(logits, params.temperature());
            int keep = params.topK() > 0 ? params.topK() : order.length;
            double kept = 0;
            for (int i = 0; i < keep; i++) {
                kept += reference[order[i]];
            }
            double cumulative = 0;
            int nucleus = keep;
            for (int i = 0; i < keep; i++) {
                cumulative += reference[order[i]] / kept;
                if (cumulative >= params.topP() - Sampler.TOP_P_SLACK) {
                    nucleus = i + 1;
                    break;
                }
            }
            List<Integer> expected = new ArrayList<>();
            for (int i = 0; i < nucleus; i++) {
                expected.add(order[i]);
            }
            expected.sort(null);
            assertThat(support(Sampler.distribution(logits, params))).as("%s", params).isEqualTo(expected);
        }
    }

    @Test
    void greedyIsOneHotOnTheFirstMaximum() {
        float[] logits = {0f, 5f, -1f, 5f};
        float[] p = Sampler.distribution(logits, SamplingParams.greedy(1, List.of()));
        assertThat(p).containsExactly(0f, 1f, 0f, 0f);
        assertThat(Sampler.sample(logits, SamplingParams.greedy(1, List.of()), new SequenceRandom(0))).isEqualTo(1);
    }

    @Test
    void maskedTokensGetNothing() {
        float ninf = Float.NEGATIVE_INFINITY;
        float[] p = Sampler.distribution(new float[] {ninf, 1f, ninf, 1f}, sampled(1f, 0, 1f));
        assertThat(p).containsExactly(0f, 0.5f, 0f, 0.5f);
    }

    @Test
    void rejectsLogitsNoTokenCanComeFrom() {
        SamplingParams params = sampled(1f, 0, 1f);
        assertThatThrownBy(() -> Sampler.distribution(new float[] {0f, Float.NaN}, params))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("logit of token 1 is NaN");
        float ninf = Float.NEGATIVE_INFINITY;
        assertThatThrownBy(() -> Sampler.distribution(new float[] {ninf, ninf}, params))
                .hasMessageContaining("all 2 logits are -Infinity");
        assertThatThrownBy(() -> Sampler.distribution(new float[0], params)).hasMessageContaining("empty");
    }

    @Test
    void inverseCdfPicksTheTokenWhoseIntervalHoldsTheDraw() {
        float[] p = {0.25f, 0f, 0.5f, 0.25f};
        assertThat(Sampler.inverseCdf(p, 0.0)).isEqualTo(0);
        assertThat(Sampler.inverseCdf(p, 0.2499)).isEqualTo(0);
        assertThat(Sampler.inverseCdf(p, 0.25)).isEqualTo(2); // never the zero-probability token 1
        assertThat(Sampler.inverseCdf(p, 0.7499)).isEqualTo(2);
        assertThat(Sampler.inverseCdf(p, 0.75)).isEqualTo(3);
        assertThat(Sampler.inverseCdf(p, Math.nextDown(1.0))).isEqualTo(3);
        assertThatThrownBy(() -> Sampler.inverseCdf(p, 1.0)).hasMessageContaining("uniform draw is 1.0");
    }

    @Test
    void sameSeedSamplesTheSameTokensWhateverIsInterleaved() {
        Random random = new Random(3);
        float[][] rows = new float[50][64];
        for (float[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                row[i] = (float) random.nextGaussian();
            }
        }
        SamplingParams params = new SamplingParams(0.9f, 20, 0.95f, 77L, 50, List.of());
        SequenceRandom alone = new SequenceRandom(params.seed());
        int[] expected = new int[rows.length];
        for (int i = 0; i < rows.length; i++) {
            expected[i] = Sampler.sample(rows[i], params, alone);
        }
        SequenceRandom mine = new SequenceRandom(params.seed());
        SequenceRandom neighbour = new SequenceRandom(params.seed() + 1);
        for (int i = 0; i < rows.length; i++) {
            for (int j = 0; j < (i * 7) % 4; j++) {
                Sampler.sample(rows[(i + j) % rows.length], params, neighbour); // another request of the batch
            }
            assertThat(Sampler.sample(rows[i], params, mine)).isEqualTo(expected[i]);
        }
    }

    @Test
    void suppressedTokensAreNeverChosenGreedyOrSampled() {
        float[] logits = {0f, 5f, 1f, 4f, 0.5f}; // token 1 would win, then 3
        List<Integer> suppressed = List.of(1, 3, 99); // 99: past the row, as in a draft's shorter vocabulary
        SamplingParams greedy = new SamplingParams(0f, 0, 1f, 0L, 16, List.of(0), suppressed);
        assertThat(Sampler.sample(logits, greedy, new SequenceRandom(0))).isEqualTo(2);
        assertThat(Sampler.distribution(logits, greedy)).containsExactly(0f, 0f, 1f, 0f, 0f);
        SamplingParams sampled = new SamplingParams(1f, 0, 1f, 3L, 16, List.of(0), suppressed);
        float[] p = Sampler.distribution(logits, sampled);
        // the softmax of what is left, {0, 2, 4}: double reference, float result
        double[] expected = softmax(new float[] {0f, 1f, 0.5f}, 1.0);
        assertThat((double) p[0]).isCloseTo(expected[0], within(TOLERANCE));
        assertThat((double) p[2]).isCloseTo(expected[1], within(TOLERANCE));
        assertThat((double) p[4]).isCloseTo(expected[2], within(TOLERANCE));
        assertThat(support(p)).containsExactly(0, 2, 4);
        SequenceRandom random = new SequenceRandom(3L);
        for (int i = 0; i < 1000; i++) {
            assertThat(Sampler.sample(logits, sampled, random)).isIn(0, 2, 4);
        }
        assertThat(logits).as("the caller's row is left alone").containsExactly(0f, 5f, 1f, 4f, 0.5f);
        assertThat(Sampler.suppress(logits, List.of())).as("nothing to suppress: the row itself").isSameAs(logits);
    }

    @Test
    void suppressingAStopTokenOrANegativeIdIsRefused() {
        assertThatThrownBy(() -> new SamplingParams(0f, 0, 1f, 0L, 4, List.of(7), List.of(3, 7)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("suppressed token id 7 is a stop token, expected token ids >= 0 other than the stop"
                        + " tokens [7]");
        assertThatThrownBy(() -> new SamplingParams(0f, 0, 1f, 0L, 4, List.of(), List.of(-2)))
                .hasMessageContaining("suppressed token id -2 is negative");
        float[] allSuppressed = {1f, 2f};
        assertThatThrownBy(() -> Sampler.sample(allSuppressed,
                new SamplingParams(0f, 0, 1f, 0L, 4, List.of(), List.of(0, 1)), new SequenceRandom(0)))
                .hasMessageContaining("all 2 logits are -Infinity");
    }
}
