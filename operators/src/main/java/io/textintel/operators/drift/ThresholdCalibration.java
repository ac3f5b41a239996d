package io.textintel.operators.drift;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Serializable;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Thresholds for every statistic of a profile at one window size, calibrated by bootstrap so that the
 * expected run time between false alarms under no drift is {@code expectedRunTime} windows.
 *
 * <p>The procedure, deterministic for the same profile, settings and window size:
 * <ol>
 *   <li>Target family-wise false-alarm rate per window α: for windows judged independently an alarm is a
 *       Bernoulli(α) event, so run lengths are geometric with mean 1/α = ERT. With a debounce of c
 *       consecutive windows, α solves (1 − α^c) / ((1 − α)·α^c) = ERT, the mean wait for c successes in a
 *       row; this treats the family's exceedances as one event and is exact for c = 1.</li>
 *   <li>B pseudo-windows ({@code calibrationWindows}) are drawn with replacement from the reference
 *       documents with a seeded RNG, each statistic computed by {@link WindowStatistics}, the live code path
 *       (pseudo-windows no larger than the KLL k read the reference documents through {@link ResampledWindow},
 *       which gives the sketches' exact values at a tenth of the cost).
 *       A pseudo-window holds n·N/(n + N) documents, not n: a live window's distance to the reference
 *       carries the reference's own sampling error as well as the window's, variance ∝ 1/n + 1/N, while a
 *       resampled window's distance carries only 1/size; this size matches the two to first order (for
 *       N = 20n the bootstrap would otherwise alarm about 1.5 times too often at the tail levels used).</li>
 *   <li>A statistic can exceed only where the live detector would let it: sample size at least
 *       {@code minWindowDocuments}. Threshold t_j(r) is the smallest order statistic of statistic j's
 *       pseudo-window values with at most r values strictly above it.</li>
 *   <li>Plain Bonferroni takes r = ⌊αB/m⌋ for m statistics, which bounds the family-wise rate by α, but
 *       the statistics are correlated (JSD and PSI of the same feature, the embedding statistics) or
 *       degenerate (a category that never varies), so the real rate would be well below α and the run
 *       length well above ERT. The common per-statistic level r/B is therefore raised by bisection from
 *       the Bonferroni level to the largest r whose bootstrap family-wise rate (pseudo-windows where any
 *       statistic exceeds) is at most α.</li>
 * </ol>
 */
