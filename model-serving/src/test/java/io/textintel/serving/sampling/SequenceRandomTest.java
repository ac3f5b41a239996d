package io.textintel.serving.sampling;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SequenceRandomTest {

    @Test
    void sameSeedGivesTheSameStreamWhateverElseIsDrawn() {
        SequenceRandom alone = new SequenceRandom(42);
        double[] expected = new double[100];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = alone.nextUniform();
        }
        // the same request interleaved with two others, in an irregular pattern
        SequenceRandom mine = new SequenceRandom(42);
        SequenceRandom other = new SequenceRandom(42); // even the same seed in another request
        SequenceRandom third = new SequenceRandom(7);
        for (int i = 0; i < expected.length; i++) {
            for (int j = 0; j < i % 3; j++) {
                other.nextUniform();
                third.nextUniform();
            }
            assertThat(mine.nextUniform()).isEqualTo(expected[i]);
        }
    }

    @Test
    void differentSeedsGiveDifferentStreams() {
        SequenceRandom a = new SequenceRandom(1);
        SequenceRandom b = new SequenceRandom(2);
        int equal = 0;
        for (int i = 0; i < 1000; i++) {
            equal += a.nextUniform() == b.nextUniform() ? 1 : 0;
        }
        assertThat(equal).isZero();
    }

    @Test
    void copyContinuesFromTheSamePoint() {
        SequenceRandom random = new SequenceRandom(9);
        random.nextUniform();
        SequenceRandom copy = random.copy();
        assertThat(copy.draws()).isEqualTo(1);
        for (int i = 0; i < 10; i++) {
            assertThat(copy.nextUniform()).isEqualTo(random.nextUniform());
        }
    }

    @Test
    void drawsAreUniformInTheUnitInterval() {
        // 10 bins, 100k draws: each bin count has sd sqrt(100k * 0.1 * 0.9) ~ 95; 6 sd = 570 makes a
        // false failure practically impossible while a biased generator (e.g. one bit stuck) fails
        SequenceRandom random = new SequenceRandom(123);
        int[] bins = new int[10];
        for (int i = 0; i < 100_000; i++) {
            double u = random.nextUniform();
            assertThat(u).isGreaterThanOrEqualTo(0).isLessThan(1);
            bins[(int) (u * 10)]++;
        }
        for (int count : bins) {
            assertThat(count).isBetween(10_000 - 570, 10_000 + 570);
        }
    }
}
