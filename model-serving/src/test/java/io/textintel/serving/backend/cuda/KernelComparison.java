package io.textintel.serving.backend.cuda;

import java.util.ArrayList;
import java.util.List;

/**
 * What comparing a kernel's output with its reference found: the largest absolute error, where it
 * is and the two values there, the largest relative error, and how many outputs are not finite.
 * The GPU tests put {@link #toString()} in their failure messages, so that a run on a machine that
 * is held only briefly brings back the numbers, not just "expected less than".
 *
 * @param maxAbsError largest |actual - expected|; infinite when an output is not finite
 * @param worst index of that element (the first non-finite output, if any)
 * @param actual the kernel's value there
 * @param expected the reference's value there
 * @param maxRelError largest |actual - expected| / max(|expected|, 1e-30)
 * @param maxAbsExpected largest |expected|: the scale of the values
 * @param nonFinite outputs that are NaN or infinite
 * @param cols row length, to name the worst element as [row, column]; 0 for a flat index
 */
record KernelComparison(double maxAbsError, int worst, float actual, float expected, double maxRelError,
        double maxAbsExpected, int nonFinite, int cols) {

    static KernelComparison of(float[] actual, float[] expected, int cols) {
        if (actual.length != expected.length) {
            throw new AssertionError("output has " + actual.length + " values, the reference " + expected.length);
        }
        double maxAbs = 0;
        double maxRel = 0;
        double scale = 0;
        int worst = 0;
        int nonFinite = 0;
        for (int i = 0; i < expected.length; i++) {
            scale = Math.max(scale, Math.abs(expected[i]));
            if (!Float.isFinite(actual[i])) {
                if (nonFinite++ == 0) {
                    worst = i;
                }
                continue;
            }
            double error = Math.abs(actual[i] - expected[i]);
            if (error > maxAbs && nonFinite == 0) {
                worst = i;
            }
            maxAbs = Math.max(maxAbs, error);
            maxRel = Math.max(maxRel, error / Math.max(Math.abs(expected[i]), 1e-30));
        }
        return new KernelComparison(nonFinite > 0 ? Double.POSITIVE_INFINITY : maxAbs, worst, actual[worst],
                expected[worst], nonFinite > 0 ? Double.POSITIVE_INFINITY : maxRel, scale, nonFinite, cols);
    }

    static KernelComparison of(float[] actual, float[] expected) {
        return of(actual, expected, 0);
    }

    /** The largest absolute error over the larger of 1 and the largest |expected|. */
    double scaledError() {
        return maxAbsError / Math.max(1.0, maxAbsExpected);
    }

    @Override
    public String toString() {
        String where = cols > 0 ? "[" + worst / cols + ", " + worst % cols + "]" : "[" + worst + "]";
        return String.format("max abs error %.3g at %s (got %s, expected %s), max rel error %.3g, largest |expected|"
                + " %.4g, %d non-finite", maxAbsError, where, actual, expected, maxRelError, maxAbsExpected, nonFinite);
    }

    /**
     * The failures of one test's cases, collected so that every case runs and reports its numbers;
     * {@link #assertNone()} at the end fails with all of them.
     */
    static final class Failures {
        private final List<String> failures = new ArrayList<>();
        private int checks;

        /** Records a failure of {@code what} unless {@code error <= tolerance}. */
        void requireAtMost(String what, double error, double tolerance, KernelComparison comparison) {
            checks++;
            if (!(error <= tolerance)) {
                failures.add(String.format("%s: error %.3g over tolerance %.1g; %s", what, error, tolerance,
                        comparison));
            }
        }

        /** Records a failure unless {@code passed}. */
        void require(String what, boolean passed, String numbers) {
            checks++;
            if (!passed) {
                failures.add(what + ": " + numbers);
            }
        }

        void assertNone() {
            if (!failures.isEmpty()) {
                throw new AssertionError(failures.size() + " of " + checks + " checks failed:\n  "
                        + String.join("\n  ", failures));
            }
        }
    }
}
