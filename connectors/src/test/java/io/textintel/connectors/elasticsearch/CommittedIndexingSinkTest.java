package io.textintel.connectors.elasticsearch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.textintel.connectors.elasticsearch.FakeBulkServer.Reply;

import org.apache.flink.api.connector.sink2.Committer.CommitRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The committed sink: its writer keeps each epoch's documents for the committable, its serializer
 * round-trips them, and its committer indexes them, retrying transient and blocked failures within
 * the budget and failing for a document refused for good. Against {@link FakeBulkServer}.
 */
class CommittedIndexingSinkTest {

    private FakeBulkServer server;
    private final AtomicLong clock = new AtomicLong();
    private final List<Duration> sleeps = new ArrayList<>();

    @BeforeEach
    void startServer() throws IOException {
        server = new FakeBulkServer();
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    @Test
    void writerHandsOnEachEpochsDocumentsOnceAndSendsNothingItself() throws Exception {
        var sink = ElasticsearchSink.<String>builder()
                .setHosts(server.url())
                .setIndex("drift")
                .setDocumentSerializer(text -> new ElasticsearchDocument("id-" + text,
                        ("{\"v\":\"" + text + "\"}").getBytes(StandardCharsets.UTF_8)))
                .buildCommitted();
        try (var writer = sink.createWriter(new TestWriterInitContext())) {
            writer.write("a", null);
            writer.write("b", null);
            writer.flush(false);
            List<PendingDocuments> first = List.copyOf(writer.prepareCommit());
            assertThat(first).hasSize(1);
            assertThat(first.get(0).documents()).extracting(BulkAction::index, BulkAction::id)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("drift", "id-a"),
                            org.assertj.core.groups.Tuple.tuple("drift", "id-b"));
            assertThat(writer.prepareCommit()).as("an epoch without documents").isEmpty();
            writer.write("c", null);
            assertThat(writer.prepareCommit()).singleElement()
                    .satisfies(epoch -> assertThat(epoch.documents()).extracting(BulkAction::id).containsExactly("id-c"));
        }
        assertThat(server.requests()).as("the writer never sends").isEmpty();
    }

    @Test
    void serializerRoundTripsLargeAndNonAsciiDocumentsAndRefusesOtherVersions() throws IOException {
        byte[] large = ("{\"t\":\"" + "é".repeat(70_000) + "\"}").getBytes(StandardCharsets.UTF_8);
        PendingDocuments pending = new PendingDocuments(List.of(
                new BulkAction("drift-ä", "report/1", large), new BulkAction("profiles", "ref-2", "{}".getBytes())));
        PendingDocuments copy = PendingDocumentsSerializer.INSTANCE.deserialize(
                PendingDocumentsSerializer.INSTANCE.getVersion(), PendingDocumentsSerializer.INSTANCE.serialize(pending));
        assertThat(copy.documents()).hasSize(2);
        assertThat(copy.documents().get(0).index()).isEqualTo("drift-ä");
        assertThat(copy.documents().get(0).id()).isEqualTo("report/1");
        assertThat(copy.documents().get(0).source()).isEqualTo(large);
        assertThat(copy.documents().get(1).id()).isEqualTo("ref-2");
        assertThatThrownBy(() -> PendingDocumentsSerializer.INSTANCE.deserialize(2, new byte[4]))
                .isInstanceOf(IOException.class).hasMessageContaining("version 2, expected 1");
    }

    @Test
    void commitIndexesEveryDocumentInBulksOfMaxActions() throws Exception {
        committer(2, RetryPolicy.DEFAULT).commit(List.of(request(documents(5))));
        assertThat(server.requests()).extracting(r -> r.items().size()).containsExactly(2, 2, 1);
        assertThat(server.storedDocuments()).containsOnlyKeys("d0", "d1", "d2", "d3", "d4");
        assertThat(sleeps).isEmpty();
    }

    @Test
    void transientAndBlockedFailuresAreRetriedWithBackoffUntilIndexed() throws Exception {
        server.setBehaviour((number, items) -> switch (number) {
            case 0 -> Reply.request(503);
            case 1 -> Reply.items(201, 429, 201);
            case 2 -> Reply.items(403);
            default -> FakeBulkServer.allSucceed(items.size());
        });
        committer(10, RetryPolicy.DEFAULT).commit(List.of(request(documents(3))));
        assertThat(server.requests()).extracting(FakeBulkServer.Request::ids).containsExactly(
                List.of("d0", "d1", "d2"), List.of("d0", "d1", "d2"), List.of("d1"), List.of("d1"));
        assertThat(server.storedDocuments()).containsOnlyKeys("d0", "d1", "d2");
        assertThat(sleeps).hasSize(3).allSatisfy(wait -> assertThat(wait).isPositive());
    }

    @Test
    void aDocumentRefusedForGoodFailsTheCommitNamingIt() {
        server.setBehaviour((number, items) -> Reply.items(201, 400));
        assertThatThrownBy(() -> committer(10, RetryPolicy.DEFAULT).commit(List.of(request(documents(2)))))
                .isInstanceOf(ElasticsearchSinkException.class)
                .hasMessageContaining("refused committed document d1 in index drift for good (status 400");
    }

    @Test
    void failuresLongerThanTheBudgetFailTheCommit() {
        server.setBehaviour((number, items) -> Reply.request(503));
        RetryPolicy policy = new RetryPolicy(Duration.ofMillis(100), Duration.ofSeconds(10), Duration.ofMinutes(1));
        assertThatThrownBy(() -> committer(10, policy).commit(List.of(request(documents(1)))))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("still fail after")
                .hasMessageContaining("longer than the retry budget of PT1M");
        long waited = sleeps.stream().mapToLong(Duration::toMillis).sum();
        assertThat(waited).as("time waited before giving up").isBetween(60_000L, 80_000L);
    }

    private PendingDocumentsCommitter committer(int maxActions, RetryPolicy policy) {
        // The clock advances by exactly the time slept, so budgets are tested without waiting.
        return new PendingDocumentsCommitter(ElasticsearchConnection.of(server.url()).createClient(), maxActions, policy,
                clock::get, wait -> {
                    sleeps.add(wait);
                    clock.addAndGet(wait.toNanos());
                });
    }

    private static PendingDocuments documents(int count) {
        List<BulkAction> documents = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            documents.add(new BulkAction("drift", "d" + i, ("{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8)));
        }
        return new PendingDocuments(documents);
    }

    private static CommitRequest<PendingDocuments> request(PendingDocuments pending) {
        return new CommitRequest<>() {
            @Override
            public PendingDocuments getCommittable() {
                return pending;
            }

            @Override
            public int getNumberOfRetries() {
                return 0;
            }

            @Override
            public void signalFailedWithKnownReason(Throwable t) {
                throw new AssertionError("the committer throws instead", t);
            }

            @Override
            public void signalFailedWithUnknownReason(Throwable t) {
                throw new AssertionError("the committer throws instead", t);
            }

            @Override
            public void retryLater() {
                throw new AssertionError("the committer retries itself");
            }

            @Override
            public void updateAndRetryLater(PendingDocuments committable) {
                throw new AssertionError("the committer retries itself");
            }

            @Override
            public void signalAlreadyCommitted() {
                throw new AssertionError("not expected");
            }
        };
    }
}
