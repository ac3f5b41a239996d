package io.textintel.serving.backend.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import org.junit.jupiter.api.Test;

/** The GPU tests' comparison helper: where the worst error is, non-finite outputs, collected failures. */
class KernelComparisonTest {

    @Test
    void findsTheLargestErrorAndNamesItsRowAndColumn() {
        float[] expected = {1, 2, 3, 4, 5, 6};
        float[] actual = {1, 2, 3.5f, 4, 5, 6.25f};
        KernelComparison comparison = KernelComparison.of(actual, expected, 3);
        assertThat(comparison.maxAbsError()).isEqualTo(0.5);
        assertThat(comparison.worst()).isEqualTo(2);
        assertThat(comparison.maxRelError()).isCloseTo(0.5 / 3, offset(1e-9));
        assertThat(comparison.maxAbsExpected()).isEqualTo(6);
        assertThat(comparison.scaledError()).isCloseTo(0.5 / 6, offset(1e-9));
        assertThat(comparison.toString()).contains("max abs error 0.500 at [0, 2] (got 3.5, expected 3.0)");
    }

    @Test
    void aNonFiniteOutputIsTheWorstWhateverTheOtherErrors() {
        KernelComparison comparison = KernelComparison.of(new float[] {10, Float.NaN, 3}, new float[] {1, 2, 3});
        assertThat(comparison.maxAbsError()).isInfinite();
        assertThat(comparison.worst()).isEqualTo(1);
        assertThat(comparison.nonFinite()).isEqualTo(1);
        assertThat(comparison.toString()).contains("at [1]", "1 non-finite");
    }

    @Test
    void failuresCollectEveryCaseAndFailOnlyAtTheEnd() {
        KernelComparison.Failures failures = new KernelComparison.Failures();
        KernelComparison small = KernelComparison.of(new float[] {1.00001f}, new float[] {1});
        KernelComparison large = KernelComparison.of(new float[] {2}, new float[] {1});
        failures.requireAtMost("case a", small.maxAbsError(), 1e-4, small);
        failures.requireAtMost("case b", large.maxAbsError(), 1e-4, large);
        failures.requireAtMost("case c", Double.NaN, 1e-4, large);
        failures.require("case d", true, "unused");
        assertThatThrownBy(failures::assertNone).isInstanceOf(AssertionError.class)
                .hasMessageStartingWith("2 of 4 checks failed")
                .hasMessageContaining("case b: error 1.00 over tolerance 0.0001; max abs error 1.00 at [0]")
                .hasMessageContaining("case c: error NaN")
                .message().doesNotContain("case a");

        KernelComparison.Failures none = new KernelComparison.Failures();
        none.requireAtMost("fine", small.maxAbsError(), 1e-4, small);
        none.assertNone();
    }
}
