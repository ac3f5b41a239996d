package io.textintel.connectors.elasticsearch;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.textintel.connectors.elasticsearch.FakeBulkServer.Reply;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Tests of the sink writer through outages, throttling and authorisation failures, against an
 * in-process fake of the bulk endpoint. Timing margins are generous (waits of a few hundred ms
 * asserted against lower bounds only) so that a loaded CI machine cannot fail them.
 */
class ElasticsearchWriterOutageTest {

    private static final Duration NEVER = Duration.ofHours(1);

    private FakeBulkServer server;
    private TestWriterInitContext context;
    private final List<RejectedDocument> rejected = new ArrayList<>();

    @BeforeEach
    void startServer() throws Exception {
        server = new FakeBulkServer();
        context = new TestWriterInitContext();
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    private ElasticsearchSinkBuilder<String> sink() {
        return ElasticsearchSink.<String>builder()
                .setHosts(server.url())
                .setIndex("docs")
                .setDocumentSerializer(id -> new ElasticsearchDocument(id, ("{\"name\":\"" + id + "\"}").getBytes(UTF_8)))
                .setBulkFlushInterval(NEVER)
                .setRetryPolicy(Duration.ofMillis(20), Duration.ofMillis(80), Duration.ofSeconds(30))
                .setRejectedDocumentHandler(() -> new RejectedDocumentHandler() {
                    @Override
                    public void open(org.apache.flink.api.connector.sink2.WriterInitContext initContext) {
                    }

                    @Override
                    public void accept(RejectedDocument document) {
                        rejected.add(document);
                    }

                    @Override
                    public void flush() {
                    }

                    @Override
                    public void close() {
                    }
                });
    }

    private Object gauge(String name) {
        return context.metrics().gaugeValue(name);
    }

    private long counter(String name) {
        return context.metrics().counterValue(name);
    }

    @Test
    void backPressuresWithBoundedBatchesWhileTheClusterIsDownAndLosesNothing() throws Exception {
        AtomicBoolean down = new AtomicBoolean(true);
        server.setBehaviour((number, items) -> down.get() ? Reply.request(503) : FakeBulkServer.allSucceed(items.size()));
        AtomicInteger maxWaiting = new AtomicInteger();
        AtomicLong maxOutageMillis = new AtomicLong();
        AtomicLong upAt = new AtomicLong();
        AtomicBoolean sampling = new AtomicBoolean(true);
        Thread sampler = new Thread(() -> {
            while (sampling.get()) {
                maxWaiting.accumulateAndGet((Integer) gauge(ElasticsearchWriterMetrics.BATCHES_AWAITING_RETRY), Math::max);
                maxOutageMillis.accumulateAndGet((Long) gauge(ElasticsearchWriterMetrics.CURRENT_OUTAGE_MS), Math::max);
                if (upAt.get() == 0 && server.requests().size() >= 8) {
                    upAt.set(System.nanoTime());
                    down.set(false);
                }
                try {
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        List<String> ids = List.of("a", "b", "c", "d", "e", "f", "g", "h", "i", "j");
        long thirdWriteReturnedAt;
        try (SinkWriter<String> writer = sink().setBulkFlushMaxActions(1).setMaxInFlightRequests(2)
                .build().createWriter(context)) {
            sampler.start();
            writer.write("a", null);
            writer.write("b", null);
            // Both slots now hold a batch in flight or waiting for a retry: this write must wait.
            writer.write("c", null);
            thirdWriteReturnedAt = System.nanoTime();
            for (String id : ids.subList(3, ids.size())) {
                writer.write(id, null);
            }
            writer.flush(false);
            assertThat(gauge(ElasticsearchWriterMetrics.CURRENT_OUTAGE_MS)).as("the outage is over").isEqualTo(0L);
            assertThat(gauge(ElasticsearchWriterMetrics.BATCHES_AWAITING_RETRY)).isEqualTo(0);
        } finally {
            sampling.set(false);
            sampler.join();
        }
        assertThat(upAt.get()).as("the cluster came back").isPositive();
        assertThat(thirdWriteReturnedAt).as("the third write waited for the cluster").isGreaterThan(upAt.get());
        List<FakeBulkServer.Request> failed = server.requests().subList(0, 8);
        assertThat(failed).as("only the two batches taken before the outage were sent during it")
                .allSatisfy(request -> assertThat(request.ids()).containsAnyOf("a", "b").hasSize(1));
        assertThat(maxWaiting.get()).as("batches waiting for a retry, sampled during the outage").isBetween(1, 2);
        assertThat(maxOutageMillis.get()).isPositive();
        assertThat(server.storedDocuments()).containsOnlyKeys(ids);
        assertThat(rejected).isEmpty();
        assertThat(counter(ElasticsearchWriterMetrics.NUM_OUTAGES)).isEqualTo(1);
        assertThat(counter(ElasticsearchWriterMetrics.NUM_BULK_RETRIES)).isGreaterThanOrEqualTo(6);
        assertThat((Long) gauge(ElasticsearchWriterMetrics.OUTAGE_TIME_MS))
                .isGreaterThanOrEqualTo(maxOutageMillis.get());
    }

    /**
     * Two batches fail, their retries go out together, and the cluster answers the second one first:
     * the first retry, sent during the outage, fails late. That is the same outage going on, not a
     * new one after a success; it ends once every request sent during it is answered.
     */
    @Test
    void aLateFailureOfARequestSentDuringTheOutageContinuesIt() throws Exception {
        CountDownLatch firstRetryArrived = new CountDownLatch(1);
        CountDownLatch secondRetryAnswered = new CountDownLatch(1);
        AtomicInteger answeredA = new AtomicInteger();
        server.setBehaviour((number, items) -> {
            if (number < 2) {
                return Reply.request(503); // a and b, sent before the outage
            }
            boolean isA = items.get(0).id().equals("a");
            try {
                if (isA && answeredA.getAndIncrement() == 0) {
                    firstRetryArrived.countDown();
                    assertThat(secondRetryAnswered.await(10, TimeUnit.SECONDS)).isTrue();
                    Thread.sleep(300); // the writer handles b's success before this failure
                    return Reply.request(503);
                }
                if (!isA && secondRetryAnswered.getCount() > 0) {
                    assertThat(firstRetryArrived.await(10, TimeUnit.SECONDS)).isTrue();
                    secondRetryAnswered.countDown();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            return FakeBulkServer.allSucceed(items.size());
        });
        try (SinkWriter<String> writer = sink().setBulkFlushMaxActions(1).setMaxInFlightRequests(2)
                .build().createWriter(context)) {
            writer.write("a", null);
            writer.write("b", null);
            writer.flush(false);
        }
        assertThat(server.storedDocuments()).containsOnlyKeys("a", "b");
        assertThat(answeredA.get()).as("a: failed retry, then success").isEqualTo(2);
        assertThat(counter(ElasticsearchWriterMetrics.NUM_OUTAGES)).as("one outage").isEqualTo(1);
        assertThat(gauge(ElasticsearchWriterMetrics.CURRENT_OUTAGE_MS)).isEqualTo(0L);
    }

    @Test
    void retriesForEverWhenTheBudgetIsUnlimited() throws Exception {
        server.setBehaviour((number, items) -> number < 15 ? Reply.items(503) : FakeBulkServer.allSucceed(items.size()));
        try (SinkWriter<String> writer = sink()
                .setRetryPolicy(Duration.ofMillis(10), Duration.ofMillis(20), Duration.ZERO)
                .build().createWriter(context)) {
            writer.write("a", null);
            writer.flush(false);
        }
        assertThat(server.requests()).hasSize(16);
        assertThat(server.storedDocuments()).containsOnlyKeys("a");
    }

    @Test
    void countsDocumentsThrottledWith429AndIndexesThemAll() throws Exception {
        server.setBehaviour((number, items) -> switch (number) {
            case 0 -> Reply.items(429, 201, 429);
            case 1 -> Reply.request(429);
            default -> FakeBulkServer.allSucceed(items.size());
        });
        try (SinkWriter<String> writer = sink().build().createWriter(context)) {
            writer.write("a", null);
            writer.write("b", null);
            writer.write("c", null);
            writer.flush(false);
        }
        assertThat(counter(ElasticsearchWriterMetrics.NUM_THROTTLED_DOCUMENTS)).as("2 items, then a request of 2").isEqualTo(4);
        assertThat(server.storedDocuments()).containsOnlyKeys("a", "b", "c");
        assertThat(rejected).isEmpty();
    }

    @Test
    void holdsDocumentsRefusedWith403InsteadOfRejectingThemAndResumesOnceTheRoleIsFixed() throws Exception {
        assertBlockedThenResumed(403);
    }

    @Test
    void holdsDocumentsWhoseIndexIsMissingAndResumesOnceItIsCreated() throws Exception {
        assertBlockedThenResumed(404);
    }

    private void assertBlockedThenResumed(int status) throws Exception {
        server.setBehaviour((number, items) -> number < 3 ? Reply.items(status, status) : FakeBulkServer.allSucceed(items.size()));
        try (SinkWriter<String> writer = sink().build().createWriter(context)) {
            writer.write("a", null);
            writer.write("b", null);
            writer.flush(false);
        }
        assertThat(rejected).as("status %d is no fault of the documents", status).isEmpty();
        assertThat(counter(ElasticsearchWriterMetrics.NUM_REJECTED_DOCUMENTS)).isZero();
        assertThat(counter(ElasticsearchWriterMetrics.NUM_BLOCKED_DOCUMENTS)).isEqualTo(6);
        assertThat(server.storedDocuments()).containsOnlyKeys("a", "b");
        List<FakeBulkServer.Request> requests = server.requests();
        assertThat(requests).hasSize(4);
        for (int i = 1; i < requests.size(); i++) {
            // Slow retries: each waits at least half the max backoff of 80 ms, not the 20 ms initial backoff.
            assertThat(Duration.ofNanos(requests.get(i).receivedNanos() - requests.get(i - 1).receivedNanos()))
                    .isGreaterThanOrEqualTo(Duration.ofMillis(40));
        }
    }

    @Test
    void holdsTheBatchWhenTheWholeRequestIsUnauthorised() throws Exception {
        server.setBehaviour((number, items) -> number < 2 ? Reply.request(401) : FakeBulkServer.allSucceed(items.size()));
        try (SinkWriter<String> writer = sink().build().createWriter(context)) {
            writer.write("a", null);
            writer.flush(false);
        }
        assertThat(counter(ElasticsearchWriterMetrics.NUM_BLOCKED_DOCUMENTS)).isEqualTo(2);
        assertThat(server.storedDocuments()).containsOnlyKeys("a");
        assertThat(rejected).isEmpty();
    }

    @Test
    void failsTheJobWhenAnAuthorisationFailureOutlastsTheBudget() throws Exception {
        server.setBehaviour((number, items) -> Reply.items(403));
        try (SinkWriter<String> writer = sink()
                .setRetryPolicy(Duration.ofMillis(20), Duration.ofMillis(50), Duration.ofMillis(300))
                .build().createWriter(context)) {
            writer.write("a", null);
            assertThatThrownBy(() -> writer.flush(false))
                    .isInstanceOf(ElasticsearchSinkException.class)
                    .hasMessageContaining("longer than the retry budget")
                    .hasMessageContaining("status 403: security_exception")
                    .hasMessageContaining("granted by the index privileges [create_doc,create,index,write,all]");
        }
        assertThat(rejected).isEmpty();
    }

    @Test
    void stillRejectsOtherClientErrorsForGood() throws Exception {
        server.setBehaviour((number, items) -> Reply.items(400, 201));
        try (SinkWriter<String> writer = sink().build().createWriter(context)) {
            writer.write("a", null);
            writer.write("b", null);
            writer.flush(false);
        }
        assertThat(rejected).extracting(RejectedDocument::id).containsExactly("a");
        assertThat(server.requests()).hasSize(1);
        assertThat(counter(ElasticsearchWriterMetrics.NUM_OUTAGES)).isZero();
    }
}
