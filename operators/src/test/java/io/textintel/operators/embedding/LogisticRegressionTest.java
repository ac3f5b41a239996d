package io.textintel.operators.embedding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.textintel.operators.embedding.LogisticRegression.Link;

import org.junit.jupiter.api.Test;

import java.util.Random;

class LogisticRegressionTest {

    private static final int DIMS = 24;
    private static final int CLASSES = 4;

    /** Unit vectors around one random centre per class: {@code spread} sets how far they stray. */
    private static float[][] clusters(float[][] centres, int perClass, double spread, long seed, double[][][] targets) {
        Random random = new Random(seed);
        float[][] x = new float[centres.length * perClass][];
        targets[0] = new double[x.length][centres.length];
        for (int c = 0; c < centres.length; c++) {
            for (int i = 0; i < perClass; i++) {
                float[] v = new float[DIMS];
                for (int d = 0; d < DIMS; d++) {
                    v[d] = (float) (centres[c][d] + spread * random.nextGaussian());
                }
                x[c * perClass + i] = unit(v);
                targets[0][c * perClass + i][c] = 1;
            }
        }
        return x;
    }

    private static float[][] centres(long seed) {
        Random random = new Random(seed);
        float[][] centres = new float[CLASSES][DIMS];
        for (float[] centre : centres) {
            for (int d = 0; d < DIMS; d++) {
                centre[d] = (float) random.nextGaussian();
            }
            unitInPlace(centre);
        }
        return centres;
    }

    private static float[] unit(float[] v) {
        unitInPlace(v);
        return v;
    }

    private static void unitInPlace(float[] v) {
        double norm = Vectors.norm(v);
        for (int d = 0; d < v.length; d++) {
            v[d] = (float) (v[d] / norm);
        }
    }

    private static int argmax(float[] p) {
        int best = 0;
        for (int k = 1; k < p.length; k++) {
            if (p[k] > p[best]) {
                best = k;
            }
        }
        return best;
    }

    @Test
    void onSeparableClustersTheHeadClassifiesTrainingAndHeldOutPointsCorrectly() {
        float[][] centres = centres(1);
        double[][][] y = new double[1][][];
        float[][] x = clusters(centres, 6, 0.15, 2, y);
        double[][][] yTest = new double[1][][];
        float[][] test = clusters(centres, 25, 0.15, 3, yTest);

        LogisticRegression.Fit fit = LogisticRegression.fit(x, y[0], Link.SOFTMAX, 1e-3, 5000, 1e-6);

        assertThat(fit.gradientNorm()).as("converged").isLessThan(1e-6);
        for (float[][] points : new float[][][] {x, test}) {
            double[][] targets = points == x ? y[0] : yTest[0];
            for (int i = 0; i < points.length; i++) {
                float[] p = fit.head().probabilities(points[i]);
                assertThat(targets[i][argmax(p)]).as("point %d", i).isEqualTo(1.0);
                double sum = 0;
                for (float v : p) {
                    sum += v;
                }
                assertThat(sum).as("softmax probabilities sum to 1 (float rounding)").isCloseTo(1.0, within(1e-5));
            }
        }
    }

    /**
     * The accelerated fit against the simplest reference: plain gradient descent with the same fixed step
     * for many more iterations. The objective is strictly convex in the weights, so both reach one minimum.
     */
    @Test
    void theAcceleratedFitReachesTheMinimumThatPlainGradientDescentReaches() {
        float[][] centres = centres(5);
        double[][][] y = new double[1][][];
        float[][] x = clusters(centres, 3, 0.6, 6, y); // overlapping: the penalty, not separability, bounds W
        double lambda = 0.05;

        LogisticRegression.Fit fast = LogisticRegression.fit(x, y[0], Link.SOFTMAX, lambda, 5000, 1e-9);
        double[] reference = plainGradientDescent(x, y[0], Link.SOFTMAX, lambda, 200_000);
        LogisticRegression.Objective objective = new LogisticRegression.Objective(x, y[0], Link.SOFTMAX, lambda);

        assertThat(fast.iterations()).as("acceleration needs far fewer steps").isLessThan(5000);
        // Both near the same minimum: objective values within 1e-9 (the reference's own residual is below that).
        assertThat(fast.objective()).isCloseTo(objective.value(reference), within(1e-9));
        LogisticRegression referenceHead = LogisticRegression.fit(x, y[0], Link.SOFTMAX, lambda, 0, 0).head();
        assertThat(referenceHead.classes()).isEqualTo(CLASSES);
    }

