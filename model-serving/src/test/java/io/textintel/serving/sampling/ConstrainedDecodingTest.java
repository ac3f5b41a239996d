package io.textintel.serving.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConstrainedDecodingTest {

    private static final int VOCAB = 16;
    private static final int END = 2;
    private static final float NINF = Float.NEGATIVE_INFINITY;

    /** positive [5 7], pos [5], negative [6 8 9], neutral [6 4]. */
    private static final LabelTrie SENTIMENT = LabelTrie.builder().label(5, 7).label(5).label(6, 8, 9).label(6, 4)
            .endToken(END).build();

    /** A model whose logits depend on the prefix; it likes token 15, which no label allows. */
    private static float[] logits(int[] prefix) {
        float[] logits = new float[VOCAB];
        for (int v = 0; v < VOCAB; v++) {
            logits[v] = (float) Math.sin(v * 1.7 + prefix.length * 0.3 + Arrays.stream(prefix).sum());
        }
        logits[15] = 6f;
        return logits;
    }

    private static double p(int[] prefix, int token) {
        float[] logits = logits(prefix);
        double total = 0;
        for (float l : logits) {
            total += Math.exp(l);
        }
        return Math.exp(logits[token]) / total;
    }

    @Test
    void maskKeepsOnlyTheAllowedLogits() {
        assertThat(ConstrainedDecoding.mask(new float[] {1f, 2f, 3f, 4f}, new int[] {1, 3}))
                .containsExactly(NINF, 2f, NINF, 4f);
        assertThatThrownBy(() -> ConstrainedDecoding.mask(new float[] {1f, 2f}, new int[] {2}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("allowed token 2 is outside");
    }

    @Test
    void scoresAreTheModelsOwnProbabilitiesOfEachLabelAndItsEnd() {
        List<int[]> calls = new ArrayList<>();
        ConstrainedDecoding decoding = new ConstrainedDecoding(SENTIMENT, prefix -> {
            calls.add(prefix);
            return logits(prefix);
        });
        LabelScores scores = decoding.score();
        int[] none = {};
        double[] expected = {
            p(none, 5) * p(new int[] {5}, 7) * p(new int[] {5, 7}, END),
            p(none, 5) * p(new int[] {5}, END),
            p(none, 6) * p(new int[] {6}, 8) * p(new int[] {6, 8}, 9) * p(new int[] {6, 8, 9}, END),
            p(none, 6) * p(new int[] {6}, 4) * p(new int[] {6, 4}, END),
        };
        double total = Arrays.stream(expected).sum();
        for (int label = 0; label < 4; label++) {
            // double arithmetic on float logits: 1e-12 relative
            assertThat(scores.probability(label)).isCloseTo(expected[label], within(expected[label] * 1e-12));
            assertThat(scores.share(label)).isCloseTo(expected[label] / total, within(1e-12));
        }
        assertThat(total).as("the model mostly wants token 15: labels get little").isLessThan(0.1);
        // prefixes [], [5], [5 7], [6], [6 8], [6 8 9], [6 4]: each run once
        assertThat(calls).hasSize(7);
        int best = 0;
        for (int label = 1; label < 4; label++) {
            best = expected[label] > expected[best] ? label : best;
        }
        assertThat(scores.best()).isEqualTo(best);
    }

    @Test
    void oneLabelsLogProbabilityIsExactlyItsScore() {
        ConstrainedDecoding decoding = new ConstrainedDecoding(SENTIMENT, ConstrainedDecodingTest::logits);
        LabelScores scores = decoding.score();
        for (int label = 0; label < SENTIMENT.labelCount(); label++) {
            assertThat(decoding.logProbability(label)).as("the same terms in the same order: no tolerance")
                    .isEqualTo(scores.logProbabilities()[label]);
        }
        assertThatThrownBy(() -> decoding.logProbability(4)).hasMessage("label 4 is not one of the trie's 4 labels,"
                + " expected 0..3");
    }

    @Test
    void greedyGenerationFollowsTheMaskedArgmaxToACompleteLabel() {
        ConstrainedDecoding decoding = new ConstrainedDecoding(SENTIMENT, ConstrainedDecodingTest::logits);
        int[] output = decoding.generate(SamplingParams.greedy(10, List.of(END)), new SequenceRandom(0));
        assertThat(SENTIMENT.isComplete(output)).isTrue();
        int[] prefix = {};
        for (int token : output) {
            float[] masked = ConstrainedDecoding.mask(logits(prefix), SENTIMENT.allowedNext(prefix));
            assertThat(token).isEqualTo(Sampler.argmax(masked));
            prefix = Arrays.copyOf(prefix, prefix.length + 1);
            prefix[prefix.length - 1] = token;
        }
        assertThat(SENTIMENT.labels(output)).hasSize(1);
    }

    @Test
    void sampledGenerationOnlyProducesLabelsAndStopsAtTheTokenLimit() {
        LabelTrie multi = LabelTrie.builder().label(5, 7).label(5).label(6, 8, 9).label(6, 4).separatorToken(3)
                .endToken(END).build();
        ConstrainedDecoding decoding = new ConstrainedDecoding(multi, ConstrainedDecodingTest::logits);
        SamplingParams params = new SamplingParams(1.5f, 0, 1f, 5L, 32, List.of(END));
        SequenceRandom random = new SequenceRandom(params.seed());
        for (int i = 0; i < 200; i++) {
            int[] output = decoding.generate(params, random);
            assertThat(multi.isComplete(output)).isTrue();
            assertThat(multi.labels(output)).doesNotHaveDuplicates().isNotEmpty();
        }
        SamplingParams short2 = new SamplingParams(1.5f, 0, 1f, 5L, 2, List.of(END));
        assertThat(decoding.generate(short2, new SequenceRandom(1))).hasSize(2);
    }
}
