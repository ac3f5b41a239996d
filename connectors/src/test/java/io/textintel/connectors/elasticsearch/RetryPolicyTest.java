package io.textintel.connectors.elasticsearch;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {

    @Test
    void backoffDoublesWithJitterInItsUpperHalfAndIsCapped() {
        RetryPolicy policy = new RetryPolicy(10, Duration.ofMillis(100), Duration.ofMillis(1000));
        SplittableRandom random = new SplittableRandom(7);
        long[] ceilings = {100, 200, 400, 800, 1000, 1000};
        for (int retry = 1; retry <= ceilings.length; retry++) {
            for (int sample = 0; sample < 200; sample++) {
                long millis = policy.backoff(retry, random).toMillis();
                assertThat(millis).as("retry %d", retry).isBetween(ceilings[retry - 1] / 2, ceilings[retry - 1]);
            }
        }
    }

    @Test
    void jitterSpreadsTheWaits() {
        RetryPolicy policy = new RetryPolicy(3, Duration.ofMillis(1000), Duration.ofMillis(1000));
        SplittableRandom random = new SplittableRandom(11);
        long distinct = java.util.stream.IntStream.range(0, 50)
                .mapToLong(i -> policy.backoff(1, random).toMillis()).distinct().count();
        assertThat(distinct).as("50 draws from 501 values").isGreaterThan(20);
    }

    @Test
    void aLateRetryDoesNotOverflow() {
        RetryPolicy policy = new RetryPolicy(100, Duration.ofMillis(100), Duration.ofDays(365));
        assertThat(policy.backoff(100, new SplittableRandom(1))).isLessThanOrEqualTo(Duration.ofDays(365));
        assertThat(policy.backoff(100, new SplittableRandom(1))).isGreaterThanOrEqualTo(Duration.ofDays(182));
    }
}
