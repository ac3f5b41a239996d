package io.textintel.operators.embedding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class ZeroShotScoresTest {

    private static final float[] X = {1, 0, 0};
    /**
     * Label 0: one description at cosine 0.6; label 1: descriptions whose centroid (0.4, 0.5, 0.3) is at cosine
     * 0.4 / √0.5 (its best description would be at 0.8); label 2: at -1.
     */
    private static final float[][][] DESCRIPTIONS = {
        {{0.6f, 0.8f, 0}},
        {{0, 1, 0}, {0.8f, 0, 0.6f}},
        {{-2, 0, 0}}
    };

    @Test
    void aLabelsSimilarityIsTheCosineToTheCentroidOfItsDescriptions() {
        double[] similarity = new ZeroShotScores(DESCRIPTIONS, 0.05, false).similarities(X);

        // float inputs: cosines exact to float rounding.
        assertThat(similarity[0]).isCloseTo(0.6, within(1e-6));
        assertThat(similarity[1]).isCloseTo(0.4 / Math.sqrt(0.5), within(1e-6));
        assertThat(similarity[2]).isCloseTo(-1, within(1e-6));
    }

    @Test
    void singleLabelScoresAreTheSoftmaxOfCosinesOverTheTemperature() {
        float[] scores = new ZeroShotScores(DESCRIPTIONS, 0.1, false).scores(X);

        double second = 4 / Math.sqrt(0.5);
        double z = Math.exp(6) + Math.exp(second) + Math.exp(-10);
        assertThat(scores[0]).isCloseTo((float) (Math.exp(6) / z), within(1e-6f));
        assertThat(scores[1]).isCloseTo((float) (Math.exp(second) / z), within(1e-6f));
        assertThat(scores[2]).isCloseTo((float) (Math.exp(-10) / z), within(1e-6f));
    }

    @Test
    void multiLabelScoresAreCosinesClippedToTheUnitInterval() {
        float[] scores = new ZeroShotScores(DESCRIPTIONS, 0.1, true).scores(X);

        assertThat(scores).containsExactly(new float[] {0.6f, (float) (0.4 / Math.sqrt(0.5)), 0f}, within(1e-6f));
    }

    @Test
    void aLabelWithoutDescriptionsOrABadTemperatureIsRefused() {
        assertThatThrownBy(() -> new ZeroShotScores(new float[][][] {{}}, 0.1, false))
                .hasMessageContaining("label 0 has no description embedding");
        assertThatThrownBy(() -> new ZeroShotScores(DESCRIPTIONS, 0, false)).hasMessageContaining("temperature is 0.0");
    }
}
