package io.textintel.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.textintel.connectors.elasticsearch.DriftReportSerializer;
import io.textintel.it.support.TestPipeline;
import io.textintel.it.support.TestServices;
import io.textintel.jobs.AvroTopic;
import io.textintel.jobs.PipelineSetup;
import io.textintel.jobs.TextIntelligenceJob;
import io.textintel.jobs.config.PipelineConfig;
import io.textintel.schemas.DeadLetter;
import io.textintel.schemas.DriftReport;
import io.textintel.schemas.EnrichedDocument;
import io.textintel.schemas.PipelineStage;

import co.elastic.clients.elasticsearch.ElasticsearchClient;

import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Exactly once for every Kafka output under failures: a job whose input yields dead letters at
 * decode, validation and the Elasticsearch sink (a mapping conflict) and drift reports loses a
 * TaskManager twice, each time after checkpoints have completed and with fresh records in flight.
 * Afterwards, read with {@code isolation.level=read_committed}, the dead-letter topic holds every
 * expected dead letter exactly once and the drift topic every report the drift index holds, exactly
 * once; Elasticsearch holds every valid document once.
 *
 * <p>A twin test with {@code kafka.delivery-guarantee: at-least-once} that shows duplicates is left
 * out: whether a replay repeats a dead letter depends on whether the lost TaskManager had published
 * it after the last completed checkpoint, which no real failure controls.
 */
class ExactlyOnceOutputsITCase {

    private static final Logger LOG = LoggerFactory.getLogger(ExactlyOnceOutputsITCase.class);

    private static final int BATCH = 200;
    private static final Instant START = Instant.parse("2026-11-02T00:00:00Z");
    private static final Duration SPACING = Duration.ofMinutes(2);
    private static final String[] WORDS = {"delivery", "late", "refund", "crash", "login", "price", "great",
        "parcel", "driver", "support", "charged", "twice", "app", "slow", "package", "damaged", "thanks"};

    private static final InMemoryReporter METRICS = InMemoryReporter.createWithRetainedMetrics();

