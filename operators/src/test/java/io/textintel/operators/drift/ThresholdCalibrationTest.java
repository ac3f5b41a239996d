package io.textintel.operators.drift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

class ThresholdCalibrationTest {

    private static ReferenceProfile profile;

    @BeforeAll
    static void build() {
        profile = ReferenceProfile.build(new SyntheticDriftStream(7, 1).take(400), DriftTestProfiles.SMALL);
    }

    /**
     * The pseudo-window read straight from the reference gives exactly (==) the statistics of a
     * DriftAccumulator fed the same documents, for every size up to the KLL k, where the sketches are exact.
     */
    @Test
    void resampledWindowsEqualAccumulatorsOfTheSameDocuments() {
        WindowStatistics statistics = new WindowStatistics(profile);
        int m = profile.statistics().size();
        ResampledWindow resampled = new ResampledWindow(profile, 200);
        SplittableRandom random = new SplittableRandom(5);
        for (int trial = 0; trial < 300; trial++) {
            int size = 1 + random.nextInt(200);
            int[] indices = new int[size];
            DriftAccumulator accumulator = DriftAccumulator.forProfile(profile);
            for (int i = 0; i < size; i++) {
                indices[i] = random.nextInt(profile.documents());
                accumulator.add(profile.document(indices[i]));
            }
            resampled.reset(indices, size);
            double[] fast = new double[m];
            long[] fastSizes = new long[m];
            double[] slow = new double[m];
            long[] slowSizes = new long[m];
            statistics.compute(resampled, fast, fastSizes);
            statistics.compute(accumulator, slow, slowSizes);
            assertThat(fast).as("trial %d, %d documents", trial, size).isEqualTo(slow);
            assertThat(fastSizes).isEqualTo(slowSizes);
        }
    }

    @Test
    void calibrationIsDeterministic() {
        ThresholdCalibration a = ThresholdCalibration.calibrate(profile, DriftTestProfiles.SMALL, 40);
        ThresholdCalibration b = ThresholdCalibration.calibrate(profile, DriftTestProfiles.SMALL, 40);
        assertThat(a.thresholds()).isEqualTo(b.thresholds());
        assertThat(a.describe()).isEqualTo(b.describe());
    }

    /**
     * The bisection ends between plain Bonferroni (α/m per statistic) and α, with a bootstrap family-wise rate
     * at most α; and (statistics being positively correlated here) above the Bonferroni level.
     */
    @Test
    void perStatisticLevelLiesBetweenBonferroniAndTheFamilyWiseTarget() {
        ThresholdCalibration c = ThresholdCalibration.calibrate(profile, DriftTestProfiles.SMALL, 40);
        double alpha = 1 / DriftTestProfiles.SMALL.expectedRunTime();
        int m = profile.statistics().size();
        assertThat(c.targetRate()).isEqualTo(alpha);
        assertThat(c.familyWiseRate()).isLessThanOrEqualTo(alpha).isGreaterThan(alpha / 2);
        assertThat(c.perStatisticLevel()).isGreaterThanOrEqualTo(Math.floor(alpha * 1000 / m) / 1000)
                .isLessThanOrEqualTo(alpha);
        int n = profile.documents();
        assertThat(c.pseudoWindowDocuments()).isEqualTo(Math.round(40.0 * n / (40 + n)));
        for (double t : c.thresholds()) {
            assertThat(t).isFinite().isPositive();
        }
    }

    /** Windows larger than the KLL k are calibrated through the sketches; thresholds shrink as windows grow. */
    @Test
    void largerWindowsGetTighterThresholds() {
        DriftSettings settings = DriftTestProfiles.SMALL;
        // 1000 reference documents, of which 500 describe the distributions: pseudo-windows of up to 500.
        ReferenceProfile profile = ReferenceProfile.build(new SyntheticDriftStream(7, 1).take(1000), settings);
        ThresholdCalibration small = ThresholdCalibration.calibrate(profile, settings, 40);
        ThresholdCalibration large = ThresholdCalibration.calibrate(profile, settings, 1000);
        assertThat(large.pseudoWindowDocuments()).isGreaterThan(settings.sketchK());
        int ks = profile.statistics().indexOf(new DriftStatistic("confidence", "ks", DriftStatistic.Kind.KS,
                ScalarFeature.CONFIDENCE.ordinal()));
        assertThat(large.threshold(ks)).isLessThan(small.threshold(ks));
    }

    /** The debounce's α solves (1 − α^c)/((1 − α)α^c) = ERT; c = 1 gives 1/ERT. */
    @Test
    void familyWiseRateSolvesTheRunLengthEquation() {
        assertThat(ThresholdCalibration.familyWiseRate(200, 1)).isEqualTo(1 / 200.0);
        for (int c = 2; c <= 4; c++) {
            double a = ThresholdCalibration.familyWiseRate(200, c);
            assertThat((1 - Math.pow(a, c)) / ((1 - a) * Math.pow(a, c))).isCloseTo(200, within(1e-6));
        }
    }
}
