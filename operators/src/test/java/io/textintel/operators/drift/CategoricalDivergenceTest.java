package io.textintel.operators.drift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** Against values worked out by hand (natural log); tolerance 1e-12, rounding only. */
class CategoricalDivergenceTest {

    @Test
    void jensenShannonOfTwoKnownDistributions() {
        // p = (0.5, 0.5), q = (0.9, 0.1), m = (0.7, 0.3):
        // ½[0.5 ln(0.5/0.7) + 0.5 ln(0.5/0.3)] + ½[0.9 ln(0.9/0.7) + 0.1 ln(0.1/0.3)]
        double expected = 0.5 * (0.5 * Math.log(0.5 / 0.7) + 0.5 * Math.log(0.5 / 0.3))
                + 0.5 * (0.9 * Math.log(0.9 / 0.7) + 0.1 * Math.log(0.1 / 0.3));
        assertThat(expected).isCloseTo(0.1017492, within(1e-7)); // the hand-computed figure: 0.0435884 + 0.0581608
        assertThat(CategoricalDivergence.jensenShannon(new double[] {5, 5}, new double[] {90, 10}))
                .isCloseTo(expected, within(1e-12));
    }

    @Test
    void jensenShannonOfDisjointSupportsIsLnTwo() {
        assertThat(CategoricalDivergence.jensenShannon(new double[] {0, 0, 7}, new double[] {3, 4, 0}))
                .isCloseTo(Math.log(2), within(1e-12));
    }

    @Test
    void populationStabilityOfTwoKnownDistributions() {
        // (0.5 − 0.9) ln(0.5/0.9) + (0.5 − 0.1) ln(0.5/0.1) = 0.4 ln(1.8) + 0.4 ln 5
        double expected = 0.4 * Math.log(1.8) + 0.4 * Math.log(5);
        assertThat(expected).isCloseTo(0.8788898, within(1e-7));
        assertThat(CategoricalDivergence.populationStability(new double[] {5, 5}, new double[] {90, 10}))
                .isCloseTo(expected, within(1e-12));
    }

    /** A category the reference never saw: its share 0 is floored at 1e-4 and both distributions renormalised. */
    @Test
    void populationStabilityStaysFiniteForAnUnseenCategory() {
        double floor = CategoricalDivergence.PSI_FLOOR;
        double[] p = {0.5 / (1 + 0), 0.5};
        double[] q = {1 / (1 + floor), floor / (1 + floor)};
        double expected = (p[0] - q[0]) * Math.log(p[0] / q[0]) + (p[1] - q[1]) * Math.log(p[1] / q[1]);
        double psi = CategoricalDivergence.populationStability(new double[] {10, 10}, new double[] {100, 0});
        assertThat(psi).isFinite().isCloseTo(expected, within(1e-12));
    }

    @Test
    void identicalSharesDivergeByZeroWhateverTheCounts() {
        assertThat(CategoricalDivergence.populationStability(new double[] {1, 3, 0}, new double[] {100, 300, 0}))
                .isCloseTo(0, within(1e-15));
        assertThat(CategoricalDivergence.jensenShannon(new double[] {1, 3, 0}, new double[] {100, 300, 0}))
                .isCloseTo(0, within(1e-15));
    }

    @Test
    void emptyDistributionsHaveNoDivergence() {
        assertThat(CategoricalDivergence.jensenShannon(new double[] {0, 0}, new double[] {1, 1})).isNaN();
        assertThat(CategoricalDivergence.populationStability(new double[] {1, 1}, new double[] {0, 0})).isNaN();
    }
}
