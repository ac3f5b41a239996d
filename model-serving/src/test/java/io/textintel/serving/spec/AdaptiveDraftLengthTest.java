package io.textintel.serving.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AdaptiveDraftLengthTest {

    @Test
    void expectedTokensIsTheGeometricSum() {
        for (double alpha : new double[] {0, 0.25, 0.5, 0.9, 1}) {
            for (int gamma = 0; gamma <= 8; gamma++) {
                double sum = 0;
                for (int i = 0; i <= gamma; i++) {
                    sum += Math.pow(alpha, i);
                }
                assertThat(AdaptiveDraftLength.expectedTokens(alpha, gamma)).isCloseTo(sum, within(1e-12));
            }
        }
    }

    @Test
    void expectedTokensMatchesASimulationOfAcceptance() {
        // 200k simulated steps; the mean is allowed 5 standard errors (sd estimated from the sample)
        SplittableRandom random = new SplittableRandom(17);
        int steps = 200_000;
        for (double alpha : new double[] {0.3, 0.6, 0.9}) {
            for (int gamma : new int[] {1, 3, 6}) {
                double sum = 0;
                double squares = 0;
                for (int s = 0; s < steps; s++) {
                    int accepted = 0;
                    while (accepted < gamma && random.nextDouble() < alpha) {
                        accepted++;
                    }
                    int emitted = accepted + 1; // accepted drafts + the target's correction or bonus
                    sum += emitted;
                    squares += (double) emitted * emitted;
                }
                double mean = sum / steps;
                double standardError = Math.sqrt((squares / steps - mean * mean) / steps);
                assertThat(AdaptiveDraftLength.expectedTokens(alpha, gamma)).as("alpha %s gamma %s", alpha, gamma)
                        .isCloseTo(mean, within(5 * standardError));
            }
        }
    }

    @Test
    void aFixedVerificationCostTurnsShortDraftsOffFirst() {
        // verification costing 1.85 decode passes whatever γ, drafts 0.1 each: at α = 0.5 nothing
        // pays (E(0.5, 8) / 2.65 < 1); at α = 0.8, γ = 1 would lose (1.8 / 1.95) but γ = 8 wins (4.33 / 2.65)
        assertThat(AdaptiveDraftLength.bestDraftLength(0.5, 8, 0.1, 0.85)).isZero();
        assertThat(AdaptiveDraftLength.bestDraftLength(0.8, 1, 0.1, 0.85)).isZero();
        assertThat(AdaptiveDraftLength.bestDraftLength(0.8, 8, 0.1, 0.85)).isEqualTo(8);
        assertThat(AdaptiveDraftLength.bestDraftLength(0.8, 8, 0.1, 0.0))
                .isEqualTo(AdaptiveDraftLength.bestDraftLength(0.8, 8, 0.1));
    }

    @Test
    void bestDraftLengthTradesTokensAgainstDraftCost() {
        assertThat(AdaptiveDraftLength.bestDraftLength(0.8, 8, 0.0)).as("free drafts: as long as allowed")
                .isEqualTo(8);
        assertThat(AdaptiveDraftLength.bestDraftLength(0.1, 8, 0.2)).as("E(0.1, 1) / 1.2 < 1: off").isZero();
        int best = AdaptiveDraftLength.bestDraftLength(0.8, 12, 0.1);
        assertThat(best).isBetween(1, 11);
        double bestRate = AdaptiveDraftLength.expectedTokens(0.8, best) / (1 + 0.1 * best);
        for (int gamma = 0; gamma <= 12; gamma++) {
            assertThat(AdaptiveDraftLength.expectedTokens(0.8, gamma) / (1 + 0.1 * gamma))
                    .isLessThanOrEqualTo(bestRate);
        }
        assertThat(AdaptiveDraftLength.bestDraftLength(0.0, 8, 0.0)).as("nothing accepted: a tie, the shorter")
                .isZero();
    }

    @Test
    void acceptanceRateCountsTheRejectedTokenAsExamined() {
        AdaptiveDraftLength adaptive = new AdaptiveDraftLength(
                new SpeculationOptions(0.1, 8, 0.2, 0, 0.7, 0.5, 4), 4);
        assertThat(adaptive.acceptanceRate()).as("prior").isEqualTo(0.7);
        adaptive.record(4, 4); // 4 of 4
        assertThat(adaptive.acceptanceRate()).isEqualTo(1.0);
        adaptive.record(4, 1); // 1 accepted, 1 rejected: 2 examined; old counts halved
        assertThat(adaptive.acceptanceRate()).isCloseTo((0.5 * 4 + 1) / (0.5 * 4 + 2), within(1e-12));
        adaptive.record(0, 0); // nothing proposed: nothing learnt
        assertThat(adaptive.verifications()).isEqualTo(2);
    }

    @Test
    void standsDownForLargeBatchesAndLowAcceptanceButProbes() {
        SpeculationOptions options = new SpeculationOptions(0.0, 8, 0.3, 4, 0.7, 0.5, 4);
        AdaptiveDraftLength adaptive = new AdaptiveDraftLength(options, 5);
        assertThat(adaptive.draftLength(1)).as("prior acceptance, free drafts").isEqualTo(5);
        assertThat(adaptive.draftLength(9)).as("batch above the limit").isZero();
        for (int i = 0; i < 4; i++) {
            adaptive.record(5, 0);
        }
        int[] lengths = new int[8];
        for (int i = 0; i < lengths.length; i++) {
            lengths[i] = adaptive.draftLength(1);
        }
        assertThat(lengths).as("off, with a one-token probe every 4th step").containsExactly(0, 0, 0, 1, 0, 0, 0, 1);
        adaptive.record(1, 1);
        adaptive.record(5, 5);
        assertThat(adaptive.acceptanceRate()).isGreaterThan(0.3);
        assertThat(adaptive.draftLength(1)).as("recovered").isEqualTo(5);
    }
}