    /** Two TaskManagers of two slots, subtasks spread over both, so losing one always fails the job. */
    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder()
                    .setNumberTaskManagers(2)
                    .setNumberSlotsPerTaskManager(2)
                    .setConfiguration(spreadOutSlots())
                    .build());

    private static Configuration spreadOutSlots() {
        Configuration conf = METRICS.addToConfiguration(new Configuration());
        conf.set(TaskManagerOptions.TASK_MANAGER_LOAD_BALANCE_MODE, TaskManagerOptions.TaskManagerLoadBalanceMode.SLOTS);
        return conf;
    }

    /** What record {@code i} of the input is and what must come of it. */
    private enum Kind { INDEXED, DECODE, VALIDATE, SINK }

    private static Kind kindOf(int i) {
        return switch (i % 10) {
            case 3 -> Kind.DECODE;
            case 6 -> Kind.VALIDATE;
            case 8 -> Kind.SINK;
            default -> Kind.INDEXED;
        };
    }

    private static List<byte[]> records(int from, int to) {
        SplittableRandom random = new SplittableRandom(from);
        List<byte[]> records = new ArrayList<>();
        for (int i = from; i < to; i++) {
            StringBuilder text = new StringBuilder("my");
            for (int w = 0, n = 4 + random.nextInt(8); w < n; w++) {
                text.append(' ').append(WORDS[random.nextInt(WORDS.length)]);
            }
            String id = "eo-" + i;
            String time = START.plus(SPACING.multipliedBy(i)).toString();
            String json = switch (kindOf(i)) {
                case DECODE -> "{\"id\":\"" + id + "\",\"text\":";
                case VALIDATE -> "{\"id\":\"" + id + "\",\"text\":\"\u200b\u200b\",\"event_time\":\"" + time + "\"}";
                // The index maps 'language' as a number: Elasticsearch refuses these for good.
                case SINK -> "{\"id\":\"" + id + "\",\"text\":\"" + text + "\",\"language\":\"en\",\"event_time\":\""
                        + time + "\"}";
                case INDEXED -> "{\"id\":\"" + id + "\",\"text\":\"" + text + "\",\"event_time\":\"" + time + "\"}";
            };
            records.add(json.getBytes(StandardCharsets.UTF_8));
        }
        return records;
    }

    private static Set<String> ids(int to, Kind kind) {
        Set<String> ids = new TreeSet<>();
        for (int i = 0; i < to; i++) {
            if (kindOf(i) == kind) {
                ids.add("eo-" + i);
            }
        }
        return ids;
    }

    @Test
    void everyDeadLetterAndDriftReportAppearsExactlyOnceAfterTwoTaskManagerLosses(
            @InjectMiniCluster MiniCluster cluster) throws Exception {
        LOG.info("Exactly-once test runs on {}", TestServices.path());
        String suffix = TestPipeline.uniqueSuffix();
        String topic = "eo-" + suffix;
        String deadLetters = "eo-dlq-" + suffix;
        String driftTopic = "eo-drift-" + suffix;
        String index = "eo-docs-" + suffix;
        String driftIndex = "eo-drift-" + suffix;
        String enriched = "eo-enriched-" + suffix; // created by PipelineSetup
        TestServices.createTopics(2, topic, deadLetters, driftTopic);
        PipelineConfig config = TestPipeline.config(topic, "json", deadLetters, index,
                "kafka.bounded=false",
                "checkpointing.interval=300ms",
                "drift.window=1h",
                "drift.out-of-orderness=10min",
                // Both partitions carry every batch in event-time order (round robin), so neither subtask of the
                // drift monitor is idle while records flow. A short idleness would let one subtask that restarts or
                // loads its model more slowly than the other be marked idle; the other's watermark would then close
                // the reference window before the slow one's documents arrive, and they would be late.
                "drift.idleness=60s",
                "drift.reference-from=" + START,
                "drift.reference-to=" + START.plus(Duration.ofHours(4)),
                "drift.window-documents=24",
                "drift.expected-run-time=200",
                "drift.calibration-windows=2000",
                "drift.index=" + driftIndex,
                "drift.profile-index=eo-profiles-" + suffix,
                "drift.topic=" + driftTopic,
                "kafka.enriched-topic=" + enriched);
        assertThat(config.kafka().exactlyOnce()).as("exactly-once is the default").isTrue();
        PipelineSetup.prepare(config);
        try (ElasticsearchClient es = TestPipeline.elasticsearch()) {
            es.indices().create(c -> c.index(index).mappings(m -> m.properties("language", p -> p.long_(l -> l))));
        }

        Configuration flink = TextIntelligenceJob.flinkConfiguration(config);
        flink.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        flink.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 20);
        flink.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(500));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(flink);
        env.setParallelism(config.parallelism());
        new TextIntelligenceJob(config).addTo(env);

        long started = System.nanoTime();
        TestPipeline.produceRoundRobin(topic, 2, records(0, BATCH));
        JobClient job = env.executeAsync(config.jobName());
        try {
            // Twice: wait for progress and completed checkpoints, then publish more and lose a TaskManager at once.
            int[] lose = {0, 1};
            for (int failure = 0; failure < lose.length; failure++) {
                awaitCompletedCheckpoints(cluster, job.getJobID(), 3, Duration.ofSeconds(120));
                TestPipeline.produceRoundRobin(topic, 2, records((failure + 1) * BATCH, (failure + 2) * BATCH));
                long lostAt = System.nanoTime();
                cluster.terminateTaskManager(lose[failure]).get();
                cluster.startTaskManager();
                TestPipeline.awaitRunning(job, Duration.ofSeconds(120));
                LOG.info("Failure {}: TaskManager {} lost, job running again after {} ms", failure + 1, lose[failure],
                        Duration.ofNanos(System.nanoTime() - lostAt).toMillis());
            }
            int total = 3 * BATCH;
            Set<String> indexed = ids(total, Kind.INDEXED);
            TestPipeline.awaitDocuments(index, indexed.size(), Duration.ofSeconds(180));
            assertThat(TestPipeline.documents(index).keySet()).as("documents").isEqualTo(indexed);

            // Every enriched document, the ones Elasticsearch rejects included, is on the enriched topic once.
            Set<String> enrichedIds = new TreeSet<>(indexed);
            enrichedIds.addAll(ids(total, Kind.SINK));
            List<EnrichedDocument> enrichedOnKafka = awaitRecords(() -> AvroTopic.readAll(
                    TestServices.kafkaBootstrapServers(), enriched, EnrichedDocument.class, Map.of(),
                    Duration.ofSeconds(30)), enrichedIds.size(), Duration.ofSeconds(60));
            assertThat(enrichedOnKafka).extracting(d -> d.getId().toString()).as("enriched documents on Kafka")
                    .doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(enrichedIds);

            int expectedLetters = ids(total, Kind.DECODE).size() + ids(total, Kind.VALIDATE).size()
                    + ids(total, Kind.SINK).size();
            List<DeadLetter> letters = awaitRecords(() -> AvroTopic.deadLetters(TestServices.kafkaBootstrapServers(),
                    deadLetters, Map.of(), Duration.ofSeconds(30)), expectedLetters, Duration.ofSeconds(60));
            Map<PipelineStage, List<DeadLetter>> byStage = letters.stream()
                    .collect(Collectors.groupingBy(DeadLetter::getStage));
            assertThat(byStage.keySet()).containsExactlyInAnyOrder(
                    PipelineStage.DECODE, PipelineStage.VALIDATE, PipelineStage.SINK);
            // Decode dead letters are told apart by where they were read; the others by record id.
            List<String> decodePositions = byStage.get(PipelineStage.DECODE).stream()
                    .map(l -> l.getProvenance().getPartition() + "@" + l.getProvenance().getOffset()).toList();
            assertThat(decodePositions).as("decode dead letters").doesNotHaveDuplicates()
                    .hasSize(ids(total, Kind.DECODE).size());
            assertThat(byStage.get(PipelineStage.VALIDATE)).extracting(DeadLetter::getRecordId)
                    .as("validate dead letters").doesNotHaveDuplicates()
                    .containsExactlyInAnyOrderElementsOf(ids(total, Kind.VALIDATE));
            assertThat(byStage.get(PipelineStage.SINK)).extracting(DeadLetter::getRecordId)
                    .as("Elasticsearch rejections").doesNotHaveDuplicates()
                    .containsExactlyInAnyOrderElementsOf(ids(total, Kind.SINK));
            assertThat(byStage.get(PipelineStage.SINK)).extracting(DeadLetter::getReasonCode)
                    .as("reason codes of Elasticsearch rejections").containsOnly("document_rejected");

            // Drift reports reach the topic and the index when their checkpoint completes, by two committers
            // that need not finish together: wait until both show the same reports, then require exactly that.
            TestPipeline.awaitDocuments(driftIndex, 10, Duration.ofSeconds(180));
            Set<String> indexedReports = Set.of();
            List<DriftReport> reports = List.of();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            do {
                indexedReports = TestPipeline.documents(driftIndex).keySet();
                reports = AvroTopic.driftReports(TestServices.kafkaBootstrapServers(), driftTopic, Map.of(),
                        Duration.ofSeconds(10));
            } while (!new HashSet<>(reports.stream().map(DriftReportSerializer::idOf).toList()).equals(indexedReports)
                    && System.nanoTime() < deadline);
            List<String> reportIds = reports.stream().map(DriftReportSerializer::idOf).toList();
            assertThat(reportIds).as("drift reports on Kafka").doesNotHaveDuplicates();
            assertThat(new HashSet<>(reportIds)).as("drift reports on Kafka and in Elasticsearch")
                    .isEqualTo(indexedReports);

            long restarts = gaugeValue(job.getJobID(), "numRestarts");
            LOG.info("{} records in, {} documents, {} enriched on Kafka, {} dead letters, {} drift reports on Kafka"
                            + " ({} indexed), {} restarts, {} ms", total, indexed.size(), enrichedOnKafka.size(),
                    letters.size(), reports.size(), indexedReports.size(),
                    restarts, Duration.ofNanos(System.nanoTime() - started).toMillis());
            assertThat(restarts).as("restarts after two TaskManager losses").isGreaterThanOrEqualTo(2);
        } finally {
            job.cancel().get();
        }
    }

    @FunctionalInterface
    private interface Read<T> {
        List<T> read() throws Exception;
    }

    /**
     * Reads until at least {@code expected} records are there (records of open transactions appear at the
     * next checkpoint), then once more after a few checkpoints, so that a late duplicate would show.
     */
    private static <T> List<T> awaitRecords(Read<T> read, int expected, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<T> records = read.read();
        while (records.size() < expected && System.nanoTime() < deadline) {
            Thread.sleep(500);
            records = read.read();
        }
        Thread.sleep(2_000);
        return read.read();
    }

    private static void awaitCompletedCheckpoints(MiniCluster cluster, JobID job, int more, Duration timeout)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        long first = -1;
        while (System.nanoTime() < deadline) {
            var stats = cluster.getExecutionGraph(job).get().getCheckpointStatsSnapshot();
            long completed = stats == null ? 0 : stats.getCounts().getNumberOfCompletedCheckpoints();
            if (first < 0) {
                first = completed;
            } else if (completed >= first + more) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("expected " + more + " more completed checkpoints within " + timeout);
    }



    /** A job-level gauge, such as {@code numRestarts}, as the reporter last saw it; it must exist. */
    private static long gaugeValue(JobID job, String name) {
        List<Long> values = METRICS.findJobMetricGroups(job, name).stream()
                .map(t -> t.f2)
                .filter(m -> m instanceof Gauge<?>)
                .map(m -> ((Number) ((Gauge<?>) m).getValue()).longValue())
                .toList();
        assertThat(values).as("job metric %s of job %s", name, job).isNotEmpty();
        return values.stream().max(Long::compare).orElseThrow();
    }
}
