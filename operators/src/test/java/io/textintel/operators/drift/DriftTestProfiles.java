package io.textintel.operators.drift;

/** Settings for tests that need a profile but not the acceptance tests' calibration accuracy. */
final class DriftTestProfiles {

    /** N = 400, 8 principal directions, KLL k = 200, ERT = 50, 1000 pseudo-windows, windows of about 40. */
    static final DriftSettings SMALL = new DriftSettings(400, 8, true, 200, 50, 1, 10, 42L, 1000, 40);

    private DriftTestProfiles() {}
}
