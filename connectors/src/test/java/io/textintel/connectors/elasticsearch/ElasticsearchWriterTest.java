package io.textintel.connectors.elasticsearch;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.textintel.connectors.elasticsearch.FakeBulkServer.Reply;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.connector.sink2.CommittingSinkWriter;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Tests of the sink writer against an in-process fake of the bulk endpoint. */
class ElasticsearchWriterTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final Duration NEVER = Duration.ofHours(1);

    private FakeBulkServer server;
    private TestWriterInitContext context;
    private final RecordingHandler handler = new RecordingHandler();

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
                .setRetryPolicy(Duration.ofMillis(100), Duration.ofMillis(400), Duration.ofSeconds(10));
    }

    private static void writeAll(SinkWriter<String> writer, String... ids) throws Exception {
        for (String id : ids) {
            writer.write(id, null);
        }
    }

    @Test
    void flushReturnsOnlyAfterEveryInFlightRequestIsAnswered() throws Exception {
        server.closeGate();
        AtomicLong gateOpenedAt = new AtomicLong();
        Thread opener = new Thread(() -> {
            try {
                server.awaitRequests(1, TIMEOUT);
                Thread.sleep(300);
                gateOpenedAt.set(System.nanoTime());
                server.openGate();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try (SinkWriter<String> writer = sink().build().createWriter(context)) {
            writeAll(writer, "a", "b", "c");
            assertThat(server.requests()).as("nothing is sent below the limits before a flush").isEmpty();
            opener.start();
            writer.flush(false);
            long flushReturnedAt = System.nanoTime();

            assertThat(gateOpenedAt.get()).as("the gate was opened before flush returned").isPositive();
            assertThat(flushReturnedAt).isGreaterThan(gateOpenedAt.get());
            assertThat(server.storedDocuments()).containsOnlyKeys("a", "b", "c");
            assertThat(server.storedDocuments().get("b")).isEqualTo("{\"name\":\"b\"}");
            assertThat(server.requests()).hasSize(1);
            assertThat(server.requests().get(0).items()).allSatisfy(item -> assertThat(item.index()).isEqualTo("docs"));
            assertThat(context.metrics().getNumRecordsSendCounter().getCount()).isEqualTo(3);
            assertThat(context.metrics().getNumBytesSendCounter().getCount())
                    .isEqualTo(3L * "{\"name\":\"a\"}".length());
            assertThat(context.metrics().sendTimeGauge().getValue()).isGreaterThanOrEqualTo(300L);
        } finally {
            opener.join();
        }
    }

    @Test
    void retriesItemsThrottledWith429AfterABackoffAndThenSucceeds() throws Exception {
        server.setBehaviour((number, items) -> number == 0 ? Reply.items(201, 429, 201) : FakeBulkServer.allSucceed(items.size()));
        try (SinkWriter<String> writer = sink().build().createWriter(context)) {
            writeAll(writer, "a", "b", "c");
            writer.flush(false);
        }
        List<FakeBulkServer.Request> requests = server.requests();
        assertThat(requests).hasSize(2);
        assertThat(requests.get(1).ids()).as("only the throttled document is sent again").containsExactly("b");
        // Equal jitter waits at least half the 100 ms initial backoff.
        assertThat(Duration.ofNanos(requests.get(1).receivedNanos() - requests.get(0).receivedNanos()))
                .isGreaterThanOrEqualTo(Duration.ofMillis(50));
        assertThat(server.storedDocuments()).containsOnlyKeys("a", "b", "c");
        assertThat(context.metrics().counterValue(ElasticsearchWriterMetrics.NUM_RETRIED_DOCUMENTS)).isEqualTo(1);
        assertThat(context.metrics().getNumRecordsSendCounter().getCount()).isEqualTo(3);
    }

    @Test
    void retriesAWholeRequestAnswered503() throws Exception {
        server.setBehaviour((number, items) -> number < 2 ? Reply.request(503) : FakeBulkServer.allSucceed(items.size()));
        try (SinkWriter<String> writer = sink().build().createWriter(context)) {
            writeAll(writer, "a", "b");
            writer.flush(false);
        }
        assertThat(server.requests()).hasSize(3);
        assertThat(server.requests()).allSatisfy(request -> assertThat(request.ids()).containsExactly("a", "b"));
        assertThat(server.storedDocuments()).containsOnlyKeys("a", "b");
        assertThat(context.metrics().counterValue(ElasticsearchWriterMetrics.NUM_RETRIED_DOCUMENTS)).isEqualTo(4);
    }

    @Test
    void failsTheJobWhenADocumentOutlastsTheRetryBudget() throws Exception {
        server.setBehaviour((number, items) -> Reply.items(429));
        long startNanos = System.nanoTime();
        try (SinkWriter<String> writer = sink()
                .setRetryPolicy(Duration.ofMillis(20), Duration.ofMillis(50), Duration.ofMillis(500))
                .build().createWriter(context)) {
            writeAll(writer, "a");
            assertThatThrownBy(() -> writer.flush(false))
                    .isInstanceOf(ElasticsearchSinkException.class)
                    .hasMessageContaining("Document a for index docs still failed after")
                    .hasMessageContaining("longer than the retry budget of PT0.5S (elasticsearch.retry.max-duration)")
                    .hasMessageContaining("es_rejected_execution_exception");
        }
        assertThat(Duration.ofNanos(System.nanoTime() - startNanos)).as("the budget was used up first")
                .isGreaterThanOrEqualTo(Duration.ofMillis(500));
        // 500 ms of waits of at most 50 ms each would be 10 retries; a loaded machine may run late.
        assertThat(server.requests()).hasSizeGreaterThanOrEqualTo(4);
        assertThat(context.metrics().counterValue(ElasticsearchWriterMetrics.NUM_THROTTLED_DOCUMENTS))
                .isEqualTo(server.requests().size());
    }

    @Test
    void failsTheJobWhenTheWholeRequestIsRefusedFor4xx() throws Exception {
        server.setBehaviour((number, items) -> Reply.request(400));
        try (SinkWriter<String> writer = sink().build().createWriter(context)) {
            writeAll(writer, "a");
            assertThatThrownBy(() -> writer.flush(false))
                    .isInstanceOf(ElasticsearchSinkException.class)
                    .hasMessageContaining("cannot be retried")
                    .hasMessageContaining("status 400");
        }
        assertThat(server.requests()).hasSize(1);
    }

    @Test
    void countsDocumentsThatOverwroteOneWithTheSameId() throws Exception {
        server.setBehaviour((number, items) -> Reply.items(201, 200, 201, 200));
        try (SinkWriter<String> writer = sink().build().createWriter(context)) {
            writeAll(writer, "a", "b", "c", "b");
            writer.flush(false);
        }
        assertThat(context.metrics().counterValue(ElasticsearchWriterMetrics.DOCUMENTS_OVERWRITTEN)).isEqualTo(2);
        assertThat(context.metrics().getNumRecordsSendCounter().getCount()).isEqualTo(4);
    }

    @Test
    void handsPermanentRejectionsToTheHandlerWithoutRetrying() throws Exception {
        server.setBehaviour((number, items) -> Reply.items(201, 400, 201));
        try (SinkWriter<String> writer = sink().setRejectedDocumentHandler(() -> handler).build().createWriter(context)) {
            assertThat(handler.opened).isTrue();
            writeAll(writer, "a", "b", "c");
            writer.flush(false);
            assertThat(handler.flushes).as("the handler is flushed at each checkpoint").isEqualTo(1);
        }
        assertThat(server.requests()).as("a rejected document is not retried").hasSize(1);
        assertThat(handler.rejected).singleElement().satisfies(rejected -> {
            assertThat(rejected.id()).isEqualTo("b");
            assertThat(rejected.status()).isEqualTo(400);
            assertThat(rejected.errorType()).isEqualTo("mapper_parsing_exception");
            assertThat(new String(rejected.source(), UTF_8)).isEqualTo("{\"name\":\"b\"}");
            assertThat(rejected.message()).isEqualTo("document b rejected by index docs with status 400:"
                    + " mapper_parsing_exception: failed to parse field [embedding] of type [dense_vector]");
        });
        assertThat(handler.closed).isTrue();
        assertThat(server.storedDocuments()).containsOnlyKeys("a", "c");
        assertThat(context.metrics().counterValue(ElasticsearchWriterMetrics.NUM_REJECTED_DOCUMENTS)).isEqualTo(1);
        assertThat(context.metrics().getNumRecordsOutErrorsCounter().getCount()).isEqualTo(1);
    }

    @Test
    void collectsPermanentRejectionsForTheCheckpointWhenTheSinkPublishesThem() throws Exception {
        server.setBehaviour((number, items) -> number == 0 ? Reply.items(201, 400, 201) : Reply.items(400, 201));
        ElasticsearchSink<String> sink = sink().setRejectedDocumentSink(rejections -> {}).build();
        try (CommittingSinkWriter<String, RejectedDocuments> writer = sink.createWriter(context)) {
            assertThat(writer.prepareCommit()).as("nothing rejected yet").isEmpty();
            writeAll(writer, "a", "b", "c");
            writer.flush(false);
            assertThat(writer.prepareCommit()).singleElement().satisfies(batch ->
                    assertThat(batch.documents()).extracting(RejectedDocument::id).containsExactly("b"));
            assertThat(writer.prepareCommit()).as("each rejection is handed on once").isEmpty();

            writeAll(writer, "d", "e");
            writer.flush(false);
            assertThat(writer.prepareCommit()).singleElement().satisfies(batch -> {
                assertThat(batch.documents()).extracting(RejectedDocument::id).containsExactly("d");
                assertThat(new String(batch.documents().get(0).source(), UTF_8)).isEqualTo("{\"name\":\"d\"}");
            });
        }
        assertThat(server.requests()).as("rejected documents are not retried").hasSize(2);
        assertThat(context.metrics().counterValue(ElasticsearchWriterMetrics.NUM_REJECTED_DOCUMENTS)).isEqualTo(2);
    }

    @Test
    void aHandlerAndARejectionSinkTogetherAreRefused() {
        assertThatThrownBy(() -> sink().setRejectedDocumentHandler(() -> handler)
                .setRejectedDocumentSink(rejections -> {}).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Both a rejected-document handler and a rejected-document sink");
    }

    @Test
    void failsTheJobOnAPermanentRejectionWithoutAHandler() throws Exception {
        server.setBehaviour((number, items) -> Reply.items(201, 400));
        try (SinkWriter<String> writer = sink().build().createWriter(context)) {
            writeAll(writer, "a", "b");
            assertThatThrownBy(() -> writer.flush(false))
                    .isInstanceOf(ElasticsearchSinkException.class)
                    .hasMessageContaining("document b rejected by index docs with status 400:"
                            + " mapper_parsing_exception: failed to parse field [embedding]");
        }
        assertThat(server.requests()).hasSize(1);
    }

    @Test
    void sendsWhenTheBufferReachesMaxActions() throws Exception {
        try (SinkWriter<String> writer = sink().setBulkFlushMaxActions(2).build().createWriter(context)) {
            writeAll(writer, "a", "b", "c", "d", "e");
            server.awaitRequests(2, TIMEOUT);
            writer.flush(false);
        }
        // Two requests may be in flight at once, so they can arrive in either order.
        assertThat(server.requests()).extracting(FakeBulkServer.Request::ids)
                .containsExactlyInAnyOrder(List.of("a", "b"), List.of("c", "d"), List.of("e"));
    }

    @Test
    void sendsWhenTheBufferReachesMaxBytes() throws Exception {
        long oneDocument = new BulkAction("docs", "a", "{\"name\":\"a\"}".getBytes(UTF_8)).sizeInBytes();
        try (SinkWriter<String> writer = sink().setBulkFlushMaxBytes(2 * oneDocument + 1).build().createWriter(context)) {
            writeAll(writer, "a", "b");
            assertThat(server.requests()).isEmpty();
            writeAll(writer, "c");
            server.awaitRequests(1, TIMEOUT);
            writer.flush(false);
        }
        assertThat(server.requests()).extracting(FakeBulkServer.Request::ids)
                .as("no request exceeds max bytes")
                .containsExactly(List.of("a", "b"), List.of("c"));
    }

    @Test
    void sendsWhenTheFlushIntervalPasses() throws Exception {
        try (SinkWriter<String> writer = sink().setBulkFlushInterval(Duration.ofMillis(50)).build().createWriter(context)) {
            writeAll(writer, "a");
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            // The timer posts a mail; the test thread plays the task thread and runs it.
            while (server.requests().isEmpty() && System.nanoTime() < deadline) {
                context.getMailboxExecutor().tryYield();
                Thread.sleep(5);
            }
            assertThat(server.requests()).hasSize(1);
            writer.flush(false);
        }
        assertThat(server.storedDocuments()).containsOnlyKeys("a");
    }

    @Test
    void writeWaitsWhileMaxInFlightRequestsAreOutstanding() throws Exception {
        server.closeGate();
        AtomicLong gateOpenedAt = new AtomicLong();
        Thread opener = new Thread(() -> {
            try {
                server.awaitRequests(1, TIMEOUT);
                Thread.sleep(300);
                gateOpenedAt.set(System.nanoTime());
                server.openGate();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try (SinkWriter<String> writer = sink().setBulkFlushMaxActions(1).setMaxInFlightRequests(1).build().createWriter(context)) {
            opener.start();
            writeAll(writer, "a");
            writeAll(writer, "b");
            long secondWriteReturnedAt = System.nanoTime();
            assertThat(gateOpenedAt.get()).as("the second write waited for the first request").isPositive();
            assertThat(secondWriteReturnedAt).isGreaterThan(gateOpenedAt.get());
            writer.flush(true);
        } finally {
            opener.join();
        }
        assertThat(server.requests()).extracting(FakeBulkServer.Request::ids)
                .containsExactly(List.of("a"), List.of("b"));
    }

    @Test
    void retriesWhenTheClusterCannotBeReached() throws Exception {
        String unreachable = server.url();
        server.close();
        WriterInitContext initContext = context;
        try (SinkWriter<String> writer = sink().setHosts(unreachable).setRetryPolicy(Duration.ofMillis(10), Duration.ofMillis(10), Duration.ofMillis(200))
                .build().createWriter(initContext)) {
            writeAll(writer, "a");
            assertThatThrownBy(() -> writer.flush(false))
                    .isInstanceOf(ElasticsearchSinkException.class)
                    .hasMessageContaining("longer than the retry budget")
                    .hasMessageContaining("ConnectException");
        }
        assertThat(context.metrics().counterValue(ElasticsearchWriterMetrics.NUM_RETRIED_DOCUMENTS))
                .as("retried every 5-10 ms for 200 ms").isGreaterThanOrEqualTo(5);
    }

    @Test
    void refusesWritesAfterClose() throws Exception {
        SinkWriter<String> writer = sink().build().createWriter(context);
        writer.close();
        assertThatThrownBy(() -> writer.write("a", null))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }

    /** A rejected-document handler that remembers what it was given. */
    private static final class RecordingHandler implements RejectedDocumentHandler {
        final List<RejectedDocument> rejected = new ArrayList<>();
        boolean opened;
        int flushes;
        boolean closed;

        @Override
        public void open(WriterInitContext context) {
            opened = true;
        }

        @Override
        public void accept(RejectedDocument document) {
            rejected.add(document);
        }

        @Override
        public void flush() {
            flushes++;
        }

        @Override
        public void close() {
            closed = true;
        }
    }
}
