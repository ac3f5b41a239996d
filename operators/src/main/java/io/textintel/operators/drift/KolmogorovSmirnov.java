package io.textintel.operators.drift;

import org.apache.datasketches.kll.KllDoublesSketch;
import org.apache.datasketches.quantilescommon.DoublesSortedView;

/**
 * The two-sample Kolmogorov–Smirnov distance sup|F_window(x) − F_reference(x)| between a window's KLL
 * sketch and the reference's exact sorted values.
 *
 * <p>Between two consecutive window values the window's empirical CDF is constant and the reference's
 * is non-decreasing, so the supremum over that interval sits at its left end (inclusive) or just below
 * its right end (exclusive). Evaluating both sides at every distinct window value, with the reference's
 * counts found by binary search, is therefore exact: O(m log n) for m retained sketch items instead of
 * a merge over all n reference values. While a KLL sketch is exact (n below about its k) so is the
 * distance; beyond, its error is bounded by the sketch's rank error.
 */
final class KolmogorovSmirnov {

    private KolmogorovSmirnov() {}

    /** The distance, or {@code NaN} when either side is empty. */
    static double distance(KllDoublesSketch window, double[] sortedReference) {
        if (window == null || window.isEmpty() || sortedReference.length == 0) {
            return Double.NaN;
        }
        DoublesSortedView view = window.getSortedView();
        double[] items = view.getQuantiles(); // ascending, may repeat
        long[] cumulative = view.getCumulativeWeights(); // inclusive natural ranks
        double n = view.getN();
        double m = sortedReference.length;
        double d = 0;
        long below = 0; // window weight strictly below items[i]
        int i = 0;
        while (i < items.length) {
            double x = items[i];
            int last = i;
            while (last + 1 < items.length && items[last + 1] == x) {
                last++;
            }
            double referenceBelow = countBelow(sortedReference, x) / m;
            double referenceAtMost = countAtMost(sortedReference, x) / m;
            d = Math.max(d, Math.abs(below / n - referenceBelow));
            d = Math.max(d, Math.abs(cumulative[last] / n - referenceAtMost));
            below = cumulative[last];
            i = last + 1;
        }
        return d;
    }

    /** Elements of {@code sorted} strictly below {@code x}. */
    static int countBelow(double[] sorted, double x) {
        int lo = 0;
        int hi = sorted.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] < x) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** Elements of {@code sorted} at most {@code x}. */
    static int countAtMost(double[] sorted, double x) {
        int lo = 0;
        int hi = sorted.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] <= x) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