    private static double[] plainGradientDescent(float[][] x, double[][] y, Link link, double lambda, int steps) {
        LogisticRegression.Objective objective = new LogisticRegression.Objective(x, y, link, lambda);
        int parameters = y[0].length * (x[0].length + 1);
        double[] w = new double[parameters];
        double[] g = new double[parameters];
        double step = 1 / (0.5 * 2 + lambda);
        for (int t = 0; t < steps; t++) {
            objective.gradient(w, g);
            for (int j = 0; j < parameters; j++) {
                w[j] -= step * g[j];
            }
        }
        return w;
    }

    @Test
    void theGradientIsTheObjectivesDerivative() {
        float[][] centres = centres(7);
        double[][][] y = new double[1][][];
        float[][] x = clusters(centres, 2, 0.5, 8, y);
        for (Link link : Link.values()) {
            LogisticRegression.Objective objective = new LogisticRegression.Objective(x, y[0], link, 0.1);
            Random random = new Random(9);
            double[] w = new double[CLASSES * (DIMS + 1)];
            for (int j = 0; j < w.length; j++) {
                w[j] = random.nextGaussian();
            }
            double[] g = new double[w.length];
            objective.gradient(w, g);
            for (int j = 0; j < w.length; j += 7) {
                double h = 1e-6;
                double[] plus = w.clone();
                double[] minus = w.clone();
                plus[j] += h;
                minus[j] -= h;
                double numeric = (objective.value(plus) - objective.value(minus)) / (2 * h);
                // Central differences in double precision: error O(h²) plus rounding, far below 1e-6.
                assertThat(g[j]).as("%s parameter %d", link, j).isCloseTo(numeric, within(1e-6));
            }
        }
    }

    @Test
    void theSameExamplesGiveTheSameHeadBitForBit() {
        float[][] centres = centres(11);
        double[][][] y = new double[1][][];
        float[][] x = clusters(centres, 4, 0.3, 12, y);
        float[] probe = unit(x[0].clone());

        float[] first = LogisticRegression.fit(x, y[0], Link.SOFTMAX, 1e-3, 5000, 1e-6).head().probabilities(probe);
        float[] second = LogisticRegression.fit(x, y[0], Link.SOFTMAX, 1e-3, 5000, 1e-6).head().probabilities(probe);

        assertThat(second).containsExactly(first);
    }

    @Test
    void sigmoidHeadsScoreEachLabelOnItsOwnSoThatAnExampleMayHaveSeveral() {
        float[][] centres = centres(13);
        double[][][] y = new double[1][][];
        float[][] single = clusters(centres, 5, 0.1, 14, y);
        // Midpoints of classes 0 and 1 carry both labels.
        float[][] x = new float[single.length + 5][];
        double[][] targets = new double[x.length][];
        System.arraycopy(single, 0, x, 0, single.length);
        System.arraycopy(y[0], 0, targets, 0, single.length);
        for (int i = 0; i < 5; i++) {
            float[] mid = new float[DIMS];
            for (int d = 0; d < DIMS; d++) {
                mid[d] = single[i][d] + single[5 + i][d];
            }
            x[single.length + i] = unit(mid);
            targets[single.length + i] = new double[] {1, 1, 0, 0};
        }

        LogisticRegression head = LogisticRegression.fit(x, targets, Link.SIGMOID, 1e-3, 5000, 1e-6).head();
        float[] both = head.probabilities(x[single.length]);
        float[] one = head.probabilities(single[10]); // class 2 only

        assertThat(both[0]).isGreaterThan(0.5f);
        assertThat(both[1]).isGreaterThan(0.5f);
        assertThat(both[2]).isLessThan(0.5f);
        assertThat(one[2]).isGreaterThan(0.5f);
        assertThat(one[0] + one[1] + one[2] + one[3]).as("independent, not a distribution").isNotCloseTo(1f, within(1e-3f));
    }

    @Test
    void badInputIsRefusedNamingWhatWasExpected() {
        assertThatThrownBy(() -> LogisticRegression.fit(new float[0][], new double[0][], Link.SOFTMAX, 1e-3, 10, 1e-6))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected the same number > 0");
        assertThatThrownBy(() -> LogisticRegression.fit(new float[][] {{1f}, {1f, 2f}}, new double[][] {{1, 0}, {0, 1}},
                Link.SOFTMAX, 1e-3, 10, 1e-6)).hasMessageContaining("example 1 has 2 dimensions");
        assertThatThrownBy(() -> LogisticRegression.fit(new float[][] {{1f}}, new double[][] {{1}}, Link.SOFTMAX, 0,
                10, 1e-6)).hasMessageContaining("lambda is 0.0");
    }
}
