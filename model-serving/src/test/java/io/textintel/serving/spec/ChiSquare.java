package io.textintel.serving.spec;

/** Pearson's chi-square goodness-of-fit test, for the statistical tests of speculative decoding. */
public final class ChiSquare {

    private ChiSquare() {
    }

    /**
     * The p-value of {@code observed} counts under {@code expected} probabilities: the chance a
     * correct sampler shows a deviation at least this large. Cells of probability 0 must be empty
     * (else 0 is returned) and do not count towards the degrees of freedom.
     */
    public static double pValue(long[] observed, double[] expected) {
        long n = 0;
        for (long o : observed) {
            n += o;
        }
        double statistic = 0;
        int cells = 0;
        for (int i = 0; i < observed.length; i++) {
            if (expected[i] == 0) {
                if (observed[i] != 0) {
                    return 0.0;
                }
                continue;
            }
            double e = n * expected[i];
            statistic += (observed[i] - e) * (observed[i] - e) / e;
            cells++;
        }
        return upperRegularizedGamma((cells - 1) / 2.0, statistic / 2.0);
    }

    /** Q(a, x) = Γ(a, x) / Γ(a): series below a + 1, continued fraction above (Numerical Recipes 6.2). */
    static double upperRegularizedGamma(double a, double x) {
        if (x <= 0) {
            return 1.0;
        }
        double logPrefix = -x + a * Math.log(x) - logGamma(a);
        if (x < a + 1) {
            double term = 1 / a;
            double sum = term;
            for (int n = 1; n < 10_000 && Math.abs(term) > Math.abs(sum) * 1e-16; n++) {
                term *= x / (a + n);
                sum += term;
            }
            return 1 - sum * Math.exp(logPrefix);
        }
        double tiny = 1e-300;
        double b = x + 1 - a;
        double c = 1 / tiny;
        double d = 1 / b;
        double h = d;
        for (int i = 1; i < 10_000; i++) {
            double an = -i * (i - a);
            b += 2;
            d = an * d + b;
            d = Math.abs(d) < tiny ? tiny : d;
            c = b + an / c;
            c = Math.abs(c) < tiny ? tiny : c;
            d = 1 / d;
            double delta = d * c;
            h *= delta;
            if (Math.abs(delta - 1) < 1e-16) {
                break;
            }
        }
        return Math.exp(logPrefix) * h;
    }

    /** ln Γ(x) for x > 0: shifted up to x >= 15, then Stirling's series to 1/x^7 (error below 1e-15). */
    static double logGamma(double x) {
        double shift = 0;
        while (x < 15) {
            shift += Math.log(x);
            x += 1;
        }
        double x2 = x * x;
        double series = 1 / (12 * x) - 1 / (360 * x * x2) + 1 / (1260 * x * x2 * x2) - 1 / (1680 * x * x2 * x2 * x2);
        return (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + series - shift;
    }
}
