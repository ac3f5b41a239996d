package io.textintel.serving.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.textintel.serving.generate.GenerationMetrics;
import io.textintel.serving.spec.Speculation;
import io.textintel.serving.task.DecoderTasks;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The figures engines derive for their metrics ({@link ModelEngine#gauges()}, {@link ModelEngine#kind()}). */
class EngineFiguresTest {

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
        assertThat(engine(0, 0).paddingShare()).isZero();
        assertThat(engine(30, 10).paddingShare()).isEqualTo(0.25);
        assertThat(engine(7, 0).paddingShare()).isZero();
        Random random = new Random(3);
        for (int i = 0; i < 1000; i++) {
            long tokens = random.nextInt(10_000);
            long padding = random.nextInt(10_000);
            double reference = tokens + padding == 0 ? 0 : padding / (double) (tokens + padding);
            assertThat(engine(tokens, padding).paddingShare()).isCloseTo(reference, within(1e-12))
                    .isBetween(0.0, 1.0);
        }
    }

    @Test
    void acceptanceCountsConstrainedAnswersAndIsZeroBeforeAnyDraft() {
        assertThat(generation(0, 0, 0, 0).speculationAcceptance()).isZero();
        assertThat(generation(10, 5, 0, 0).speculationAcceptance()).isEqualTo(0.5);
        // constrained answers only: the scheduler's own counters stay at zero
        assertThat(generation(0, 0, 4, 3).speculationAcceptance()).isEqualTo(0.75);
        Random random = new Random(5);
        for (int i = 0; i < 1000; i++) {
            long proposed = random.nextInt(1000);
            long accepted = proposed == 0 ? 0 : random.nextInt((int) proposed + 1);
            long cProposed = random.nextInt(1000);
            long cAccepted = cProposed == 0 ? 0 : random.nextInt((int) cProposed + 1);
            long all = proposed + cProposed;
            double reference = all == 0 ? 0 : (accepted + cAccepted) / (double) all;
            assertThat(generation(proposed, accepted, cProposed, cAccepted).speculationAcceptance())
                    .isCloseTo(reference, within(1e-12)).isBetween(0.0, 1.0);
        }
    }

    @Test
    void decoderLabelsNameTheSpeculation() {
        assertThat(DecoderTasks.kindOf(Speculation.NONE)).isEqualTo("decoder");
        for (Speculation kind : Speculation.values()) {
            assertThat(DecoderTasks.kindOf(kind)).matches("[a-z_]+");
        }
    }
}
