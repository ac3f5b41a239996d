package io.textintel.operators.drift;

import java.io.Serializable;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The reference directions embeddings are projected onto: the top principal components of the reference
 * embeddings (subspace iteration with a Rayleigh–Ritz step), or seeded random orthonormal directions;
 * with the reference mean and the variance along each direction.
 */
final class PrincipalDirections implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Extra block columns: subspace iteration converges at the rate λ(k+p+1)/λ(k) instead of λ(k+1)/λ(k). */
    private static final int OVERSAMPLING = 8;
    private static final int MAX_ITERATIONS = 500;
    private static final double TOLERANCE = 1e-12;

    final double[] mean; // [dims]
    final double[][] directions; // [k, dims], orthonormal rows
    /** Variance of the reference along each direction. */
    final double[] variances; // [k]
    /** Trace of the reference covariance: the total variance. */
    final double totalVariance;

    PrincipalDirections(double[] mean, double[][] directions, double[] variances, double totalVariance) {
        this.mean = mean;
        this.directions = directions;
        this.variances = variances;
        this.totalVariance = totalVariance;
    }

    /**
     * Fits {@code k} directions to {@code embeddings} (all of {@code dims} dimensions).
     *
     * @param pca true for principal components, false for random orthonormal directions drawn with {@code seed}
     */
    static PrincipalDirections fit(List<float[]> embeddings, int dims, int k, boolean pca, long seed) {
        if (k > dims) {
            throw new IllegalArgumentException("directions is " + k + ", expected at most the embeddings' " + dims
                    + " dims");
        }
        if (embeddings.size() < 2) {
            throw new IllegalArgumentException("the reference has " + embeddings.size()
                    + " embeddings, expected at least 2 to estimate a covariance");
        }
        double[] mean = new double[dims];
        for (float[] e : embeddings) {
            for (int i = 0; i < dims; i++) {
                mean[i] += e[i];
            }
        }
        for (int i = 0; i < dims; i++) {
            mean[i] /= embeddings.size();
        }
        double[][] covariance = covariance(embeddings, mean);
        double trace = 0;
        for (int i = 0; i < dims; i++) {
            trace += covariance[i][i];
        }
        SplittableRandom random = new SplittableRandom(seed);
        double[][] directions = pca ? topEigenvectors(covariance, k, random) : randomOrthonormal(dims, k, random);
        double[] variances = new double[k];
        for (int j = 0; j < k; j++) {
            variances[j] = dot(directions[j], multiply(covariance, directions[j]));
        }
        return new PrincipalDirections(mean, directions, variances, trace);
    }

    /** The sample covariance (divisor n − 1). */
    static double[][] covariance(List<float[]> embeddings, double[] mean) {
        int dims = mean.length;
        double[][] c = new double[dims][dims];
        double[] centred = new double[dims];
        for (float[] e : embeddings) {
            for (int i = 0; i < dims; i++) {
                centred[i] = e[i] - mean[i];
            }
            for (int i = 0; i < dims; i++) {
                double ci = centred[i];
                double[] row = c[i];
                for (int j = i; j < dims; j++) {
                    row[j] += ci * centred[j];
                }
            }
        }
        double divisor = embeddings.size() - 1;
        for (int i = 0; i < dims; i++) {
            for (int j = i; j < dims; j++) {
                c[i][j] /= divisor;
                c[j][i] = c[i][j];
            }
        }
        return c;
    }

    /** Top-k eigenvectors of a symmetric positive semi-definite matrix by subspace iteration. */
    static double[][] topEigenvectors(double[][] matrix, int k, SplittableRandom random) {
        int dims = matrix.length;
        int block = Math.min(dims, k + OVERSAMPLING);
        double[][] q = new double[block][dims]; // rows span the subspace
        for (double[] row : q) {
            for (int i = 0; i < dims; i++) {
                row[i] = gaussian(random);
            }
        }
        orthonormalise(q);
        double[] previous = null;
        for (int iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
            for (int r = 0; r < block; r++) {
                q[r] = multiply(matrix, q[r]);
            }
            orthonormalise(q);
            double[] ritz = new double[k];
            for (int r = 0; r < k; r++) {
                ritz[r] = dot(q[r], multiply(matrix, q[r]));
            }
            if (previous != null && converged(previous, ritz)) {
                break;
            }
            previous = ritz;
        }
        // Rayleigh–Ritz: the best eigenvectors within the converged subspace.
        double[][] projected = new double[block][block]; // Qᵀ M Q
        double[][] mq = new double[block][];
        for (int r = 0; r < block; r++) {
            mq[r] = multiply(matrix, q[r]);
        }
        for (int r = 0; r < block; r++) {
            for (int s = 0; s < block; s++) {
                projected[r][s] = dot(q[r], mq[s]);
            }
        }
        for (int r = 0; r < block; r++) {
            for (int s = r + 1; s < block; s++) {
                double symmetric = 0.5 * (projected[r][s] + projected[s][r]);
                projected[r][s] = symmetric;
                projected[s][r] = symmetric;
            }
        }
        SymmetricEigen small = SymmetricEigen.of(projected);
        double[][] vectors = new double[k][dims];
        for (int j = 0; j < k; j++) {
            for (int r = 0; r < block; r++) {
                double w = small.vectors[j][r];
                for (int i = 0; i < dims; i++) {
                    vectors[j][i] += w * q[r][i];
                }
            }
            normalise(vectors[j]);
            SymmetricEigen.fixSign(vectors[j]);
        }
        return vectors;
    }

    private static boolean converged(double[] previous, double[] current) {
        for (int r = 0; r < current.length; r++) {
            if (Math.abs(current[r] - previous[r]) > TOLERANCE * Math.max(Math.abs(current[0]), Double.MIN_NORMAL)) {
                return false;
            }
        }
        return true;
    }

    static double[][] randomOrthonormal(int dims, int k, SplittableRandom random) {
        double[][] q = new double[k][dims];
        for (double[] row : q) {
            for (int i = 0; i < dims; i++) {
                row[i] = gaussian(random);
            }
        }
        orthonormalise(q);
        for (double[] row : q) {
            SymmetricEigen.fixSign(row);
        }
        return q;
    }

    /** Modified Gram–Schmidt, twice for orthogonality to rounding; a rank-deficient row is replaced by a unit vector. */
    private static void orthonormalise(double[][] rows) {
        for (int pass = 0; pass < 2; pass++) {
            for (int r = 0; r < rows.length; r++) {
                for (int s = 0; s < r; s++) {
                    double projection = dot(rows[r], rows[s]);
                    for (int i = 0; i < rows[r].length; i++) {
                        rows[r][i] -= projection * rows[s][i];
                    }
                }
                if (!normalise(rows[r])) {
                    replaceDegenerate(rows, r);
                }
            }
        }
    }

    /** A zero matrix or a rank below the block size leaves rows with no new direction: take a fresh axis. */
    private static void replaceDegenerate(double[][] rows, int r) {
        int dims = rows[r].length;
        for (int axis = 0; axis < dims; axis++) {
            java.util.Arrays.fill(rows[r], 0);
            rows[r][axis] = 1;
            for (int s = 0; s < r; s++) {
                double projection = dot(rows[r], rows[s]);
                for (int i = 0; i < dims; i++) {
                    rows[r][i] -= projection * rows[s][i];
                }
            }
            if (normalise(rows[r])) {
                return;
            }
        }
        throw new IllegalStateException("no direction orthogonal to " + r + " others in " + dims
                + " dims; this is a bug");
    }

    private static boolean normalise(double[] v) {
        double norm = Math.sqrt(dot(v, v));
        if (!(norm > 1e-150)) {
            return false;
        }
        for (int i = 0; i < v.length; i++) {
            v[i] /= norm;
        }
        return true;
    }

    static double[] multiply(double[][] matrix, double[] v) {
        double[] out = new double[matrix.length];
        for (int i = 0; i < matrix.length; i++) {
            out[i] = dot(matrix[i], v);
        }
        return out;
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    /**
     * Box–Muller on {@link SplittableRandom}, whose sequence for a seed is fixed by its specification;
     * StrictMath so that the directions do not depend on the platform.
     */
    static double gaussian(SplittableRandom random) {
        double u = 1.0 - random.nextDouble(); // (0, 1]
        double v = random.nextDouble();
        return StrictMath.sqrt(-2 * StrictMath.log(u)) * StrictMath.cos(2 * Math.PI * v);
    }
}