public final class ThresholdCalibration implements Serializable {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ThresholdCalibration.class);

    private final List<DriftStatistic> statistics;
    private final int windowDocuments;
    private final int pseudoWindowDocuments;
    private final int pseudoWindows;
    private final double[] thresholds; // [statistics]
    private final double targetRate;
    private final double perStatisticLevel;
    private final double familyWiseRate;

    private ThresholdCalibration(List<DriftStatistic> statistics, int windowDocuments, int pseudoWindowDocuments,
            int pseudoWindows, double[] thresholds, double targetRate, double perStatisticLevel,
            double familyWiseRate) {
        this.statistics = statistics;
        this.windowDocuments = windowDocuments;
        this.pseudoWindowDocuments = pseudoWindowDocuments;
        this.pseudoWindows = pseudoWindows;
        this.thresholds = thresholds;
        this.targetRate = targetRate;
        this.perStatisticLevel = perStatisticLevel;
        this.familyWiseRate = familyWiseRate;
    }

    /** Calibrates {@code profile}'s statistics for windows of {@code windowDocuments} documents. */
    public static ThresholdCalibration calibrate(ReferenceProfile profile, DriftSettings settings,
            int windowDocuments) {
        if (windowDocuments < 1) {
            throw new IllegalArgumentException("windowDocuments is " + windowDocuments + ", expected at least 1");
        }
        long start = System.nanoTime();
        List<DriftStatistic> statistics = profile.statistics();
        int m = statistics.size();
        int b = settings.calibrationWindows();
        int n = profile.documents();
        int size = (int) Math.max(1, Math.round((double) windowDocuments * n / (windowDocuments + n)));
        double alpha = familyWiseRate(settings.expectedRunTime(), settings.consecutiveWindows());

        // [statistics][pseudo-windows]; -inf where the live detector could not exceed.
        double[][] samples = new double[m][b];
        WindowStatistics windowStatistics = new WindowStatistics(profile);
        SplittableRandom random = new SplittableRandom(settings.seed() * 0x9E3779B97F4A7C15L + windowDocuments);
        double[] values = new double[m];
        long[] sampleSizes = new long[m];
        int min = settings.minWindowDocuments();
        // A pseudo-window no larger than the KLL k is exact in the sketches, so it is read straight from the
        // reference (same values, tested); a larger one goes through the sketches so their error is calibrated too.
        boolean exact = size <= settings.sketchK();
        ResampledWindow resampled = exact ? new ResampledWindow(profile, size) : null;
        int[] indices = new int[size];
        for (int w = 0; w < b; w++) {
            for (int i = 0; i < size; i++) {
                indices[i] = random.nextInt(n);
            }
            long count;
            if (exact) {
                resampled.reset(indices, size);
                windowStatistics.compute(resampled, values, sampleSizes);
                count = size;
            } else {
                DriftAccumulator window = DriftAccumulator.forProfile(profile);
                for (int index : indices) {
                    window.add(profile.document(index));
                }
                windowStatistics.compute(window, values, sampleSizes);
                count = window.count();
            }
            for (int s = 0; s < m; s++) {
                samples[s][w] = canExceed(values[s], sampleSizes[s], count, min) ? values[s] : Double.NEGATIVE_INFINITY;
            }
        }
        double[][] sorted = new double[m][];
        for (int s = 0; s < m; s++) {
            sorted[s] = samples[s].clone();
            Arrays.sort(sorted[s]);
        }
        long allowed = (long) Math.floor(alpha * b);
        int lo = (int) Math.floor(alpha * b / Math.max(1, m)); // Bonferroni: family-wise count <= m·lo <= allowed
        int hi = (int) allowed;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (exceedingWindows(samples, thresholds(sorted, mid)) <= allowed) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        double[] thresholds = thresholds(sorted, lo);
        double achieved = (double) exceedingWindows(samples, thresholds) / b;
        LOG.info("Calibrated {} drift thresholds for windows of {} documents ({} per pseudo-window, {} pseudo-windows)"
                        + " in {} ms: per-statistic level {}, bootstrap family-wise rate {} for a target of {}",
                m, windowDocuments, size, b, (System.nanoTime() - start) / 1_000_000, (double) lo / b, achieved,
                alpha);
        return new ThresholdCalibration(statistics, windowDocuments, size, b, thresholds, alpha, (double) lo / b,
                achieved);
    }

    /** Whether the detector may mark a value exceeded: a finite value on enough documents. */
    static boolean canExceed(double value, long sampleSize, long windowCount, int minWindowDocuments) {
        return !Double.isNaN(value) && sampleSize >= minWindowDocuments && windowCount >= minWindowDocuments;
    }

    /** The per-window family-wise rate α whose mean wait for {@code c} alarms in a row is {@code ert} windows. */
    static double familyWiseRate(double ert, int c) {
        if (c == 1) {
            return 1 / ert;
        }
        double lo = 0;
        double hi = 1;
        for (int i = 0; i < 200; i++) {
            double a = 0.5 * (lo + hi);
            double wait = (1 - Math.pow(a, c)) / ((1 - a) * Math.pow(a, c));
            if (wait > ert) {
                lo = a;
            } else {
                hi = a;
            }
        }
        return 0.5 * (lo + hi);
    }

    /**
     * Per statistic, the smallest sample value with at most {@code r} values strictly above it; the
     * largest finite value where fewer than r + 1 are finite, and +inf where none is (it never exceeds).
     */
    private static double[] thresholds(double[][] sorted, int r) {
        double[] t = new double[sorted.length];
        for (int s = 0; s < sorted.length; s++) {
            double[] v = sorted[s];
            double candidate = v[Math.max(0, v.length - 1 - r)];
            if (candidate == Double.NEGATIVE_INFINITY) {
                candidate = v[v.length - 1] == Double.NEGATIVE_INFINITY ? Double.POSITIVE_INFINITY : v[v.length - 1];
            }
            t[s] = candidate;
        }
        return t;
    }

    /** Pseudo-windows in which at least one statistic is above its threshold. */
    private static long exceedingWindows(double[][] samples, double[] thresholds) {
        int b = samples.length == 0 ? 0 : samples[0].length;
        long count = 0;
        for (int w = 0; w < b; w++) {
            for (int s = 0; s < samples.length; s++) {
                if (samples[s][w] > thresholds[s]) {
                    count++;
                    break;
                }
            }
        }
        return count;
    }

    /** The thresholds, one per statistic in {@link ReferenceProfile#statistics()} order; a copy. */
    public double[] thresholds() {
        return thresholds.clone();
    }

    public double threshold(int statistic) {
        return thresholds[statistic];
    }

    /** The live window size these thresholds are for. */
    public int windowDocuments() {
        return windowDocuments;
    }

    /** Documents per bootstrap pseudo-window: n·N/(n + N). */
    public int pseudoWindowDocuments() {
        return pseudoWindowDocuments;
    }

    public int pseudoWindows() {
        return pseudoWindows;
    }

    /** α, the per-window family-wise false-alarm rate the thresholds aim at. */
    public double targetRate() {
        return targetRate;
    }

    /** The common per-statistic exceedance level found by bisection (at least α / statistics). */
    public double perStatisticLevel() {
        return perStatisticLevel;
    }

    /** The share of pseudo-windows in which some statistic exceeds its threshold (at most α). */
    public double familyWiseRate() {
        return familyWiseRate;
    }

    /** A JSON-ready summary; a threshold no pseudo-window could reach is written as null. */
    public Map<String, Object> describe() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("windowDocuments", windowDocuments);
        out.put("pseudoWindowDocuments", pseudoWindowDocuments);
        out.put("pseudoWindows", pseudoWindows);
        out.put("targetFamilyWiseRate", targetRate);
        out.put("perStatisticLevel", perStatisticLevel);
        out.put("familyWiseRate", familyWiseRate);
        Map<String, Object> byName = new LinkedHashMap<>();
        for (int s = 0; s < statistics.size(); s++) {
            byName.put(statistics.get(s).name(), Double.isFinite(thresholds[s]) ? thresholds[s] : null);
        }
        out.put("statistics", byName);
        return out;
    }
}
