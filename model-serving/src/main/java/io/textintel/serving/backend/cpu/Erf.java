package io.textintel.serving.backend.cpu;

/**
 * The error function in double precision, for the reference backend's exact GELU.
 *
 * <p>For {@code |x| < 2.5} the Maclaurin series (every term a closed form, cancellation costs at
 * most three of sixteen digits there); beyond, {@code 1 - erfc(x)} with erfc from its Laplace
 * continued fraction, which converges fast for large {@code x}. Accurate to about 1e-14.
 */
final class Erf {

    private static final double TWO_OVER_SQRT_PI = 2.0 / Math.sqrt(Math.PI);

    private Erf() {}

    static double erf(double x) {
        if (Double.isNaN(x)) {
            return x;
        }
        double a = Math.abs(x);
        double result = a < 2.5 ? series(a) : 1.0 - erfcContinuedFraction(a);
        return Math.copySign(result, x);
    }

    private static double series(double x) {
        // erf(x) = 2/sqrt(pi) * sum_n (-1)^n x^(2n+1) / (n! (2n+1))
        double x2 = x * x;
        double power = x; // (-1)^n x^(2n+1) / n!
        double sum = x;
        for (int n = 1; n < 200; n++) {
            power *= -x2 / n;
            double term = power / (2 * n + 1);
            sum += term;
            if (Math.abs(term) < 1e-17 * Math.abs(sum)) {
                break;
            }
        }
        return TWO_OVER_SQRT_PI * sum;
    }

    private static double erfcContinuedFraction(double x) {
        // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...)))))
        double fraction = x;
        for (int k = 80; k >= 1; k--) {
            fraction = x + (k / 2.0) / fraction;
        }
        return Math.exp(-x * x) / Math.sqrt(Math.PI) / fraction;
    }
}
