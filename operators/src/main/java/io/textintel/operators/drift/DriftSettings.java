package io.textintel.operators.drift;

import java.io.Serializable;

/**
 * The drift monitor's settings: how the reference profile is built and how windows are judged against
 * it. Validated once, here; every message names the field and what was expected.
 *
 * @param referenceDocuments N, the documents the reference profile is built from (the first N of the stream)
 * @param directions k, the reference directions embeddings are projected onto
 * @param pca true: the reference's top-k principal components; false: seeded random orthonormal directions
 * @param sketchK the KLL sketches' k (accuracy against size: rank error about 1.3% at k = 200)
 * @param expectedRunTime the expected number of windows between false alarms (ERT) under no drift
 * @param consecutiveWindows a statistic must exceed its threshold this many windows in a row to report drift
 * @param minWindowDocuments windows (and statistics) with fewer documents are reported, never marked drifted
 * @param seed seeds the random directions and the bootstrap resampling
 * @param calibrationWindows B, the bootstrap pseudo-windows each calibration draws; the thresholds are upper
 *     quantiles at levels near 1/(ERT × statistics), so B must be large against ERT for those tails to hold
 *     enough samples (at the defaults 20000 × 1/200 = 100 pseudo-windows set the family-wise rate)
 * @param calibrationWindowDocuments the live window size the monitor expects; {@link ReferenceProfile#describe()}
 *     reports the thresholds at this size (the detector calibrates for each window's actual size)
 */
public record DriftSettings(
        int referenceDocuments,
        int directions,
        boolean pca,
        int sketchK,
        double expectedRunTime,
        int consecutiveWindows,
        int minWindowDocuments,
        long seed,
        int calibrationWindows,
        int calibrationWindowDocuments) implements Serializable {

    /** KLL's own bounds on k. */
    private static final int MIN_SKETCH_K = 8;
    private static final int MAX_SKETCH_K = 65_535;

    public DriftSettings {
        require(referenceDocuments >= 2, "referenceDocuments", referenceDocuments, "at least 2");
        require(directions >= 1, "directions", directions, "at least 1");
        require(sketchK >= MIN_SKETCH_K && sketchK <= MAX_SKETCH_K, "sketchK", sketchK,
                "between " + MIN_SKETCH_K + " and " + MAX_SKETCH_K);
        if (!(expectedRunTime > 1) || Double.isInfinite(expectedRunTime)) {
            throw new IllegalArgumentException("expectedRunTime is " + expectedRunTime
                    + ", expected a finite number of windows above 1");
        }
        require(consecutiveWindows >= 1, "consecutiveWindows", consecutiveWindows, "at least 1");
        require(minWindowDocuments >= 1, "minWindowDocuments", minWindowDocuments, "at least 1");
        require(calibrationWindows >= 10 * expectedRunTime, "calibrationWindows", calibrationWindows,
                "at least 10 × expectedRunTime = " + (long) Math.ceil(10 * expectedRunTime)
                        + " so that the tail quantiles rest on enough pseudo-windows");
        require(calibrationWindowDocuments >= 1, "calibrationWindowDocuments", calibrationWindowDocuments,
                "at least 1");
    }

    /**
     * N = 1000, k = 16 principal components, KLL k = 200, ERT = 200 windows, no debounce, windows of at
     * least 10 documents, seed 42, 20000 bootstrap pseudo-windows, windows of about 100 documents.
     */
    public static DriftSettings defaults() {
        return new DriftSettings(1000, 16, true, 200, 200, 1, 10, 42L, 20_000, 100);
    }

    public DriftSettings withReferenceDocuments(int value) {
        return new DriftSettings(value, directions, pca, sketchK, expectedRunTime, consecutiveWindows,
                minWindowDocuments, seed, calibrationWindows, calibrationWindowDocuments);
    }

    public DriftSettings withDirections(int value, boolean principalComponents) {
        return new DriftSettings(referenceDocuments, value, principalComponents, sketchK, expectedRunTime,
                consecutiveWindows, minWindowDocuments, seed, calibrationWindows, calibrationWindowDocuments);
    }

    public DriftSettings withConsecutiveWindows(int value) {
        return new DriftSettings(referenceDocuments, directions, pca, sketchK, expectedRunTime, value,
                minWindowDocuments, seed, calibrationWindows, calibrationWindowDocuments);
    }

    public DriftSettings withCalibrationWindowDocuments(int value) {
        return new DriftSettings(referenceDocuments, directions, pca, sketchK, expectedRunTime,
                consecutiveWindows, minWindowDocuments, seed, calibrationWindows, value);
    }

    public DriftSettings withSeed(long value) {
        return new DriftSettings(referenceDocuments, directions, pca, sketchK, expectedRunTime,
                consecutiveWindows, minWindowDocuments, value, calibrationWindows, calibrationWindowDocuments);
    }

    private static void require(boolean ok, String field, long value, String expected) {
        if (!ok) {
            throw new IllegalArgumentException(field + " is " + value + ", expected " + expected);
        }
    }
}
