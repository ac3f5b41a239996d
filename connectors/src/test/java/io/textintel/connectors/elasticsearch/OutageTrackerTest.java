package io.textintel.connectors.elasticsearch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.contains;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoMoreInteractions;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

/** Tests of the outage log lines and times, on a clock the test moves. */
class OutageTrackerTest {

    private static final String FORBIDDEN = "status 403: security_exception: action [indices:data/write/bulk[s]] is"
            + " unauthorized for user [writer] on indices [docs], this action is granted by the index privileges"
            + " [create_doc,create,index,write,all]";

    private final AtomicLong clock = new AtomicLong(1_000_000_000L);
    private final Logger log = mock(Logger.class);
    private OutageTracker tracker;

    @BeforeEach
    void createTracker() {
        tracker = new OutageTracker(log, clock::get, RetryPolicy.DEFAULT);
    }

    private void advance(Duration duration) {
        clock.addAndGet(duration.toNanos());
    }

    @Test
    void aLongOutageLogsItsStartOncePerIntervalAndItsEndOnce() {
        tracker.onRetry(BulkFailures.Kind.TRANSIENT, "docs", "ConnectException: Connection refused", 1000, 1);
        for (int i = 0; i < 50; i++) {
            advance(Duration.ofSeconds(2));
            tracker.onRetry(BulkFailures.Kind.TRANSIENT, "docs", "ConnectException: Connection refused", 1000, 2);
        }
        assertThat(tracker.currentOutageMillis()).isEqualTo(100_000L);
        tracker.onSuccess(1);
        assertThat(tracker.inOutage()).as("a batch still waits for its retry").isTrue();
        advance(Duration.ofSeconds(1));
        tracker.onSuccess(0);

        verify(log).warn(contains("outage started"), any(Object[].class));
        // 100 s of retries every 2 s: one progress line at 60 s, not 50.
        verify(log, times(1)).warn(contains("outage goes on"), any(Object[].class));
        verify(log).info(contains("outage over"), eq(Duration.ofSeconds(101)), eq(51L), eq(51_000L));
        verify(log, never()).error(anyString(), any(Object[].class));
        verifyNoMoreInteractions(log);
        assertThat(tracker.inOutage()).isFalse();
        assertThat(tracker.currentOutageMillis()).isZero();
        assertThat(tracker.totalOutageMillis()).isEqualTo(101_000L);
    }

    @Test
    void shortOutagesSoonAfterAReportedOneAreCountedNotLogged() {
        for (int i = 0; i < 10; i++) {
            tracker.onRetry(BulkFailures.Kind.TRANSIENT, "docs", "status 429", 10, 1);
            advance(Duration.ofSeconds(1));
            tracker.onSuccess(0);
            advance(Duration.ofSeconds(1));
        }
        verify(log, times(1)).warn(contains("outage started"), any(Object[].class));
        verify(log, times(1)).info(contains("outage over"), any(Object[].class));
        assertThat(tracker.totalOutageMillis()).isEqualTo(10_000L);

        advance(Duration.ofSeconds(60));
        tracker.onRetry(BulkFailures.Kind.TRANSIENT, "docs", "status 429", 10, 1);
        verify(log, times(2)).warn(contains("outage started"), any(Object[].class));
    }

    @Test
    void anOutageWhoseStartWasNotLoggedGetsItsWarningOnceItLasts() {
        tracker.onRetry(BulkFailures.Kind.TRANSIENT, "docs", "status 429", 10, 1);
        advance(Duration.ofSeconds(1));
        tracker.onSuccess(0);
        advance(Duration.ofSeconds(1));
        // The node goes away just after a short throttling spell: its start is not logged at once.
        tracker.onRetry(BulkFailures.Kind.TRANSIENT, "docs", "ConnectException: Connection refused", 10, 1);
        verify(log, times(1)).warn(contains("outage started"), any(Object[].class));
        advance(OutageTracker.UNREPORTED_GRACE.minusSeconds(1));
        tracker.onRetry(BulkFailures.Kind.TRANSIENT, "docs", "ConnectException: Connection refused", 10, 2);
        verify(log, never()).warn(contains("outage goes on"), any(Object[].class));
        advance(Duration.ofSeconds(2));
        tracker.onRetry(BulkFailures.Kind.TRANSIENT, "docs", "ConnectException: Connection refused", 10, 2);
        verify(log, times(1)).warn(contains("outage goes on"), any(Object[].class));
        tracker.onSuccess(0);
        verify(log, times(1)).info(contains("outage over"), eq(Duration.ofSeconds(11)), eq(3L), eq(30L));
    }

    @Test
    void anAuthorisationFailureLogsAnErrorNamingTheIndexAndTheMissingPrivilege() {
        tracker.onRetry(BulkFailures.Kind.BLOCKED, "docs", FORBIDDEN, 500, 1);
        advance(Duration.ofSeconds(10));
        tracker.onRetry(BulkFailures.Kind.BLOCKED, "docs", FORBIDDEN, 500, 1);
        verify(log, times(1)).error(contains("refuses writes to index"), eq("docs"), eq(FORBIDDEN), eq(500),
                eq(RetryPolicy.DEFAULT.maxBackoff()), eq("10m"));

        advance(Duration.ofSeconds(10));
        tracker.onRetry(BulkFailures.Kind.BLOCKED, "drift", FORBIDDEN, 5, 2);
        verify(log).error(contains("refuses writes to index"), eq("drift"), eq(FORBIDDEN), eq(5),
                any(), any());
        advance(Duration.ofSeconds(60));
        tracker.onRetry(BulkFailures.Kind.BLOCKED, "drift", FORBIDDEN, 5, 2);
        verify(log, times(2)).error(contains("refuses writes to index"), eq("drift"), eq(FORBIDDEN), eq(5),
                any(), any());
    }
}
