package io.textintel.operators.drift;

import java.io.Serializable;

/**
 * One statistic of one window compared with its calibrated threshold; the body of a {@code DriftReport}.
 *
 * @param feature what is monitored, e.g. {@code topic}
 * @param statistic how it is compared, e.g. {@code jsd}
 * @param value the statistic; {@code NaN} when no document of the window has the feature
 * @param threshold the calibrated threshold for the window's size; +inf when no bootstrap window could exceed
 * @param exceeded the value is above the threshold on at least {@code minWindowDocuments} documents
 * @param drifted exceeded in {@code consecutiveWindows} windows in a row, this one included
 * @param sampleSize documents of the window that have the feature
 */
public record StatisticResult(String feature, String statistic, double value, double threshold, boolean exceeded,
        boolean drifted, long sampleSize) implements Serializable {}
