package io.textintel.operators.drift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

class PrincipalDirectionsTest {

    /** Jacobi itself: A·v = λ·v and orthonormal vectors, to 1e-10 on a random symmetric 20×20 matrix. */
    @Test
    void jacobiDecomposesASymmetricMatrix() {
        SplittableRandom random = new SplittableRandom(4);
        int n = 20;
        double[][] a = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = i; j < n; j++) {
                a[i][j] = PrincipalDirections.gaussian(random);
                a[j][i] = a[i][j];
            }
        }
        SymmetricEigen eigen = SymmetricEigen.of(a);
        for (int r = 0; r < n; r++) {
            double[] av = PrincipalDirections.multiply(a, eigen.vectors[r]);
            for (int i = 0; i < n; i++) {
                assertThat(av[i]).isCloseTo(eigen.values[r] * eigen.vectors[r][i], within(1e-10));
            }
            for (int s = 0; s < n; s++) {
                assertThat(PrincipalDirections.dot(eigen.vectors[r], eigen.vectors[s]))
                        .isCloseTo(r == s ? 1 : 0, within(1e-10));
            }
            if (r > 0) {
                assertThat(eigen.values[r]).isLessThanOrEqualTo(eigen.values[r - 1]);
            }
        }
    }

    /**
     * Subspace iteration against Jacobi on the full covariance of 32-dim embeddings with a known spectrum:
     * each of the top 8 directions matches up to sign (|cos| >= 1 − 1e-9) and its variance to 1e-9 relative.
     */
    @Test
    void principalComponentsMatchTheFullEigendecomposition() {
        List<float[]> embeddings = new ArrayList<>();
        for (DriftFeatures f : new SyntheticDriftStream(7, 5).take(3000)) {
            embeddings.add(f.embedding);
        }
        int k = 8;
        PrincipalDirections pca = PrincipalDirections.fit(embeddings, SyntheticDriftStream.DIMS, k, true, 11);
        SymmetricEigen full = SymmetricEigen.of(PrincipalDirections.covariance(embeddings, pca.mean));
        for (int j = 0; j < k; j++) {
            double cos = PrincipalDirections.dot(pca.directions[j], full.vectors[j]);
            assertThat(Math.abs(cos)).as("direction %d", j).isGreaterThan(1 - 1e-9);
            assertThat(pca.variances[j]).isCloseTo(full.values[j], within(1e-9 * full.values[0]));
        }
        double trace = 0;
        for (double v : full.values) {
            trace += v;
        }
        assertThat(pca.totalVariance).isCloseTo(trace, within(1e-12));
    }

    @Test
    void randomDirectionsAreOrthonormalAndSeeded() {
        double[][] a = PrincipalDirections.randomOrthonormal(32, 16, new SplittableRandom(3));
        double[][] b = PrincipalDirections.randomOrthonormal(32, 16, new SplittableRandom(3));
        assertThat(a).isDeepEqualTo(b);
        for (int r = 0; r < a.length; r++) {
            for (int s = 0; s < a.length; s++) {
                assertThat(PrincipalDirections.dot(a[r], a[s])).isCloseTo(r == s ? 1 : 0, within(1e-12));
            }
        }
    }

    /** Fewer distinct embeddings than directions: the covariance is rank-deficient, directions stay orthonormal. */
    @Test
    void rankDeficientReferenceStillGivesOrthonormalDirections() {
        List<float[]> embeddings = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            embeddings.add(new float[] {i % 2 == 0 ? 0.6f : 0.8f, i % 2 == 0 ? 0.8f : 0.6f, 0, 0, 0, 0});
        }
        PrincipalDirections pca = PrincipalDirections.fit(embeddings, 6, 4, true, 1);
        for (int r = 0; r < 4; r++) {
            for (int s = 0; s < 4; s++) {
                assertThat(PrincipalDirections.dot(pca.directions[r], pca.directions[s]))
                        .isCloseTo(r == s ? 1 : 0, within(1e-12));
            }
        }
        assertThat(pca.variances[0]).isGreaterThan(0);
        assertThat(pca.variances[1]).isCloseTo(0, within(1e-12));
    }

    @Test
    void moreDirectionsThanDimsIsRejected() {
        List<float[]> embeddings = List.of(new float[] {1, 0}, new float[] {0, 1});
        assertThatThrownBy(() -> PrincipalDirections.fit(embeddings, 2, 3, true, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("directions is 3").hasMessageContaining("2 dims");
    }
}
