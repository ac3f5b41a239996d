package io.textintel.serving.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** The chi-square helper against values from scipy.stats.chi2.sf, relative tolerance 1e-9. */
class ChiSquareTest {

    @Test
    void matchesTabulatedTailProbabilities() {
        assertThat(ChiSquare.upperRegularizedGamma(5 / 2.0, 11.070497693516355 / 2)).isCloseTo(0.05, within(5e-11));
        assertThat(ChiSquare.upperRegularizedGamma(5 / 2.0, 25.744831959055876 / 2)).isCloseTo(1e-4, within(1e-13));
        assertThat(ChiSquare.upperRegularizedGamma(3 / 2.0, 21.10751346616021 / 2)).isCloseTo(1e-4, within(1e-13));
        assertThat(ChiSquare.upperRegularizedGamma(5 / 2.0, 30.0 / 2)).isCloseTo(1.4748581038443073e-05, within(1e-14));
        assertThat(ChiSquare.upperRegularizedGamma(5 / 2.0, 0.5 / 2)).isCloseTo(0.9921232932326296, within(1e-12));
    }

    @Test
    void countsMatchingTheProbabilitiesPassAndOthersFail() {
        assertThat(ChiSquare.pValue(new long[] {250, 250, 500, 0}, new double[] {0.25, 0.25, 0.5, 0})).isEqualTo(1.0);
        assertThat(ChiSquare.pValue(new long[] {250, 250, 499, 1}, new double[] {0.25, 0.25, 0.5, 0})).isZero();
        assertThat(ChiSquare.pValue(new long[] {350, 150, 500}, new double[] {0.25, 0.25, 0.5})).isLessThan(1e-9);
    }
}
