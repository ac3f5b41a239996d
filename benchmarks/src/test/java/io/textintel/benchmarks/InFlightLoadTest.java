package io.textintel.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The closed-loop load: its in-flight bound, results, latencies, failures and percentiles. */
class InFlightLoadTest {

    private static final List<String> TEXTS = IntStream.range(0, 12).mapToObj(i -> "x".repeat(i + 1)).toList();

    /**
     * Each document takes 100 ms, far longer than submitting four, so four are in flight at once
     * and never more; a round of 12 in waves of 4 takes at least 3 × 100 ms.
     */
    @Test
    void keepsExactlyTheGivenNumberInFlightAndReturnsResultsInSubmissionOrder() throws Exception {
        Executor later = CompletableFuture.delayedExecutor(100, TimeUnit.MILLISECONDS);
        InFlightLoad.Round<Integer> round = InFlightLoad.run(TEXTS, 4,
                text -> CompletableFuture.supplyAsync(text::length, later));

        assertThat(round.maxInFlight()).isEqualTo(4);
        assertThat(round.results()).containsExactlyElementsOf(IntStream.rangeClosed(1, 12).boxed().toList());
        assertThat(round.latencyNanos()).hasSize(12);
        assertThat(Arrays.stream(round.latencyNanos()).min().getAsLong())
                .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(100));
        assertThat(round.wallNanos()).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(300));
        assertThat(round.documentsPerSecond()).isEqualTo(12 * 1e9 / round.wallNanos());
    }

    @Test
    void oneInFlightRunsDocumentsOneAfterAnother() throws Exception {
        Executor later = CompletableFuture.delayedExecutor(5, TimeUnit.MILLISECONDS);
        InFlightLoad.Round<Integer> round = InFlightLoad.run(TEXTS, 1,
                text -> CompletableFuture.supplyAsync(text::length, later));

        assertThat(round.maxInFlight()).isEqualTo(1);
        assertThat(round.wallNanos()).isGreaterThanOrEqualTo(round.latencyNanos()[0] + round.latencyNanos()[11]);
    }

    @Test
    void aFailedDocumentFailsTheRoundNamingIt() {
        assertThatThrownBy(() -> InFlightLoad.run(TEXTS, 2, text -> text.length() == 3
                ? CompletableFuture.failedFuture(new IllegalArgumentException("bad text"))
                : CompletableFuture.completedFuture(text.length())))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("document 2 of 12 failed with 2 in flight")
                .hasRootCauseMessage("bad text");
        assertThatThrownBy(() -> InFlightLoad.run(TEXTS, 2, text -> {
            throw new IllegalStateException("thrown at submission");
        })).isInstanceOf(IllegalStateException.class).hasMessageStartingWith("document 0 of 12 failed");
    }

    @Test
    void rejectsNoTextsAndNoneInFlight() {
        assertThatThrownBy(() -> InFlightLoad.run(List.of(), 1, CompletableFuture::completedFuture))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no texts");
        assertThatThrownBy(() -> InFlightLoad.run(TEXTS, 0, CompletableFuture::completedFuture))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("documents in flight is 0, expected >= 1");
    }

    @Test
    void percentilesAreNearestRank() {
        long[] nanos = IntStream.rangeClosed(1, 100).mapToLong(ms -> TimeUnit.MILLISECONDS.toNanos(101 - ms))
                .toArray();
        assertThat(InFlightLoad.percentileMillis(nanos, 0.5)).isEqualTo(50.0);
        assertThat(InFlightLoad.percentileMillis(nanos, 0.99)).isEqualTo(99.0);
        assertThat(InFlightLoad.percentileMillis(nanos, 1.0)).isEqualTo(100.0);
        assertThat(InFlightLoad.percentileMillis(new long[] {7_000_000}, 0.99)).isEqualTo(7.0);
        assertThatThrownBy(() -> InFlightLoad.percentileMillis(nanos, 0))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
