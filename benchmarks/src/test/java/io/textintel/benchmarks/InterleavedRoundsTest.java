package io.textintel.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The interleaving of contenders: warm-ups first, then rounds in rotating order; medians. */
class InterleavedRoundsTest {

    @Test
    void warmsUpEachThenRotatesTheOrderEveryRound() throws Exception {
        List<String> calls = new ArrayList<>();
        Map<String, InterleavedRounds.Runs> runs = new InterleavedRounds()
                .add("a", () -> sample(calls, "a", 1.0))
                .add("b", () -> sample(calls, "b", 2.0))
                .add("c", () -> sample(calls, "c", 3.0))
                .run(3);

        assertThat(calls).containsExactly("a", "b", "c", "a", "b", "c", "b", "c", "a", "c", "a", "b");
        assertThat(runs.keySet()).containsExactly("a", "b", "c");
        assertThat(runs.get("b").rounds()).hasSize(3);
        assertThat(runs.get("b").medianSeconds()).isEqualTo(2.0);
    }

    @Test
    void theMedianIsTheMiddleValueOrTheMeanOfTheTwoMiddleOnes() {
        assertThat(InterleavedRounds.median(new double[] {5, 1, 3})).isEqualTo(3);
        assertThat(InterleavedRounds.median(new double[] {4, 1, 3, 2})).isEqualTo(2.5);
    }

    @Test
    void theCoresBusyAreCpuSecondsPerWallSecond() {
        assertThat(new Sample(2.0, 3.0, null).coresBusy()).isEqualTo(1.5);
        assertThatThrownBy(() -> new Sample(0, 1, null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("positive time");
    }

    @Test
    void refusesATwiceAddedContenderAndARunWithoutRounds() {
        InterleavedRounds rounds = new InterleavedRounds().add("a", () -> new Sample(1, 1, null));
        assertThatThrownBy(() -> rounds.add("a", () -> new Sample(1, 1, null)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("contender a added twice");
        assertThatThrownBy(() -> rounds.run(0)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("0 rounds");
    }

    private static Sample sample(List<String> calls, String name, double seconds) {
        calls.add(name);
        return new Sample(seconds, seconds, name);
    }
}
