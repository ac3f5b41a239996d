package io.textintel.serving.batch;

import static org.assertj.core.api.Assertions.assertThat;

import io.textintel.serving.backend.BatchLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class BatchSchedulerTest {

    private static InferenceRequest request(int length, long enqueuedNanos) {
        return new InferenceRequest(InferenceRequest.Task.EMBED, new int[length], new CompletableFuture<>(),
                enqueuedNanos);
    }

    private static List<Integer> lengths(ScheduledBatch batch) {
        List<Integer> lengths = new ArrayList<>();
        for (InferenceRequest request : batch.requests()) {
            lengths.add(request.length());
        }
        return lengths;
    }

    @Test
    void waitsForMoreWorkUntilTheDelayOrAFullBatch() {
        BatchScheduler scheduler = new BatchScheduler(3, 1000, Duration.ofMillis(5), BatchLayout.PACKED, 0);
        assertThat(scheduler.nanosUntilDue(0)).isEqualTo(Long.MAX_VALUE);
        scheduler.add(request(4, 1_000_000));
        assertThat(scheduler.nanosUntilDue(2_000_000)).isEqualTo(4_000_000);
        assertThat(scheduler.nanosUntilDue(7_000_000)).isZero();
        scheduler.add(request(4, 1_000_000));
        scheduler.add(request(4, 1_000_000));
        assertThat(scheduler.nanosUntilDue(1_000_000)).as("full batch waiting").isZero();
    }

    @Test
    void groupsSimilarLengthsAroundTheOldestRequest() {
        BatchScheduler scheduler = new BatchScheduler(3, 10_000, Duration.ZERO, BatchLayout.PADDED, 0);
        for (int length : new int[] {50, 5, 100, 48, 6, 52, 99}) {
            scheduler.add(request(length, 0));
        }
        ScheduledBatch first = scheduler.schedule();
        assertThat(lengths(first)).containsExactly(48, 50, 52);
        assertThat(first.tokens().paddingRows()).isEqualTo(3 * 52 - 150);
        assertThat(lengths(scheduler.schedule())).containsExactly(5, 6, 99); // oldest is now 5
        assertThat(lengths(scheduler.schedule())).containsExactly(100);
        assertThat(scheduler.schedule()).isNull();
    }

    @Test
    void respectsTheTokenBudgetButAlwaysRunsTheOldest() {
        BatchScheduler packed = new BatchScheduler(8, 100, Duration.ZERO, BatchLayout.PACKED, 0);
        packed.add(request(150, 0));
        packed.add(request(40, 0));
        packed.add(request(40, 0));
        packed.add(request(30, 0));
        assertThat(lengths(packed.schedule())).containsExactly(150);
        // the oldest (40) takes the other 40 first (closest length); 30 more would exceed 100
        assertThat(lengths(packed.schedule())).containsExactly(40, 40);
        assertThat(lengths(packed.schedule())).containsExactly(30);

        BatchScheduler padded = new BatchScheduler(8, 100, Duration.ZERO, BatchLayout.PADDED, 0);
        padded.add(request(30, 0));
        padded.add(request(40, 0));
        padded.add(request(10, 0));
        // padded rows count: the oldest (30) takes 40 (closer than 10): 2 * 40 = 80 rows;
        // adding 10 would make 3 * 40 = 120 > 100
        assertThat(lengths(padded.schedule())).containsExactly(30, 40);
        assertThat(lengths(padded.schedule())).containsExactly(10);
    }

    @Test
    void dropsRequestsCancelledBeforeTheyRun() {
        BatchScheduler scheduler = new BatchScheduler(4, 1000, Duration.ZERO, BatchLayout.PACKED, 0);
        InferenceRequest cancelled = request(3, 0);
        InferenceRequest kept = request(5, 0);
        scheduler.add(cancelled);
        scheduler.add(kept);
        cancelled.future().cancel(false);
        ScheduledBatch batch = scheduler.schedule();
        assertThat(batch.requests()).containsExactly(kept);
        assertThat(scheduler.dropped()).isEqualTo(1);
        assertThat(scheduler.waiting()).isZero();
    }

    @Test
    void packedBatchesLayTokensEndToEnd() {
        TokenBatch batch = TokenBatch.packed(List.of(new int[] {1, 2, 3}, new int[] {4}));
        assertThat(batch.ids()).containsExactly(1, 2, 3, 4);
        assertThat(batch.spans().starts()).containsExactly(0, 3);
        assertThat(batch.paddingRows()).isZero();
        TokenBatch padded = TokenBatch.padded(List.of(new int[] {1, 2, 3}, new int[] {4}), 9);
        assertThat(padded.ids()).containsExactly(1, 2, 3, 4, 9, 9);
        assertThat(padded.paddingRows()).isEqualTo(2);
        assertThat(padded.sequence(1)).containsExactly(4);
    }
}
