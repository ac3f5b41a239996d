package io.textintel.serving.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class SamplerTest {

    @Test
    void greedyIsOneHotArgmaxWithTiesToTheLowestId() {
        SamplingParams greedy = SamplingParams.greedy(4, List.of());
        float[] logits = {0.5f, 2f, 2f, -1f};
        assertThat(Sampler.distribution(logits, greedy)).containsExactly(0f, 1f, 0f, 0f);
        assertThat(Sampler.sample(logits, greedy, new SequenceRandom(1))).isEqualTo(1);
    }

    @Test
    void topKAndTopPKeepTheMostLikelyTokensRenormalised() {
        float[] logits = {(float) Math.log(0.1), (float) Math.log(0.5), (float) Math.log(0.3), (float) Math.log(0.1)};
        float[] topK = Sampler.distribution(logits, new SamplingParams(1f, 2, 1f, 0, 4, List.of()));
        assertThat(topK[1]).isCloseTo(0.625f, within(1e-6f)); // tolerance: float rounding of exp and division
        assertThat(topK[2]).isCloseTo(0.375f, within(1e-6f));
        assertThat(topK[0] + topK[3]).isZero();
        float[] topP = Sampler.distribution(logits, new SamplingParams(1f, 0, 0.85f, 0, 4, List.of()));
        assertThat(topP[0]).isGreaterThan(0f).as("0.5 + 0.3 < 0.85 needs a third token");
        assertThat(topP[3]).as("ties go to the lowest id").isZero();
    }

    @Test
    void theSameSeedGivesTheSameStream() {
        SequenceRandom a = new SequenceRandom(42);
        a.nextUniform();
        SequenceRandom b = a.copy();
        for (int i = 0; i < 100; i++) {
            double value = a.nextUniform();
            assertThat(value).isEqualTo(b.nextUniform()).isBetween(0.0, 1.0);
        }
        assertThat(new SequenceRandom(1).nextUniform()).isNotEqualTo(new SequenceRandom(2).nextUniform());
    }

    @Test
    void samplingFollowsTheDistribution() {
        float[] logits = {0f, (float) Math.log(3)};
        SamplingParams params = new SamplingParams(1f, 0, 1f, 7, 1, List.of());
        SequenceRandom random = new SequenceRandom(7);
        int ones = 0;
        for (int i = 0; i < 20_000; i++) {
            ones += Sampler.sample(logits, params, random);
        }
        assertThat(ones / 20_000.0).isCloseTo(0.75, within(0.02)); // tolerance: > 6 standard deviations of 20k draws
    }

    @Test
    void rejectsParametersOutOfRange() {
        assertThatThrownBy(() -> new SamplingParams(-1f, 0, 1f, 0, 1, List.of())).hasMessageContaining("temperature");
        assertThatThrownBy(() -> new SamplingParams(1f, 0, 0f, 0, 1, List.of())).hasMessageContaining("topP");
        assertThatThrownBy(() -> SamplingParams.greedy(0, List.of())).hasMessageContaining("maxNewTokens");
    }
}
