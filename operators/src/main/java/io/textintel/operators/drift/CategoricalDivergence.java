package io.textintel.operators.drift;

/**
 * Divergences between a window's and the reference's distribution over one categorical feature, in
 * nats. Categories the reference never saw are pooled into one extra "unseen" category whose reference
 * share is 0; this changes no Jensen–Shannon value (a category with reference share 0 contributes
 * p·ln(2)/2 however it is split) and keeps the state per feature bounded by the reference's vocabulary.
 */
final class CategoricalDivergence {

    /**
     * Shares below this floor are raised to it (and the distribution renormalised) before PSI, whose
     * ln(p/q) is infinite where one share is 0; 10⁻⁴ is the usual PSI floor. A constant floor, unlike
     * an additive pseudo-count, leaves PSI of identical distributions at exactly 0 for every window size.
     */
    static final double PSI_FLOOR = 1e-4;

    private CategoricalDivergence() {}

    /** Jensen–Shannon divergence of two count vectors (natural log, so within [0, ln 2]); NaN if either is empty. */
    static double jensenShannon(double[] p, double[] q) {
        double sp = sum(p);
        double sq = sum(q);
        if (sp == 0 || sq == 0) {
            return Double.NaN;
        }
        double js = 0;
        for (int i = 0; i < p.length; i++) {
            double a = p[i] / sp;
            double b = q[i] / sq;
            double mid = 0.5 * (a + b);
            if (a > 0) {
                js += 0.5 * a * Math.log(a / mid);
            }
            if (b > 0) {
                js += 0.5 * b * Math.log(b / mid);
            }
        }
        return Math.max(0, js);
    }

    /**
     * Population stability index Σ (p − q)·ln(p / q) of two count vectors after flooring each share at
     * {@link #PSI_FLOOR}; NaN if either is empty.
     */
    static double populationStability(double[] p, double[] q) {
        double[] a = floored(p);
        double[] b = floored(q);
        if (a == null || b == null) {
            return Double.NaN;
        }
        double psi = 0;
        for (int i = 0; i < a.length; i++) {
            psi += (a[i] - b[i]) * Math.log(a[i] / b[i]);
        }
        return psi;
    }

    private static double[] floored(double[] counts) {
        double s = sum(counts);
        if (s == 0) {
            return null;
        }
        double[] shares = new double[counts.length];
        double total = 0;
        for (int i = 0; i < counts.length; i++) {
            shares[i] = Math.max(counts[i] / s, PSI_FLOOR);
            total += shares[i];
        }
        for (int i = 0; i < shares.length; i++) {
            shares[i] /= total;
        }
        return shares;
    }

    private static double sum(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s;
    }
}
