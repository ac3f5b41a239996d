package io.textintel.serving.backend.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import io.textintel.serving.backend.Activation;
import java.util.Random;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link ReproducibleMath} against {@code StrictMath} in double, rounded to float, and its vector
 * form {@link VectorMath} against it bit for bit. Errors are in ulps of the correctly rounded float
 * result; the bounds are those the class promises (checked once on every float of the ranges: exp
 * 1.06, tanh 1.34), well inside the 2 ulp the kernels' tolerances assume.
 */
class ReproducibleMathTest {

    private static final double EXP_ULPS = 1.1;
    private static final double TANH_ULPS = 1.4;

    private static final float[] SPECIAL = {
        0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE, -Float.MIN_VALUE,
        Float.MAX_VALUE, -Float.MAX_VALUE, 88.72283f, 88.72284f, 89f, 89.5f, -87.33655f, -87.33656f, -103.27893f,
        -103.97208f, -103.97209f, -104f, -104.5f, 0.625f, -0.625f, Math.nextDown(0.625f), 9.01f, 1e-20f, -1e-20f,
        1e-40f, 44f, 45f, -45f, 1f, -1f};

    @Test
    void expIsWithinItsBoundOnADenseGridAndRandomPoints() {
        double worst = 0;
        for (float x = -104f; x <= 89f; x += 1f / 4096) {
            worst = Math.max(worst, ulps(ReproducibleMath.exp(x), StrictMath.exp(x)));
        }
        Random random = new Random(17);
        for (int i = 0; i < 1_000_000; i++) {
            float x = -104f + 193f * random.nextFloat();
            worst = Math.max(worst, ulps(ReproducibleMath.exp(x), StrictMath.exp(x)));
        }
        // near zero, where |r| is tiny and the polynomial's low terms matter
        for (int i = 0; i < 1_000_000; i++) {
            float x = (float) (random.nextGaussian() * Math.pow(10, -random.nextInt(30)));
            worst = Math.max(worst, ulps(ReproducibleMath.exp(x), StrictMath.exp(x)));
        }
        assertThat(worst).as("worst exp error in ulps").isLessThanOrEqualTo(EXP_ULPS);
    }

    @Test
    void tanhIsWithinItsBoundOnADenseGridAndRandomPoints() {
        double worst = 0;
        for (float x = -12f; x <= 12f; x += 1f / 16384) {
            worst = Math.max(worst, ulps(ReproducibleMath.tanh(x), StrictMath.tanh(x)));
        }
        Random random = new Random(23);
        for (int i = 0; i < 1_000_000; i++) {
            // magnitudes from 1e-30 to 30, so that the polynomial branch is checked at every scale
            float x = (float) (random.nextGaussian() * Math.pow(10, 1 - random.nextInt(32)));
            worst = Math.max(worst, ulps(ReproducibleMath.tanh(x), StrictMath.tanh(x)));
        }
        assertThat(worst).as("worst tanh error in ulps").isLessThanOrEqualTo(TANH_ULPS);
    }

    @Test
    void specialValuesFollowTheLimits() {
        for (float x : SPECIAL) {
            assertThat(ulps(ReproducibleMath.exp(x), StrictMath.exp(x))).as("exp(%s)", x).isLessThanOrEqualTo(EXP_ULPS);
            assertThat(ulps(ReproducibleMath.tanh(x), StrictMath.tanh(x))).as("tanh(%s)", x)
                    .isLessThanOrEqualTo(TANH_ULPS);
        }
        assertThat(ReproducibleMath.exp(Float.NaN)).isNaN();
        assertThat(ReproducibleMath.tanh(Float.NaN)).isNaN();
        assertThat(ReproducibleMath.exp(Float.POSITIVE_INFINITY)).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(ReproducibleMath.exp(Float.NEGATIVE_INFINITY)).isEqualTo(0f);
        assertThat(ReproducibleMath.exp(0f)).isEqualTo(1f);
        assertThat(ReproducibleMath.tanh(Float.NEGATIVE_INFINITY)).isEqualTo(-1f);
        assertThat(Float.floatToRawIntBits(ReproducibleMath.tanh(-0f))).isEqualTo(Float.floatToRawIntBits(-0f));
    }

    @Test
    void vectorFormsGiveTheScalarBits() {
        float[] x = grid();
        float[] exp = new float[x.length];
        float[] tanh = new float[x.length];
        int lanes = VectorMath.SPECIES.length();
        for (int i = 0; i < x.length; i += lanes) {
            FloatVector v = FloatVector.fromArray(VectorMath.SPECIES, x, i);
            VectorMath.exp(v).intoArray(exp, i);
            VectorMath.tanh(v).intoArray(tanh, i);
        }
        for (int i = 0; i < x.length; i++) {
            assertThat(Float.floatToRawIntBits(exp[i])).as("exp(%s)", x[i])
                    .isEqualTo(Float.floatToRawIntBits(ReproducibleMath.exp(x[i])));
            assertThat(Float.floatToRawIntBits(tanh[i])).as("tanh(%s)", x[i])
                    .isEqualTo(Float.floatToRawIntBits(ReproducibleMath.tanh(x[i])));
        }
    }

    // an odd length, so that VectorMath.activate ends in a scalar tail at every vector width
    @ParameterizedTest
    @EnumSource(Activation.class)
    void vectorActivationsGiveThePortableBits(Activation activation) {
        float[] x = grid();
        int length = x.length - 7;
        float[] vector = x.clone();
        float[] portable = x.clone();
        VectorMath.activate(activation, vector, 0, length);
        FastMath.activate(activation, portable, 0, length);
        for (int i = 0; i < x.length; i++) {
            assertThat(Float.floatToRawIntBits(vector[i])).as("%s(%s)", activation, x[i])
                    .isEqualTo(Float.floatToRawIntBits(portable[i]));
        }
    }

    /** Every special value, then a dense range across both branches of tanh and all of exp's, a whole number of vectors. */
    static float[] grid() {
        int lanes = VectorMath.SPECIES.length();
        int count = (SPECIAL.length + 16384 + lanes - 1) / lanes * lanes;
        float[] x = new float[count];
        System.arraycopy(SPECIAL, 0, x, 0, SPECIAL.length);
        Random random = new Random(5);
        for (int i = SPECIAL.length; i < count; i++) {
            x[i] = i % 2 == 0 ? -110f + 200f * random.nextFloat() : (float) random.nextGaussian() * 3f;
        }
        return x;
    }

    /** |got - want| in ulps of {@code want} rounded to float; 0 where both are the same infinity or NaN. */
    private static double ulps(float got, double want) {
        float rounded = (float) want;
        if (Float.isNaN(got) && Double.isNaN(want) || got == rounded && Float.isInfinite(rounded)) {
            return 0;
        }
        return Math.abs(got - want) / Math.ulp(rounded);
    }
}
