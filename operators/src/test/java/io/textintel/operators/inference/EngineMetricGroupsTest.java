package io.textintel.operators.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.textintel.serving.engine.EngineMetrics;
import io.textintel.serving.generate.GenerationMetrics;
import io.textintel.serving.spec.Speculation;

import org.junit.jupiter.api.Test;

import java.util.Random;

class EngineMetricGroupsTest {

    private static EngineMetrics engine(long tokens, long padding) {
        return new EngineMetrics(0, 0, 0, 0, 0, 0, tokens, padding, 0, 0.0, 0);
    }

    private static GenerationMetrics generation(long proposed, long accepted, long constrainedProposed,
            long constrainedAccepted) {
        return new GenerationMetrics(0, 0, 0, 0, 0, 0, 0, 0, 0, proposed, accepted, 0, 0, 0, 0, 0, 0, 0,
                new long[1], 0, constrainedProposed, constrainedAccepted);
    }

    @Test
    void paddingShareIsPaddingOverAllRowsAndZeroBeforeAnyPass() {
        assertThat(EngineMetricGroups.paddingShare(engine(0, 0))).isZero();
        assertThat(EngineMetricGroups.paddingShare(engine(30, 10))).isEqualTo(0.25);
        assertThat(EngineMetricGroups.paddingShare(engine(7, 0))).isZero();
        Random random = new Random(3);
        for (int i = 0; i < 1000; i++) {
            long tokens = random.nextInt(10_000);
            long padding = random.nextInt(10_000);
            double reference = tokens + padding == 0 ? 0 : padding / (double) (tokens + padding);
            assertThat(EngineMetricGroups.paddingShare(engine(tokens, padding))).isCloseTo(reference, within(1e-12))
                    .isBetween(0.0, 1.0);
        }
    }

    @Test
    void acceptanceCountsConstrainedAnswersAndIsZeroBeforeAnyDraft() {
        assertThat(EngineMetricGroups.acceptance(generation(0, 0, 0, 0))).isZero();
        assertThat(EngineMetricGroups.acceptance(generation(10, 5, 0, 0))).isEqualTo(0.5);
        // constrained answers only: the scheduler's own counters stay at zero
        assertThat(EngineMetricGroups.acceptance(generation(0, 0, 4, 3))).isEqualTo(0.75);
        Random random = new Random(5);
        for (int i = 0; i < 1000; i++) {
            long proposed = random.nextInt(1000);
            long accepted = proposed == 0 ? 0 : random.nextInt((int) proposed + 1);
            long cProposed = random.nextInt(1000);
            long cAccepted = cProposed == 0 ? 0 : random.nextInt((int) cProposed + 1);
            long all = proposed + cProposed;
            double reference = all == 0 ? 0 : (accepted + cAccepted) / (double) all;
            assertThat(EngineMetricGroups.acceptance(generation(proposed, accepted, cProposed, cAccepted)))
                    .isCloseTo(reference, within(1e-12)).isBetween(0.0, 1.0);
        }
    }

    @Test
    void decoderLabelsNameTheSpeculation() {
        assertThat(EngineMetricGroups.decoderLabel(Speculation.NONE)).isEqualTo("decoder");
        for (Speculation kind : Speculation.values()) {
            assertThat(EngineMetricGroups.decoderLabel(kind)).matches("[a-z_]+");
        }
    }
}
