package io.textintel.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.textintel.connectors.elasticsearch.ElasticsearchConnection;
import io.textintel.it.support.CapturingMetricReporter;
import io.textintel.it.support.TestPipeline;
import io.textintel.it.support.TestServices;
import io.textintel.jobs.PipelineSetup;
import io.textintel.jobs.TextIntelligenceJob;
import io.textintel.jobs.config.PipelineConfig;
import io.textintel.services.LocalElasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchClient;

import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * The real pipeline against a node of its own that goes away and comes back, and that throttles.
 *
 * <ul>
 *   <li>The node is stopped mid-stream for {@value #OUTAGE_PROPERTY} seconds (default 60) and
 *       started again with the same data and ports: the job never fails (its restart strategy is
 *       off here, so any failure would be final), the writers back-pressure with a bounded number
 *       of batches waiting for a retry, and every input is indexed exactly once afterwards.
 *   <li>A 429 storm: the node's write thread pool has one thread and a queue of one, the index four
 *       shards and the bulk requests 25 documents, so concurrent bulk requests are refused with 429;
 *       nothing is dead-lettered and nothing is lost.
 * </ul>
 *
 * <p>The tiny write pool throttles the outage test too: that one sees 429s before and after the
 * outage as well. Kafka is the shared {@link TestServices} broker. Figures are logged at INFO.
 */
class ElasticsearchOutageITCase {

    private static final Logger LOG = LoggerFactory.getLogger(ElasticsearchOutageITCase.class);

    /** System property: seconds the node stays down. */
    static final String OUTAGE_PROPERTY = "textintel.it.es-outage-seconds";

    /**
     * The documents sink's writers: the operator {@code elasticsearch} (added with {@code ElasticsearchSink#addTo}
     * under exactly-once, the default), or {@code elasticsearch: Writer} when added with {@code sinkTo}; not
     * the drift sinks nor {@code dead-letters-elasticsearch}, which index into other indices.
     */
    private static final Predicate<String> DOCUMENT_WRITERS = id -> (id.contains(".elasticsearch.")
            || id.contains("elasticsearch: Writer"))
            && !id.contains("drift") && !id.contains("dead-letters-elasticsearch");

    private static LocalElasticsearch node;

    @BeforeAll
    static void startNode() throws Exception {
        node = LocalElasticsearch.builder()
                .clusterName("textintel-outage")
                .setting("thread_pool.write.size", "1")
                .setting("thread_pool.write.queue_size", "1")
                .start();
    }

    @AfterAll
    static void stopNode() throws Exception {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void anOutageOfTheNodeCostsBackPressureNotTheJobAndLosesNothing() throws Exception {
        Duration outage = Duration.ofSeconds(Long.getLong(OUTAGE_PROPERTY, 60));
        String suffix = TestPipeline.uniqueSuffix();
        String topic = "outage-" + suffix;
        String deadLetters = "outage-dlq-" + suffix;
        String index = "outage-docs-" + suffix;
        int total = 2000;
        TestServices.createTopics(2, topic, deadLetters);
        // Checkpoints wait for the sink while the node is away: with a 40 s timeout at least one expires during
        // the outage, which the default checkpointing.tolerable-failures (3) must absorb.
        PipelineConfig config = config(topic, deadLetters, index, "elasticsearch.bulk-max-actions=50",
                "checkpointing.timeout=40s");
        PipelineSetup.prepare(config);

        Thread producer = new Thread(() -> {
            // 20 records every 100 ms: the stream still flows when the node goes away.
            for (int from = 0; from < total; from += 20) {
                TestPipeline.produce(topic, records(from, from + 20));
                sleep(Duration.ofMillis(100));
            }
        }, "outage-producer");
        JobClient job = start(config);
        try {
            producer.start();
            awaitDocuments(index, 1, total, Duration.ofSeconds(120));
            sleep(Duration.ofSeconds(2));
            long indexedBeforeOutage = TestPipeline.documents(node.httpUrl(), index).size();

            long stoppedAt = System.nanoTime();
            node.stop();
            long maxWaiting = 0;
            long maxWaitingPerWriter = 0;
            int writers = CapturingMetricReporter.count("batchesAwaitingRetry", DOCUMENT_WRITERS);
            while (System.nanoTime() - stoppedAt < outage.toNanos()) {
                maxWaiting = Math.max(maxWaiting, CapturingMetricReporter.sum("batchesAwaitingRetry", DOCUMENT_WRITERS));
                maxWaitingPerWriter = Math.max(maxWaitingPerWriter,
                        CapturingMetricReporter.max("batchesAwaitingRetry", DOCUMENT_WRITERS));
                assertThat(job.getJobStatus().get()).as("job status during the outage").isEqualTo(JobStatus.RUNNING);
                sleep(Duration.ofMillis(200));
            }
            long outageMillis = CapturingMetricReporter.max("currentOutageMs", DOCUMENT_WRITERS);
            long retriesDuringOutage = CapturingMetricReporter.sum("numBulkRetries", DOCUMENT_WRITERS);
            producer.join();

            node.restart();
            long upAt = System.nanoTime();
            awaitDocuments(index, total, total, Duration.ofSeconds(120));
            long drainMillis = Duration.ofNanos(System.nanoTime() - upAt).toMillis();
            long outageLengthMillis = Duration.ofNanos(upAt - stoppedAt).toMillis();

            assertThat(job.getJobStatus().get()).as("job status after the outage").isEqualTo(JobStatus.RUNNING);
            assertThat(writers).as("document writers").isEqualTo(config.parallelism());
            assertThat(maxWaiting).as("batches waiting for a retry during the outage").isPositive();
            assertThat(maxWaitingPerWriter).as("batches waiting per writer, at most the 2 in-flight slots")
                    .isBetween(1L, 2L);
            assertThat(outageMillis).as("the writers were in an outage").isPositive();
            long expiredCheckpoints = CapturingMetricReporter.max("numberOfFailedCheckpoints", id -> true);
            assertThat(expiredCheckpoints).as("checkpoints that expired during the outage, tolerated").isPositive();
            assertExactlyOnce(index, total);
            assertThat(deadLetters(deadLetters)).as("dead letters").isZero();
            assertThat(CapturingMetricReporter.sum("numRejectedDocuments", DOCUMENT_WRITERS)).isZero();
            LOG.info("Elasticsearch outage: node down {} ms (stop to up again), {} writers, indexed before {} of {},"
                            + " batches waiting max {} (per writer max {}), bulk retries {} during the outage and {} in"
                            + " all, throttled documents {}, records in {}, documents out {}, time to drain {} ms after"
                            + " the node was up, overwritten on retry {}, failed checkpoints tolerated {}, job"
                            + " restarts 0 (restart strategy off)",
                    outageLengthMillis, writers, indexedBeforeOutage, total, maxWaiting, maxWaitingPerWriter,
                    retriesDuringOutage, CapturingMetricReporter.sum("numBulkRetries", DOCUMENT_WRITERS),
                    CapturingMetricReporter.sum("numThrottledDocuments", DOCUMENT_WRITERS), total,
                    TestPipeline.documents(node.httpUrl(), index).size(), drainMillis,
                    CapturingMetricReporter.sum("documentsOverwritten", DOCUMENT_WRITERS), expiredCheckpoints);
        } finally {
            producer.join();
            job.cancel().get();
        }
    }

    @Test
    void a429StormIsThrottledNotDeadLetteredAndLosesNothing() throws Exception {
        String suffix = TestPipeline.uniqueSuffix();
        String topic = "storm-" + suffix;
        String deadLetters = "storm-dlq-" + suffix;
        String index = "storm-docs-" + suffix;
        int total = 500;
        TestServices.createTopics(2, topic, deadLetters);
        PipelineConfig config = config(topic, deadLetters, index,
                "elasticsearch.bulk-max-actions=25", "elasticsearch.shards=4",
                "elasticsearch.retry.max-backoff=1s");
        PipelineSetup.prepare(config);
        TestPipeline.produce(topic, records(0, total));
        long startNanos = System.nanoTime();
        JobClient job = start(config);
        try {
            awaitDocuments(index, total, total, Duration.ofSeconds(150));
            long drainMillis = Duration.ofNanos(System.nanoTime() - startNanos).toMillis();
            long throttled = CapturingMetricReporter.sum("numThrottledDocuments", DOCUMENT_WRITERS);

            assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
            assertThat(throttled).as("documents answered 429 by the node").isPositive();
            assertExactlyOnce(index, total);
            assertThat(deadLetters(deadLetters)).as("dead letters").isZero();
            assertThat(CapturingMetricReporter.sum("numRejectedDocuments", DOCUMENT_WRITERS)).isZero();
            LOG.info("429 storm: {} records in, {} documents out, {} documents throttled (429) and retried in {} bulk"
                            + " retries, outages {} totalling {} ms, {} ms from job start to the last document",
                    total, TestPipeline.documents(node.httpUrl(), index).size(), throttled,
                    CapturingMetricReporter.sum("numBulkRetries", DOCUMENT_WRITERS),
                    CapturingMetricReporter.sum("numOutages", DOCUMENT_WRITERS),
                    CapturingMetricReporter.sum("outageTimeMs", DOCUMENT_WRITERS), drainMillis);
        } finally {
            job.cancel().get();
        }
    }

    private static PipelineConfig config(String topic, String deadLetters, String index, String... overrides) {
        List<String> all = new ArrayList<>(List.of(
                "kafka.bounded=false",
                "elasticsearch.hosts=[" + node.httpUrl() + "]",
                "drift.enabled=false",
                // Retries come back within 2 s of the node: a shorter drain than the 10 s default.
                "elasticsearch.retry.max-backoff=2s"));
        all.addAll(List.of(overrides));
        return TestPipeline.config(topic, "json", deadLetters, index, all.toArray(String[]::new));
    }

    /** Starts the job with its restart strategy off, so that any failure fails it for good. */
    private static JobClient start(PipelineConfig config) throws Exception {
        Configuration flink = CapturingMetricReporter.install(TextIntelligenceJob.flinkConfiguration(config));
        flink.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(config.parallelism(), flink);
        new TextIntelligenceJob(config).addTo(env);
        return env.executeAsync(config.jobName());
    }

    private static List<byte[]> records(int from, int to) {
        List<byte[]> records = new ArrayList<>();
        for (int i = from; i < to; i++) {
            records.add(("{\"id\":\"r-" + i + "\",\"text\":\"message " + i + " about a late parcel and a refund\"}")
                    .getBytes(StandardCharsets.UTF_8));
        }
        return records;
    }

    /** Every id r-0 .. r-(total-1) once, and nothing else. */
    private static void assertExactlyOnce(String index, int total) throws Exception {
        Map<String, Map<String, Object>> documents = TestPipeline.documents(node.httpUrl(), index);
        Set<String> expected = new TreeSet<>();
        for (int i = 0; i < total; i++) {
            expected.add("r-" + i);
        }
        assertThat(new TreeSet<>(documents.keySet())).isEqualTo(expected);
        try (ElasticsearchClient es = ElasticsearchConnection.of(node.httpUrl()).createClient()) {
            assertThat(es.count(c -> c.index(index)).count()).as("documents in %s", index).isEqualTo(total);
        }
    }

    /** The dead letters on {@code topic}, read committed, until 3 s pass without a new one. */
    private static int deadLetters(String topic) {
        Map<String, Object> props = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestServices.kafkaBootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "outage-check-" + TestPipeline.uniqueSuffix(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        int count = 0;
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long quietSince = System.nanoTime();
            while (System.nanoTime() - quietSince < Duration.ofSeconds(3).toNanos()) {
                int polled = consumer.poll(Duration.ofMillis(200)).count();
                if (polled > 0) {
                    count += polled;
                    quietSince = System.nanoTime();
                }
            }
        }
        return count;
    }

    /** Waits until {@code index} holds at least {@code atLeast} documents; never more than {@code total}. */
    private static void awaitDocuments(String index, int atLeast, int total, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        AtomicLong seen = new AtomicLong();
        try (ElasticsearchClient es = ElasticsearchConnection.of(node.httpUrl()).createClient()) {
            while (System.nanoTime() < deadline) {
                try {
                    es.indices().refresh(r -> r.index(index));
                    seen.set(es.count(c -> c.index(index)).count());
                } catch (co.elastic.clients.elasticsearch._types.ElasticsearchException e) {
                    seen.set(0); // the index is created by the first bulk request
                }
                assertThat(seen.get()).as("documents in %s", index).isLessThanOrEqualTo(total);
                if (seen.get() >= atLeast) {
                    return;
                }
                Thread.sleep(250);
            }
        }
        throw new AssertionError("expected " + atLeast + " documents in " + index + " within " + timeout
                + ", saw " + seen.get());
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
