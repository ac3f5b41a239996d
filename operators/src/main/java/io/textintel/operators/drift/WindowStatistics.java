package io.textintel.operators.drift;

import java.util.List;
import java.util.Map;

/**
 * Computes every statistic of a profile for one window. The one code path for live windows and for
 * calibration's bootstrap pseudo-windows, so that thresholds and live values are the same function.
 */
final class WindowStatistics {

    /** Asymptotic 5% critical value of the Kolmogorov distribution, for the share of drifted directions. */
    static final double KS_CRITICAL_5_PERCENT = 1.3581;

    private final ReferenceProfile profile;
    private final List<DriftStatistic> statistics;
    private final boolean needsDirections;

    WindowStatistics(ReferenceProfile profile) {
        this.profile = profile;
        this.statistics = profile.statistics();
        this.needsDirections = statistics.stream().anyMatch(s -> s.kind() == DriftStatistic.Kind.KS_MAX
                || s.kind() == DriftStatistic.Kind.DRIFTED_DIRECTION_SHARE);
    }

    /** What the statistics read of a window; one implementation per source of the window's documents. */
    interface Window {
        /** Documents in the window. */
        long count();

        /** Documents with value {@code v}. */
        long valueCount(int v);

        /** Kolmogorov–Smirnov distance of value {@code v}'s window sample to {@code sortedReference}, NaN if none. */
        double ks(int v, double[] sortedReference);

        long embeddingCount();

        /** The mean embedding, null when no document has one. */
        double[] embeddingMean();

        /** Adds the counts of {@code feature} in {@code vocabulary} order, unseen categories pooled last, to {@code out}. */
        void categoryCounts(int feature, String[] vocabulary, double[] out);
    }

    /**
     * Fills {@code values} and {@code sampleSizes} (one per statistic). A statistic with no data in the
     * window (no document has the feature) is {@code NaN} with sample size 0.
     */
    void compute(DriftAccumulator window, double[] values, long[] sampleSizes) {
        boolean valuesDiffer = window.values() != DriftAccumulator.UNKNOWN && window.values() != profile.valueCount();
        boolean dimsDiffer = window.dims() != DriftAccumulator.UNKNOWN && window.dims() != profile.dims();
        if (valuesDiffer || dimsDiffer) {
            throw new IllegalArgumentException("window has " + window.values() + " values and " + window.dims()
                    + " dims, expected " + profile.valueCount() + " values and " + profile.dims()
                    + " dims (the reference profile's)");
        }
        compute(new AccumulatorWindow(window), values, sampleSizes);
    }

    void compute(Window window, double[] values, long[] sampleSizes) {
        double[] directionKs = needsDirections ? directionDistances(window) : null;
        for (int s = 0; s < statistics.size(); s++) {
            DriftStatistic statistic = statistics.get(s);
            switch (statistic.kind()) {
                case KS -> {
                    int v = statistic.index();
                    values[s] = window.ks(v, profile.sortedValues(v));
                    sampleSizes[s] = window.valueCount(v);
                }
                case COSINE_CENTROID -> {
                    values[s] = cosineDistance(window.embeddingMean(), profile.centroid());
                    sampleSizes[s] = window.embeddingCount();
                }
                case KS_MAX -> {
                    double max = Double.NaN;
                    for (double d : directionKs) {
                        max = Double.isNaN(max) ? d : Math.max(max, d);
                    }
                    values[s] = max;
                    sampleSizes[s] = window.embeddingCount();
                }
                case DRIFTED_DIRECTION_SHARE -> {
                    values[s] = driftedShare(directionKs, window.embeddingCount());
                    sampleSizes[s] = window.embeddingCount();
                }
                case JSD, PSI -> {
                    int f = statistic.index();
                    String[] vocabulary = profile.vocabulary(f);
                    double[] counts = new double[vocabulary.length + 1];
                    window.categoryCounts(f, vocabulary, counts);
                    double[] reference = profile.referenceCounts(f);
                    values[s] = statistic.kind() == DriftStatistic.Kind.JSD
                            ? CategoricalDivergence.jensenShannon(counts, reference)
                            : CategoricalDivergence.populationStability(counts, reference);
                    double total = 0;
                    for (double c : counts) {
                        total += c;
                    }
                    sampleSizes[s] = (long) total;
                }
            }
        }
    }

    private double[] directionDistances(Window window) {
        int k = profile.directionCount();
        double[] d = new double[k];
        for (int j = 0; j < k; j++) {
            int v = ReferenceProfile.SCALARS + j;
            d[j] = window.ks(v, profile.sortedValues(v));
        }
        return d;
    }

    private double driftedShare(double[] directionKs, long n) {
        if (n == 0) {
            return Double.NaN;
        }
        double m = profile.embeddingDocuments();
        double critical = KS_CRITICAL_5_PERCENT * Math.sqrt((n + m) / (n * m));
        int drifted = 0;
        for (double d : directionKs) {
            if (d > critical) {
                drifted++;
            }
        }
        return (double) drifted / directionKs.length;
    }

    /** 1 − cos(a, b); NaN when the window has no embedding. */
    static double cosineDistance(double[] a, double[] b) {
        if (a == null) {
            return Double.NaN;
        }
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        if (na == 0 || nb == 0) {
            return 1; // a zero mean has no direction: as far from the reference as orthogonal
        }
        return 1 - dot / Math.sqrt(na * nb);
    }

    /** A live window: the accumulator's sketches, counts and sums. */
    private record AccumulatorWindow(DriftAccumulator accumulator) implements Window {

        @Override
        public long count() {
            return accumulator.count();
        }

        @Override
        public long valueCount(int v) {
            return accumulator.valueCount(v);
        }

        @Override
        public double ks(int v, double[] sortedReference) {
            return KolmogorovSmirnov.distance(accumulator.sketchOrNull(v), sortedReference);
        }

        @Override
        public long embeddingCount() {
            return accumulator.embeddingCount();
        }

        @Override
        public double[] embeddingMean() {
            return accumulator.embeddingMean();
        }

        @Override
        public void categoryCounts(int feature, String[] vocabulary, double[] out) {
            for (Map.Entry<String, Long> e
                    : accumulator.categoryCounts(CategoricalFeature.values()[feature]).entrySet()) {
                int i = java.util.Arrays.binarySearch(vocabulary, e.getKey());
                out[i >= 0 ? i : vocabulary.length] += e.getValue();
            }
        }
    }
}
