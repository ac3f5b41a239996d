package io.textintel.serving.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.textintel.serving.spec.DraftLengthPolicy.StandDown;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SchedulerCountersTest {

    @Test
    void aSnapshotHasEveryCountInItsPlace() {
        SchedulerCounters counters = new SchedulerCounters(4);
        for (int i = 0; i < 6; i++) {
            counters.requestAdded();
        }
        counters.requestCompleted();
        counters.requestCompleted();
        counters.completedWasCancelled();
        counters.requestsCancelled(2);
        counters.requestFailed();
        counters.stepRan(100);
        counters.stepRan(50);
        counters.prefilled(7);
        counters.prefilled(3);
        for (int i = 0; i < 5; i++) {
            counters.tokenGenerated();
        }
        counters.preempted();
        counters.unspeculatedStep(0, StandDown.ACCEPTANCE);
        counters.unspeculatedStep(0, StandDown.BATCH_SIZE);
        counters.unspeculatedStep(2, StandDown.NONE); // the proposer had nothing
        counters.verifiedStep(4, StandDown.NONE, 4, 3);
        counters.verifiedStep(3, StandDown.NONE, 2, 0); // fewer drafts than asked for
        counters.publish(3, 2, 17);

        GenerationMetrics metrics = counters.snapshot();
        assertThat(metrics.requests()).isEqualTo(6);
        assertThat(metrics.completed()).isEqualTo(1);
        assertThat(metrics.cancelled()).isEqualTo(3);
        assertThat(metrics.failed()).isEqualTo(1);
        assertThat(metrics.steps()).isEqualTo(2);
        assertThat(metrics.forwardNanos()).isEqualTo(150);
        assertThat(metrics.prefillTokens()).isEqualTo(10);
        assertThat(metrics.generatedTokens()).isEqualTo(5);
        assertThat(metrics.preemptions()).isEqualTo(1);
        assertThat(metrics.unspeculatedSteps()).isEqualTo(3);
        assertThat(metrics.offForAcceptance()).isEqualTo(1);
        assertThat(metrics.offForBatchSize()).isEqualTo(1);
        assertThat(metrics.verifySteps()).isEqualTo(2);
        assertThat(metrics.draftProposed()).isEqualTo(6);
        assertThat(metrics.draftAccepted()).isEqualTo(3);
        assertThat(metrics.draftLengths()).containsExactly(2, 0, 1, 1, 1);
        assertThat(metrics.running()).isEqualTo(3);
        assertThat(metrics.waiting()).isEqualTo(2);
        assertThat(metrics.freeKvBlocks()).isEqualTo(17);
        assertThat(metrics.constrainedVerifySteps()).isZero();
    }

    @Test
    void aSnapshotDoesNotChangeAfterwards() {
        SchedulerCounters counters = new SchedulerCounters(2);
        counters.verifiedStep(2, StandDown.NONE, 2, 2);
        GenerationMetrics before = counters.snapshot();
        counters.verifiedStep(2, StandDown.NONE, 2, 1);
        counters.publish(1, 0, 3);
        assertThat(before.verifySteps()).isEqualTo(1);
        assertThat(before.draftLengths()).containsExactly(0, 0, 1);
        assertThat(before.freeKvBlocks()).isZero();
        assertThat(counters.snapshot().draftLengths()).containsExactly(0, 0, 2);
    }

    @Test
    void anotherThreadSeesTheCountsWithoutALock() throws Exception {
        SchedulerCounters counters = new SchedulerCounters(1);
        int steps = 100_000;
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            for (int i = 0; i < steps; i++) {
                counters.stepRan(1);
                counters.tokenGenerated();
            }
        });
        // the reader spins on snapshots: counts never go back, and it sees the last one (10 s at most)
        long seen = 0;
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (seen < steps && System.nanoTime() < deadline) {
            GenerationMetrics metrics = counters.snapshot();
            assertThat(metrics.steps()).isGreaterThanOrEqualTo(seen);
            seen = metrics.steps();
        }
        writer.get(10, TimeUnit.SECONDS);
        assertThat(seen).isEqualTo(steps);
        assertThat(counters.snapshot().generatedTokens()).isEqualTo(steps);
    }

    @Test
    void aDraftLengthOutsideTheHistogramIsABug() {
        SchedulerCounters counters = new SchedulerCounters(2);
        assertThatThrownBy(() -> counters.unspeculatedStep(3, StandDown.NONE))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("draft length 3, expected 0 <= length <= 2. This is a bug.");
        assertThatThrownBy(() -> new SchedulerCounters(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxDraftTokens is -1, expected >= 0");
    }
}
