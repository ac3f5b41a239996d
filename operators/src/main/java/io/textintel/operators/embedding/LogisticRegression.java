package io.textintel.operators.embedding;

/**
 * A linear classifier over embeddings fitted by L2-regularised logistic regression: the few-shot
 * tagging head.
 *
 * <p>The fit minimises {@code (1/n) Σ_i loss(W x_i + b, y_i) + (λ/2) ‖W‖²} (the bias is not
 * penalised), where the loss is the softmax cross-entropy over the classes ({@link Link#SOFTMAX},
 * one label per example) or the sum of per-class binary cross-entropies ({@link Link#SIGMOID},
 * one-vs-rest, several labels per example). The objective is convex, so its minimum does not depend
 * on the optimiser. It is reached by Nesterov-accelerated full-batch gradient descent from zero with
 * the fixed step {@code 1/L} ({@code L} the gradient's Lipschitz bound) and adaptive restart, until
 * the gradient's norm is below {@code tolerance} or after {@code maxIterations}: every step in a
 * fixed order and in double precision, so the same examples give the same head, bit for bit.
 */
public final class LogisticRegression {

    /** How scores become probabilities, and so which loss the fit minimises. */
    public enum Link {
        /** One label per example: probabilities over the classes sum to 1. */
        SOFTMAX,
        /** Any labels per example: one independent probability per class. */
        SIGMOID
    }

    /** Result of a fit: the head and how the optimisation ended. */
    public record Fit(LogisticRegression head, int iterations, double gradientNorm, double objective) {}

    private final double[][] weights; // [classes][dims]
    private final double[] bias; // [classes]
    private final Link link;

    private LogisticRegression(double[][] weights, double[] bias, Link link) {
        this.weights = weights;
        this.bias = bias;
        this.link = link;
    }

    /**
     * Fits the head.
     *
     * @param x the examples' embeddings // [n][dims]
     * @param y the targets: 1 where example i has class k, else 0 // [n][classes]
     * @param lambda the L2 penalty, > 0
     */
    public static Fit fit(float[][] x, double[][] y, Link link, double lambda, int maxIterations, double tolerance) {
        int n = x.length;
        if (n == 0 || y.length != n) {
            throw new IllegalArgumentException(n + " examples and " + y.length + " targets, expected the same number > 0");
        }
        int dims = x[0].length;
        int classes = y[0].length;
        double maxNormSq = 0;
        for (int i = 0; i < n; i++) {
            if (x[i].length != dims || y[i].length != classes) {
                throw new IllegalArgumentException("example " + i + " has " + x[i].length + " dimensions and "
                        + y[i].length + " targets, expected " + dims + " and " + classes);
            }
            maxNormSq = Math.max(maxNormSq, Vectors.dot(x[i], x[i]));
        }
        if (!(lambda > 0)) {
            throw new IllegalArgumentException("lambda is " + lambda + ", expected a number > 0");
        }
        // The loss's Hessian in the scores is at most 1/2 (softmax) or 1/4 (sigmoid) in norm; the bias adds 1 to ‖x‖².
        double curvature = link == Link.SOFTMAX ? 0.5 : 0.25;
        double step = 1 / (curvature * (maxNormSq + 1) + lambda);
        Objective objective = new Objective(x, y, link, lambda);

        double[] current = new double[classes * (dims + 1)]; // [classes][dims + 1]: weights then bias
        double[] previous = current.clone();
        double[] point = current.clone();
        double[] gradient = new double[current.length];
        double momentum = 1;
        int iteration = 0;
        double gradientNorm = Double.POSITIVE_INFINITY;
        while (iteration < maxIterations) {
            objective.gradient(point, gradient);
            gradientNorm = norm(gradient);
            if (gradientNorm < tolerance) {
                break;
            }
            System.arraycopy(current, 0, previous, 0, current.length);
            for (int j = 0; j < current.length; j++) {
                current[j] = point[j] - step * gradient[j];
            }
            double nextMomentum = (1 + Math.sqrt(1 + 4 * momentum * momentum)) / 2;
            double beta = (momentum - 1) / nextMomentum;
            // Adaptive restart: when the step goes against the momentum, the momentum is dropped.
            double agreement = 0;
            for (int j = 0; j < current.length; j++) {
                agreement += gradient[j] * (current[j] - previous[j]);
            }
            if (agreement > 0) {
                nextMomentum = 1;
                beta = 0;
            }
            for (int j = 0; j < current.length; j++) {
                point[j] = current[j] + beta * (current[j] - previous[j]);
            }
            momentum = nextMomentum;
            iteration++;
        }
        double[] solution = gradientNorm < tolerance ? point : current;
        objective.gradient(solution, gradient);
        return new Fit(unpack(solution, classes, dims, link), iteration, norm(gradient), objective.value(solution));
    }

