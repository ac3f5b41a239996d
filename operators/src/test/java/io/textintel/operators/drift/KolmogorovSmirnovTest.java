package io.textintel.operators.drift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.apache.datasketches.kll.KllDoublesSketch;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

class KolmogorovSmirnovTest {

    /** The textbook two-sample statistic: both empirical CDFs (inclusive) at every point of either sample. */
    static double exactTwoSample(double[] a, double[] b) {
        double[] x = a.clone();
        double[] y = b.clone();
        Arrays.sort(x);
        Arrays.sort(y);
        double d = 0;
        for (double[] sample : new double[][] {x, y}) {
            for (double t : sample) {
                double fx = KolmogorovSmirnov.countAtMost(x, t) / (double) x.length;
                double fy = KolmogorovSmirnov.countAtMost(y, t) / (double) y.length;
                d = Math.max(d, Math.abs(fx - fy));
            }
        }
        return d;
    }

    private static KllDoublesSketch sketch(double[] values, int k) {
        KllDoublesSketch sketch = KllDoublesSketch.newHeapInstance(k);
        for (double v : values) {
            sketch.update(v);
        }
        return sketch;
    }

    private static double[] sorted(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        return s;
    }

    /** While the sketch retains every item (n <= k) the distance is exact: equal to rounding (1e-12). */
    @Test
    void exactSketchGivesTheExactTwoSampleStatistic() {
        SplittableRandom random = new SplittableRandom(1);
        for (int trial = 0; trial < 200; trial++) {
            int n = 1 + random.nextInt(200);
            boolean ties = trial % 2 == 0; // integer data: many ties within and across samples
            double shift = random.nextDouble() * 0.5;
            double[] window = new double[n];
            for (int i = 0; i < n; i++) {
                double g = PrincipalDirections.gaussian(random) + shift;
                window[i] = ties ? Math.round(3 * g) : g;
            }
            double[] reference = new double[500];
            for (int i = 0; i < reference.length; i++) {
                double g = PrincipalDirections.gaussian(random);
                reference[i] = ties ? Math.round(3 * g) : g;
            }
            double expected = exactTwoSample(window, reference);
            assertThat(KolmogorovSmirnov.distance(sketch(window, 200), sorted(reference)))
                    .as("trial %d, n %d", trial, n)
                    .isCloseTo(expected, within(1e-12));
        }
    }

    /**
     * In estimation mode the window's CDF is the sketch's; the distance is off by at most the sketch's rank
     * error, taken as its double-sided (PMF/CDF) normalised rank error at 99% confidence (about 1.6% at k = 200).
     */
    @Test
    void estimatingSketchIsWithinItsRankError() {
        SplittableRandom random = new SplittableRandom(2);
        for (int trial = 0; trial < 10; trial++) {
            double[] window = new double[20_000];
            for (int i = 0; i < window.length; i++) {
                window[i] = PrincipalDirections.gaussian(random) * (1 + 0.05 * trial);
            }
            double[] reference = new double[5000];
            for (int i = 0; i < reference.length; i++) {
                reference[i] = PrincipalDirections.gaussian(random);
            }
            KllDoublesSketch sketch = sketch(window, 200);
            assertThat(sketch.isEstimationMode()).isTrue();
            double tolerance = sketch.getNormalizedRankError(true);
            assertThat(KolmogorovSmirnov.distance(sketch, sorted(reference)))
                    .isCloseTo(exactTwoSample(window, reference), within(tolerance));
        }
    }

    /** The rank form computes the same doubles as the value form for samples drawn from the reference. */
    @Test
    void rankFormEqualsValueFormExactly() {
        SplittableRandom random = new SplittableRandom(3);
        double[] reference = new double[300];
        for (int i = 0; i < reference.length; i++) {
            reference[i] = Math.round(4 * PrincipalDirections.gaussian(random)); // ties
        }
        double[] sortedReference = sorted(reference);
        int[] atMostByRankBelow = new int[reference.length];
        for (double x : reference) {
            atMostByRankBelow[KolmogorovSmirnov.countBelow(sortedReference, x)] =
                    KolmogorovSmirnov.countAtMost(sortedReference, x);
        }
        for (int trial = 0; trial < 100; trial++) {
            int n = 1 + random.nextInt(150);
            double[] items = new double[n];
            int[] ranks = new int[n];
            for (int i = 0; i < n; i++) {
                items[i] = reference[random.nextInt(reference.length)];
            }
            Arrays.sort(items);
            for (int i = 0; i < n; i++) {
                ranks[i] = KolmogorovSmirnov.countBelow(sortedReference, items[i]);
            }
            assertThat(KolmogorovSmirnov.distanceFromRanks(ranks, n, atMostByRankBelow, reference.length))
                    .isEqualTo(KolmogorovSmirnov.distance(items, null, n, sortedReference));
        }
    }

    @Test
    void emptySidesHaveNoDistance() {
        assertThat(KolmogorovSmirnov.distance(null, new double[] {1})).isNaN();
        assertThat(KolmogorovSmirnov.distance(KllDoublesSketch.newHeapInstance(200), new double[] {1})).isNaN();
        assertThat(KolmogorovSmirnov.distance(sketch(new double[] {1}, 200), new double[0])).isNaN();
    }

    @Test
    void disjointSamplesAreAtDistanceOne() {
        assertThat(KolmogorovSmirnov.distance(sketch(new double[] {5, 6, 7}, 200), new double[] {1, 2, 3}))
                .isEqualTo(1.0);
    }
}
