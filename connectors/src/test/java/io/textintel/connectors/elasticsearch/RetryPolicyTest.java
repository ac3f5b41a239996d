package io.textintel.connectors.elasticsearch;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {

    @Test
    void backoffDoublesWithJitterInItsUpperHalfAndIsCapped() {
        RetryPolicy policy = new RetryPolicy(Duration.ofMillis(100), Duration.ofMillis(1000), Duration.ofMinutes(1));
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
        RetryPolicy policy = new RetryPolicy(Duration.ofMillis(1000), Duration.ofMillis(1000), Duration.ofMinutes(1));
        SplittableRandom random = new SplittableRandom(11);
        long distinct = java.util.stream.IntStream.range(0, 50)
                .mapToLong(i -> policy.backoff(1, random).toMillis()).distinct().count();
        assertThat(distinct).as("50 draws from 501 values").isGreaterThan(20);
    }

    @Test
    void aLateRetryDoesNotOverflow() {
        RetryPolicy policy = new RetryPolicy(Duration.ofMillis(100), Duration.ofDays(365), Duration.ZERO);
        assertThat(policy.backoff(100, new SplittableRandom(1))).isLessThanOrEqualTo(Duration.ofDays(365));
        assertThat(policy.backoff(100, new SplittableRandom(1))).isGreaterThanOrEqualTo(Duration.ofDays(182));
    }

    @Test
    void blockedRetriesWaitInTheUpperHalfOfTheMaxBackoff() {
        RetryPolicy policy = new RetryPolicy(Duration.ofMillis(100), Duration.ofMillis(1000), Duration.ofMinutes(1));
        SplittableRandom random = new SplittableRandom(3);
        for (int sample = 0; sample < 200; sample++) {
            assertThat(policy.blockedBackoff(random).toMillis()).isBetween(500L, 1000L);
        }
    }

    @Test
    void theBudgetIsTimeSinceTheFirstFailureAndZeroMeansNoLimit() {
        RetryPolicy policy = new RetryPolicy(Duration.ofMillis(100), Duration.ofSeconds(10), Duration.ofMinutes(10));
        assertThat(policy.isExhausted(Duration.ofMinutes(10))).isFalse();
        assertThat(policy.isExhausted(Duration.ofMinutes(10).plusMillis(1))).isTrue();
        RetryPolicy unlimited = new RetryPolicy(Duration.ofMillis(100), Duration.ofSeconds(10), Duration.ZERO);
        assertThat(unlimited.isUnlimited()).isTrue();
        assertThat(unlimited.isExhausted(Duration.ofDays(3650))).isFalse();
        assertThat(RetryPolicy.DEFAULT.maxDuration()).isEqualTo(Duration.ofMinutes(10));
    }

    @Test
    void refusesANegativeBudget() {
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> new RetryPolicy(Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Max retry duration is PT-1S, expected a positive duration, or zero for no limit.");
    }
}