    private static LogisticRegression unpack(double[] parameters, int classes, int dims, Link link) {
        double[][] weights = new double[classes][dims];
        double[] bias = new double[classes];
        for (int k = 0; k < classes; k++) {
            System.arraycopy(parameters, k * (dims + 1), weights[k], 0, dims);
            bias[k] = parameters[k * (dims + 1) + dims];
        }
        return new LogisticRegression(weights, bias, link);
    }

    private static double norm(double[] v) {
        double sum = 0;
        for (double value : v) {
            sum += value * value;
        }
        return Math.sqrt(sum);
    }

    /** Classes this head scores. */
    public int classes() {
        return bias.length;
    }

    /** The class probabilities of an embedding, in class order. */
    public float[] probabilities(float[] x) {
        double[] scores = new double[bias.length];
        for (int k = 0; k < scores.length; k++) {
            if (weights[k].length != x.length) {
                throw new IllegalArgumentException("embedding has " + x.length + " dimensions, expected "
                        + weights[k].length + " (the head's)");
            }
            double score = bias[k];
            for (int d = 0; d < x.length; d++) {
                score += weights[k][d] * x[d];
            }
            scores[k] = score;
        }
        double[] p = Objective.probabilities(scores, link);
        float[] out = new float[p.length];
        for (int k = 0; k < p.length; k++) {
            out[k] = (float) p[k];
        }
        return out;
    }

    /** The regularised objective and its gradient over the flattened parameters [classes][dims + 1]. */
    static final class Objective {
        private final float[][] x;
        private final double[][] y;
        private final Link link;
        private final double lambda;
        private final int dims;
        private final int classes;

        Objective(float[][] x, double[][] y, Link link, double lambda) {
            this.x = x;
            this.y = y;
            this.link = link;
            this.lambda = lambda;
            this.dims = x[0].length;
            this.classes = y[0].length;
        }

        double[] scores(double[] parameters, float[] example) {
            double[] scores = new double[classes];
            for (int k = 0; k < classes; k++) {
                int base = k * (dims + 1);
                double score = parameters[base + dims];
                for (int d = 0; d < dims; d++) {
                    score += parameters[base + d] * example[d];
                }
                scores[k] = score;
            }
            return scores;
        }

        static double[] probabilities(double[] scores, Link link) {
            double[] p = new double[scores.length];
            if (link == Link.SIGMOID) {
                for (int k = 0; k < scores.length; k++) {
                    p[k] = 1 / (1 + StrictMath.exp(-scores[k]));
                }
                return p;
            }
            double max = Double.NEGATIVE_INFINITY;
            for (double s : scores) {
                max = Math.max(max, s);
            }
            double sum = 0;
            for (int k = 0; k < scores.length; k++) {
                p[k] = StrictMath.exp(scores[k] - max);
                sum += p[k];
            }
            for (int k = 0; k < scores.length; k++) {
                p[k] /= sum;
            }
            return p;
        }

        double value(double[] parameters) {
            double loss = 0;
            for (int i = 0; i < x.length; i++) {
                double[] scores = scores(parameters, x[i]);
                if (link == Link.SOFTMAX) {
                    double max = Double.NEGATIVE_INFINITY;
                    for (double s : scores) {
                        max = Math.max(max, s);
                    }
                    double sum = 0;
                    for (double s : scores) {
                        sum += StrictMath.exp(s - max);
                    }
                    double logSum = max + StrictMath.log(sum);
                    for (int k = 0; k < classes; k++) {
                        loss += y[i][k] * (logSum - scores[k]);
                    }
                } else {
                    for (int k = 0; k < classes; k++) {
                        // log(1 + e^s) - y s, written to stay finite for large |s|.
                        double s = scores[k];
                        loss += Math.max(s, 0) + StrictMath.log1p(StrictMath.exp(-Math.abs(s))) - y[i][k] * s;
                    }
                }
            }
            double penalty = 0;
            for (int k = 0; k < classes; k++) {
                for (int d = 0; d < dims; d++) {
                    double w = parameters[k * (dims + 1) + d];
                    penalty += w * w;
                }
            }
            return loss / x.length + lambda / 2 * penalty;
        }

        void gradient(double[] parameters, double[] gradient) {
            java.util.Arrays.fill(gradient, 0);
            for (int i = 0; i < x.length; i++) {
                double[] p = probabilities(scores(parameters, x[i]), link);
                for (int k = 0; k < classes; k++) {
                    double residual = (p[k] - y[i][k]) / x.length;
                    int base = k * (dims + 1);
                    for (int d = 0; d < dims; d++) {
                        gradient[base + d] += residual * x[i][d];
                    }
                    gradient[base + dims] += residual;
                }
            }
            for (int k = 0; k < classes; k++) {
                for (int d = 0; d < dims; d++) {
                    gradient[k * (dims + 1) + d] += lambda * parameters[k * (dims + 1) + d];
                }
            }
        }
    }
}
