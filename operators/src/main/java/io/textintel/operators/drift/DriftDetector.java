package io.textintel.operators.drift;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Judges windows against a reference profile: computes each statistic, compares it with thresholds
 * calibrated for the window's size, and applies the consecutive-windows debounce.
 *
 * <p>Thresholds are calibrated lazily per window-size bucket and cached. Buckets are geometric, eight
 * per doubling from {@code minWindowDocuments} (edges ⌈min·2^(i/8)⌉), and calibrated at their lower edge:
 * a window larger than the size its thresholds were calibrated for has less sampling noise, so its
 * false-alarm rate can only be lower. Windows below {@code minWindowDocuments} are calibrated at their
 * exact size (cheap) and reported, never marked drifted.
 */
public final class DriftDetector implements Serializable {

    private static final long serialVersionUID = 1L;
    private static final int BUCKETS_PER_DOUBLING = 8;

    private final ReferenceProfile profile;
    private final DriftSettings settings;
    private final List<DriftStatistic> statistics;
    private final Map<Integer, ThresholdCalibration> calibrations = new ConcurrentHashMap<>();
    private transient WindowStatistics windowStatistics;

    /**
     * @param settings the monitoring settings (expected run time, debounce, calibration); the shape of the
     *     profile (directions, pca, sketchK) must be the one it was built with
     */
    public DriftDetector(ReferenceProfile profile, DriftSettings settings) {
        DriftSettings built = profile.settings();
        if (settings.directions() != built.directions() || settings.pca() != built.pca()
                || settings.sketchK() != built.sketchK()) {
            throw new IllegalArgumentException("settings have directions " + settings.directions() + ", pca "
                    + settings.pca() + ", sketchK " + settings.sketchK() + ", expected the profile's directions "
                    + built.directions() + ", pca " + built.pca() + ", sketchK " + built.sketchK()
                    + "; rebuild the profile to change them");
        }
        this.profile = profile;
        this.settings = settings;
        this.statistics = profile.statistics();
    }

    /** The statistics {@link #evaluate} reports, in order. */
    public List<DriftStatistic> statistics() {
        return statistics;
    }

    public int statisticCount() {
        return statistics.size();
    }

    public ReferenceProfile profile() {
        return profile;
    }

    /** An empty window for this detector's profile. */
    public DriftAccumulator newWindow() {
        return DriftAccumulator.forProfile(profile);
    }

    /**
     * Evaluates one window.
     *
     * @param streaks per statistic, the number of consecutive windows it has exceeded its threshold;
     *     owned and persisted by the caller, updated here
     * @return one result per statistic, in {@link #statistics()} order
     */
    public List<StatisticResult> evaluate(DriftAccumulator window, int[] streaks) {
        if (streaks.length != statistics.size()) {
            throw new IllegalArgumentException("streaks has " + streaks.length + " entries, expected one per statistic ("
                    + statistics.size() + ")");
        }
        long n = window.count();
        if (n == 0) {
            throw new IllegalArgumentException("the window has no documents; evaluate needs at least one");
        }
        ThresholdCalibration calibration = thresholdsFor((int) Math.min(Integer.MAX_VALUE, n));
        double[] values = new double[statistics.size()];
        long[] sampleSizes = new long[statistics.size()];
        windowStatistics().compute(window, values, sampleSizes);
        List<StatisticResult> results = new ArrayList<>(statistics.size());
        for (int s = 0; s < statistics.size(); s++) {
            double threshold = calibration.threshold(s);
            boolean exceeded = ThresholdCalibration.canExceed(values[s], sampleSizes[s], n,
                    settings.minWindowDocuments()) && values[s] > threshold;
            streaks[s] = exceeded ? (streaks[s] == Integer.MAX_VALUE ? streaks[s] : streaks[s] + 1) : 0;
            DriftStatistic statistic = statistics.get(s);
            results.add(new StatisticResult(statistic.feature(), statistic.statistic(), values[s], threshold, exceeded,
                    streaks[s] >= settings.consecutiveWindows(), sampleSizes[s]));
        }
        return results;
    }

    /** The thresholds used for windows of {@code windowDocuments} documents (calibrated on first use). */
    public ThresholdCalibration thresholdsFor(int windowDocuments) {
        int edge = bucketLowerEdge(windowDocuments, settings.minWindowDocuments());
        return calibrations.computeIfAbsent(edge, size -> ThresholdCalibration.calibrate(profile, settings, size));
    }

    /** The lower edge of the size bucket {@code n} falls in (itself below {@code min}). */
    static int bucketLowerEdge(int n, int min) {
        if (n <= min) {
            return n;
        }
        int i = (int) Math.floor(BUCKETS_PER_DOUBLING * (Math.log((double) n / min) / Math.log(2)));
        while (i > 0 && edge(i, min) > n) {
            i--;
        }
        while (edge(i + 1, min) <= n) {
            i++;
        }
        return edge(i, min);
    }

    private static int edge(int i, int min) {
        return (int) Math.ceil(min * Math.pow(2, (double) i / BUCKETS_PER_DOUBLING) - 1e-9);
    }

    private WindowStatistics windowStatistics() {
        if (windowStatistics == null) {
            windowStatistics = new WindowStatistics(profile);
        }
        return windowStatistics;
    }
}
