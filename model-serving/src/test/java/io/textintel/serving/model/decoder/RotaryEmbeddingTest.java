package io.textintel.serving.model.decoder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.textintel.serving.config.RopeScaling;
import org.junit.jupiter.api.Test;

/** Frequencies against values computed by hand from the transformers formulas (1e-12 relative: double math). */
class RotaryEmbeddingTest {

    private static void assertFrequencies(double[] actual, double... expected) {
        assertThat(actual).hasSize(expected.length);
        for (int i = 0; i < expected.length; i++) {
            assertThat(actual[i]).as("inverse frequency %d", i).isCloseTo(expected[i], within(expected[i] * 1e-12));
        }
    }

    @Test
    void plainFrequenciesAreThetaToTheMinusTwoIOverD() {
        RotaryEmbedding rope = new RotaryEmbedding(8, 10000, null);
        assertFrequencies(rope.inverseFrequencies(100), 1, 0.1, 0.01, 0.001);
        assertThat(rope.attentionFactor()).isEqualTo(1.0);
    }

    @Test
    void linearScalingDividesEveryFrequency() {
        RotaryEmbedding rope = new RotaryEmbedding(8, 10000, new RopeScaling("linear", 2, 0, 0, 2048));
        assertFrequencies(rope.inverseFrequencies(100), 0.5, 0.05, 0.005, 0.0005);
    }

    @Test
    void llama3ScalingKeepsHighFrequenciesDividesLowOnesAndSmoothsBetween() {
        // theta 1e6, headDim 8: wavelengths 6.3, 199, 6283, 198692 against the bands 2048 (8192/4) and 8192 (8192/1)
        RotaryEmbedding rope = new RotaryEmbedding(8, 1e6, new RopeScaling("llama3", 8, 1, 4, 8192));
        double smooth = (8192 / (2 * Math.PI / 1e-3) - 1) / 3; // 0.10127
        assertFrequencies(rope.inverseFrequencies(100),
                1, 0.03162277660168379, (1 - smooth) * 1e-3 / 8 + smooth * 1e-3, 3.952847075210474e-06);
        assertThat((1 - smooth) * 1e-3 / 8 + smooth * 1e-3).isCloseTo(2.1360754402756864e-4, within(1e-15));
    }

    @Test
    void yarnRampsFromExtrapolationToInterpolationAndScalesAttention() {
        // headDim 8, theta 1e4, factor 4, original 64: correction range [0, 2], ramp 0, 0.5, 1, 1
        RotaryEmbedding rope = new RotaryEmbedding(8, 10000, new RopeScaling("yarn", 4, 0, 0, 64));
        assertFrequencies(rope.inverseFrequencies(100), 1, 0.5 * 0.1 / 4 + 0.5 * 0.1, 0.01 / 4, 0.001 / 4);
        assertThat(rope.attentionFactor()).isCloseTo(1.138629436111989, within(1e-12));
    }

    @Test
    void dynamicScalingGrowsTheBaseOnlyPastTheOriginalContext() {
        RotaryEmbedding rope = new RotaryEmbedding(8, 10000, new RopeScaling("dynamic", 2, 0, 0, 16));
        assertFrequencies(rope.inverseFrequencies(16), 1, 0.1, 0.01, 0.001);
        // length 32: base = 1e4 * (2 * 32 / 16 - 1)^(8/6) = 43267.487
        assertFrequencies(rope.inverseFrequencies(32),
                1, 0.06933612743506347, 0.004807498567691361, 0.0003333333333333334);
    }

    @Test
    void rotatesHalvesAsTransformersRotateHalfDoes() {
        RotaryEmbedding rope = new RotaryEmbedding(4, 10000, null);
        float[] x = {1, 2, 3, 4}; // one head: pairs (x0, x2) and (x1, x3)
        double[] frequencies = rope.inverseFrequencies(10);
        rope.rotate(x, 0, 1, 3, frequencies);
        double a0 = 3 * 1.0;
        double a1 = 3 * 0.01;
        assertThat(x[0]).isCloseTo((float) (1 * Math.cos(a0) - 3 * Math.sin(a0)), within(1e-6f));
        assertThat(x[2]).isCloseTo((float) (3 * Math.cos(a0) + 1 * Math.sin(a0)), within(1e-6f));
        assertThat(x[1]).isCloseTo((float) (2 * Math.cos(a1) - 4 * Math.sin(a1)), within(1e-6f));
        assertThat(x[3]).isCloseTo((float) (4 * Math.cos(a1) + 2 * Math.sin(a1)), within(1e-6f));
    }
}
