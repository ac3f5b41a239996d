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
        if (window == null || window.isEmpty()) {
            return Double.NaN;
        }
        DoublesSortedView view = window.getSortedView();
        double[] items = view.getQuantiles();
        return distance(items, view.getCumulativeWeights(), items.length, sortedReference);
    }

    /**
     * The distance of a weighted sample to the reference, or {@code NaN} when either side is empty.
     *
     * @param items the window's items, ascending, may repeat; only the first {@code length} are read
     * @param cumulative inclusive cumulative weights of {@code items}, or {@code null} for weight 1 each
     */
    static double distance(double[] items, long[] cumulative, int length, double[] sortedReference) {
        if (length == 0 || sortedReference.length == 0) {
            return Double.NaN;
        }
        double n = cumulative == null ? length : cumulative[length - 1];
        double m = sortedReference.length;
        double d = 0;
        long below = 0; // window weight strictly below items[i]
        int i = 0;
        while (i < length) {
            double x = items[i];
            int last = i;
            while (last + 1 < length && items[last + 1] == x) {
                last++;
            }
            long atMost = cumulative == null ? last + 1 : cumulative[last];
            double referenceBelow = countBelow(sortedReference, x) / m;
            double referenceAtMost = countAtMost(sortedReference, x) / m;
            d = Math.max(d, Math.abs(below / n - referenceBelow));
            d = Math.max(d, Math.abs(atMost / n - referenceAtMost));
            below = atMost;
            i = last + 1;
        }
        return d;
    }

    /**
     * The distance of a sample drawn from the reference itself, given by each item's reference rank: the
     * same value as {@link #distance(double[], long[], int, double[])} on the items, computed without
     * comparing doubles or searching. For reference values x, countBelow(x) determines x (two different
     * reference values differ in it), so grouping equal ranks groups equal items, and the reference's
     * CDF terms are the same integers divided by the same m.
     *
     * @param ranksBelow each item's count of reference values strictly below it, ascending; first {@code length} read
     * @param atMostByRankBelow for a rank r that occurs, the count of reference values at most the value of rank r
     */
    static double distanceFromRanks(int[] ranksBelow, int length, int[] atMostByRankBelow, int referenceSize) {
        if (length == 0 || referenceSize == 0) {
            return Double.NaN;
        }
        double n = length;
        double m = referenceSize;
        double d = 0;
        long below = 0;
        int i = 0;
        while (i < length) {
            int rank = ranksBelow[i];
            int last = i;
            while (last + 1 < length && ranksBelow[last + 1] == rank) {
                last++;
            }
            long atMost = last + 1;
            double referenceBelow = rank / m;
            double referenceAtMost = atMostByRankBelow[rank] / m;
            d = Math.max(d, Math.abs(below / n - referenceBelow));
            d = Math.max(d, Math.abs(atMost / n - referenceAtMost));
            below = atMost;
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
