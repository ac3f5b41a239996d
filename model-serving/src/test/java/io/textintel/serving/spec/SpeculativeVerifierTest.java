package io.textintel.serving.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.textintel.serving.sampling.SamplingParams;
import io.textintel.serving.sampling.SequenceRandom;
import java.util.List;
import org.junit.jupiter.api.Test;

class SpeculativeVerifierTest {

    private static float[] oneHot(int token) {
        float[] logits = new float[4];
        logits[token] = 5f;
        return logits;
    }

    @Test
    void greedyAcceptsTheMatchingPrefixAndCorrectsTheFirstMismatch() {
        SamplingParams greedy = SamplingParams.greedy(8, List.of());
        Proposal proposal = new Proposal(new int[] {1, 2, 3}, null);
        float[][] target = {oneHot(1), oneHot(2), oneHot(0), oneHot(3)};
        assertThat(SpeculativeVerifier.verify(proposal, target, greedy, new SequenceRandom(0)))
                .isEqualTo(new Verification(2, 0));
        float[][] allRight = {oneHot(1), oneHot(2), oneHot(3), oneHot(2)};
        assertThat(SpeculativeVerifier.verify(proposal, allRight, greedy, new SequenceRandom(0)))
                .isEqualTo(new Verification(3, 2));
    }

    @Test
    void sampledVerificationKeepsTheTargetDistribution() {
        // target p = (0.25, 0.75); a deterministic proposer always drafts token 0
        float[][] target = {{0f, (float) Math.log(3)}, {0f, 0f}};
        SamplingParams params = new SamplingParams(1f, 0, 1f, 3, 8, List.of());
        SequenceRandom random = new SequenceRandom(3);
        int zeros = 0;
        int n = 20_000;
        for (int i = 0; i < n; i++) {
            Verification v = SpeculativeVerifier.verify(new Proposal(new int[] {0}, null), target, params, random);
            zeros += v.accepted() == 1 ? 1 : v.nextToken() == 0 ? 1 : 0;
        }
        assertThat(zeros / (double) n).isCloseTo(0.25, within(0.02)); // tolerance: > 6 standard deviations
    }
}
