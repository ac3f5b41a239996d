package io.textintel.operators.embedding;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CentralSentencesTest {

    /**
     * Sentences 0 and 2 say nearly the same (cosine 0.9998) and lie nearest the centroid (centrality 0.971 and
     * 0.975); 1 is next (0.790), then 4 (0.721), then 3 (0.662).
     */
    private static final float[][] SENTENCES = {
        {1f, 0.10f, 0f},
        {0.7f, 0.7f, 0f},
        {1f, 0.12f, 0.01f},
        {0.6f, -0.5f, 0.1f},
        {0.5f, 0.2f, 0.8f}
    };
    private static final int[] LENGTHS = {40, 30, 41, 20, 25};

    @Test
    void withoutRedundancyPenaltyTheMostCentralSentencesWinEvenIfTheyRepeatEachOther() {
        assertThat(CentralSentences.select(SENTENCES, LENGTHS, 2, 0, 1.0)).containsExactly(0, 2);
        assertThat(CentralSentences.select(SENTENCES, LENGTHS, 3, 0, 1.0)).containsExactly(0, 1, 2);
    }

    @Test
    void mmrPassesOverASentenceThatRepeatsOneAlreadyChosen() {
        // After 2, at lambda 0.5: sentence 0 scores 0.5 × 0.971 − 0.5 × 0.9998 < 0, sentence 4 about 0.5 × 0.721 −
        // 0.5 × 0.46 > 0, the others in between.
        assertThat(CentralSentences.select(SENTENCES, LENGTHS, 2, 0, 0.5)).containsExactly(2, 4);
        assertThat(CentralSentences.select(SENTENCES, LENGTHS, 3, 0, 0.5)).containsExactly(1, 2, 4);
    }

    @Test
    void aSentenceThatWouldPassTheCharacterBudgetIsSkipped() {
        // 2 first (41 chars); 0 (+41), 1 (+31) pass 65; 3 (+21) fits.
        assertThat(CentralSentences.select(SENTENCES, LENGTHS, 2, 65, 1.0)).containsExactly(2, 3);
    }

    @Test
    void whenNoSentenceFitsTheMostCentralOneIsReturnedAlone() {
        assertThat(CentralSentences.select(SENTENCES, LENGTHS, 3, 5, 0.7)).containsExactly(2);
    }

    @Test
    void noSentencesGiveNoPicks() {
        assertThat(CentralSentences.select(new float[0][], new int[0], 3, 0, 0.7)).isEmpty();
    }
}
