package io.textintel.operators.drift;

import java.io.Serializable;

/**
 * One statistic the detector evaluates per window: which feature, and how it is compared with the
 * reference. {@link #feature()} and {@link #statistic()} are the {@code DriftReport} fields of the same names.
 *
 * @param feature what is monitored, e.g. {@code embedding}, {@code topic}, {@code text_chars}
 * @param statistic how it is compared, e.g. {@code cosine_centroid}, {@code jsd}, {@code ks}
 * @param kind the computation
 * @param index the value index in {@link ProjectedFeatures#values} for {@link Kind#KS}, the
 *     {@link CategoricalFeature} ordinal for {@link Kind#JSD} and {@link Kind#PSI}, else -1
 */
public record DriftStatistic(String feature, String statistic, Kind kind, int index) implements Serializable {

    /** How a statistic is computed. */
    public enum Kind {
        /** Kolmogorov–Smirnov distance of one value's window sketch to the reference values. */
        KS,
        /** 1 − cosine similarity of the window's mean embedding and the reference's. */
        COSINE_CENTROID,
        /** The largest Kolmogorov–Smirnov distance over the reference directions' projections. */
        KS_MAX,
        /**
         * The share of directions whose projection's KS distance exceeds the asymptotic 5% critical value
         * 1.358·√((n + N)/(n·N)) of the two-sample test.
         */
        DRIFTED_DIRECTION_SHARE,
        /** Jensen–Shannon divergence of category shares. */
        JSD,
        /** Population stability index of category shares. */
        PSI
    }

    /** {@code feature/statistic}, e.g. {@code topic/jsd}. */
    public String name() {
        return feature + "/" + statistic;
    }
}
