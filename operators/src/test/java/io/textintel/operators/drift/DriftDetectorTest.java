package io.textintel.operators.drift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

class DriftDetectorTest {

    private static ReferenceProfile profile;

    @BeforeAll
    static void build() {
        profile = ReferenceProfile.build(new SyntheticDriftStream(7, 1).take(400), DriftTestProfiles.SMALL);
    }

    private static DriftAccumulator window(DriftDetector detector, SyntheticDriftStream stream, int size) {
        DriftAccumulator window = detector.newWindow();
        for (DriftFeatures f : stream.take(size)) {
            window.add(profile.project(f));
        }
        return window;
    }

    private static StatisticResult result(List<StatisticResult> results, String name) {
        return results.stream().filter(r -> (r.feature() + "/" + r.statistic()).equals(name)).findFirst().orElseThrow();
    }

    /** With a debounce of 2 a switched language exceeds at once but reports drift from the second window on. */
    @Test
    void debounceNeedsConsecutiveExceedances() {
        DriftSettings settings = DriftTestProfiles.SMALL.withConsecutiveWindows(2);
        DriftDetector detector = new DriftDetector(profile, settings);
        int[] streaks = new int[detector.statisticCount()];
        SyntheticDriftStream switched = new SyntheticDriftStream(7, 20).switchLanguage();

        StatisticResult first = result(detector.evaluate(window(detector, switched, 40), streaks), "language/jsd");
        assertThat(first.exceeded()).isTrue();
        assertThat(first.drifted()).isFalse();
        StatisticResult second = result(detector.evaluate(window(detector, switched, 40), streaks), "language/jsd");
        assertThat(second.exceeded()).isTrue();
        assertThat(second.drifted()).isTrue();

        int jsd = detector.statistics().indexOf(detector.statistics().stream()
                .filter(s -> s.name().equals("language/jsd")).findFirst().orElseThrow());
        assertThat(streaks[jsd]).isEqualTo(2);
        SyntheticDriftStream normal = new SyntheticDriftStream(7, 21);
        StatisticResult third = result(detector.evaluate(window(detector, normal, 40), streaks), "language/jsd");
        assertThat(third.exceeded()).isFalse();
        assertThat(streaks[jsd]).isZero();
    }

    /** A language the reference never saw: JSD and PSI finite (PSI by its 1e-4 floor), far above threshold. */
    @Test
    void unseenCategoriesGiveFiniteDivergences() {
        DriftDetector detector = new DriftDetector(profile, DriftTestProfiles.SMALL);
        List<StatisticResult> results = detector.evaluate(
                window(detector, new SyntheticDriftStream(7, 22).switchLanguage(), 40), new int[detector.statisticCount()]);
        StatisticResult jsd = result(results, "language/jsd");
        StatisticResult psi = result(results, "language/psi");
        assertThat(jsd.value()).isEqualTo(Math.log(2), org.assertj.core.api.Assertions.within(1e-12));
        assertThat(psi.value()).isFinite().isGreaterThan(psi.threshold());
        assertThat(psi.drifted()).isTrue();
        assertThat(psi.sampleSize()).isEqualTo(40);
    }

    /** Windows below minWindowDocuments are evaluated and reported, never exceeded. */
    @Test
    void smallWindowsAreReportedButNeverDrifted() {
        DriftDetector detector = new DriftDetector(profile, DriftTestProfiles.SMALL);
        List<StatisticResult> results = detector.evaluate(
                window(detector, new SyntheticDriftStream(7, 23).switchLanguage(), 5), new int[detector.statisticCount()]);
        assertThat(results).hasSize(detector.statisticCount());
        assertThat(result(results, "language/jsd").value()).isGreaterThan(0.5);
        assertThat(results).noneMatch(StatisticResult::exceeded).noneMatch(StatisticResult::drifted);
    }

    @Test
    void misuseIsRejectedWithWhatWasExpected() {
        DriftDetector detector = new DriftDetector(profile, DriftTestProfiles.SMALL);
        assertThatThrownBy(() -> detector.evaluate(detector.newWindow(), new int[detector.statisticCount()]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no documents");
        DriftAccumulator window = window(detector, new SyntheticDriftStream(7, 24), 20);
        assertThatThrownBy(() -> detector.evaluate(window, new int[3]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("streaks has 3 entries, expected one per statistic (14)");
        DriftAccumulator otherShape = new DriftAccumulator(ReferenceProfile.SCALARS, 0, 200);
        otherShape.add(new ProjectedFeatures("x", 0, new double[ReferenceProfile.SCALARS], new String[2], null));
        assertThatThrownBy(() -> detector.evaluate(otherShape, new int[detector.statisticCount()]))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("window has 6 values and 0 dims, expected 15 values and 32 dims (the reference profile's)");
        assertThatThrownBy(() -> new DriftDetector(profile, DriftTestProfiles.SMALL.withDirections(4, true)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rebuild the profile");
    }

    /** Buckets: lower edges at most n, non-decreasing in n, eight per doubling; thresholds cached per bucket. */
    @Test
    void windowSizesShareThresholdsWithinABucket() {
        int previous = 0;
        for (int n = 1; n <= 5000; n++) {
            int edge = DriftDetector.bucketLowerEdge(n, 10);
            assertThat(edge).isLessThanOrEqualTo(n).isGreaterThanOrEqualTo(previous);
            assertThat(edge).isGreaterThan((int) (n / Math.pow(2, 1.0 / 8)) - 1);
            previous = edge;
        }
        assertThat(DriftDetector.bucketLowerEdge(100, 10)).isEqualTo(96);
        DriftDetector detector = new DriftDetector(profile, DriftTestProfiles.SMALL);
        assertThat(detector.thresholdsFor(41)).isSameAs(detector.thresholdsFor(42));
        assertThat(detector.thresholdsFor(41).windowDocuments()).isEqualTo(DriftDetector.bucketLowerEdge(41, 10));
    }

    @Test
    void theDetectorSurvivesJavaSerialisation() throws Exception {
        DriftDetector detector = new DriftDetector(profile, DriftTestProfiles.SMALL);
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
            out.writeObject(detector);
        }
        DriftDetector copy;
        try (java.io.ObjectInputStream in = new java.io.ObjectInputStream(
                new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
            copy = (DriftDetector) in.readObject();
        }
        DriftAccumulator window = window(detector, new SyntheticDriftStream(7, 25), 40);
        assertThat(copy.evaluate(window, new int[14])).isEqualTo(detector.evaluate(window, new int[14]));
    }
}
