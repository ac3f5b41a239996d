package io.textintel.it.support;

import static org.assertj.core.api.Assertions.assertThat;

import io.textintel.connectors.elasticsearch.DriftReportSerializer;
import io.textintel.jobs.AvroTopic;
import io.textintel.jobs.PipelineSetup;
import io.textintel.jobs.TextIntelligenceJob;
import io.textintel.jobs.config.PipelineConfig;
import io.textintel.jobs.config.PipelineConfigLoader;
import io.textintel.schemas.DeadLetter;
import io.textintel.schemas.DriftReport;
import io.textintel.schemas.KafkaProvenance;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch.core.ScrollResponse;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.search.Hit;

import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * One kill test's input and outputs: a stream of feedback records with some invalid ones among
 * them, produced while the job runs; the topics and indices of the run that is killed and of a
 * failure-free reference run over the same input topic; and the comparison of the two.
 *
 * <p>The records carry event times one minute apart, so that hourly drift windows close while the
 * stream flows and drift reports are written (and replayed) during the test, not only at its end.
 */
public final class KillScenario {

    private static final Logger LOG = LoggerFactory.getLogger(KillScenario.class);
    private static final Instant START = Instant.parse("2026-11-02T00:00:00Z");
    private static final String[] WORDS = {"delivery", "late", "refund", "crash", "login", "price", "great",
        "parcel", "driver", "support", "charged", "twice", "app", "slow", "package", "damaged", "thanks"};
    private static final int PARTITIONS = 2;
    /** Every this many records one is invalid: undecodable JSON or a record without text, in turn. */
    private static final int INVALID_EVERY = 50;

    private final String topic;
    private final int records;
    private final Outputs killed;
    private final Outputs reference;
    private final AtomicInteger produced = new AtomicInteger();

    /** Where one run writes: documents, dead letters, drift reports (Elasticsearch and Kafka). */
    public record Outputs(String index, String deadLetterTopic, String driftIndex, String profileIndex,
            String driftTopic) {

        static Outputs named(String prefix, String suffix) {
            return new Outputs(prefix + "-docs-" + suffix, prefix + "-dlq-" + suffix, prefix + "-drift-" + suffix,
                    prefix + "-profiles-" + suffix, prefix + "-drift-" + suffix);
        }

        /** {@code --set} overrides that point a pipeline at these outputs. */
        List<String> overrides() {
            return List.of("drift.index=" + driftIndex, "drift.profile-index=" + profileIndex,
                    "drift.topic=" + driftTopic);
        }
    }

    private KillScenario(String name, int records) {
        String suffix = TestPipeline.uniqueSuffix();
        this.topic = name + "-in-" + suffix;
        this.records = records;
        this.killed = Outputs.named(name, suffix);
        this.reference = Outputs.named(name + "-ref", suffix);
        TestServices.createTopics(PARTITIONS, topic, killed.deadLetterTopic, killed.driftTopic,
                reference.deadLetterTopic, reference.driftTopic);
    }

    /** A scenario of {@code records} input records (about 2% of them invalid), its topics created. */
    public static KillScenario create(String name, int records) {
        return new KillScenario(name, records);
    }

    /** The input records, the same for every run. */
    public int records() {
        return records;
    }

    /** How many of the records are valid and must be indexed. */
    public int validRecords() {
        return records - invalidRecords();
    }

    /** How many of the records are invalid and must become dead letters. */
    public int invalidRecords() {
        return (records + INVALID_EVERY - 1) / INVALID_EVERY;
    }

    /** Records produced so far. */
    public int produced() {
        return produced.get();
    }

    /** The outputs of the run that is killed. */
    public Outputs killed() {
        return killed;
    }

    /**
     * The overrides of {@link TestPipeline#BASE_YAML} for the run that is killed: unbounded, checkpoints
     * every 300 ms, the project's restart strategy with short delays, hourly drift windows.
     */
    public List<String> killedRunOverrides() {
        List<String> all = new ArrayList<>(TestPipeline.overrides(topic, "json", killed.deadLetterTopic, killed.index));
        all.addAll(List.of("kafka.bounded=false", "checkpointing.interval=300ms",
                "restart.initial-backoff=200ms", "restart.max-backoff=2s",
                "kafka.transactional-id-prefix=" + killed.index));
        all.addAll(driftOverrides());
        all.addAll(killed.overrides());
        return all;
    }

    /** The run that is killed, as a configuration. */
    public PipelineConfig killedRunConfig() {
        return PipelineConfigLoader.parse(TestPipeline.BASE_YAML, "it-pipeline", killedRunOverrides());
    }

    private static List<String> driftOverrides() {
        return List.of("drift.window=1h", "drift.out-of-orderness=2h", "drift.idleness=5s",
                "drift.reference-documents=500", "drift.window-documents=60", "drift.expected-run-time=1000");
    }

    /**
     * Produces every record to the input topic, spread over {@code duration} in batches, on a thread of
     * its own, so that the job is killed with records in flight.
     */
    public Thread produceInFlight(Duration duration) {
        Thread producer = new Thread(() -> {
            Map<String, Object> props = Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestServices.kafkaBootstrapServers(),
                    ProducerConfig.ACKS_CONFIG, "all",
                    ProducerConfig.LINGER_MS_CONFIG, 5);
            int batch = 100;
            long pauseNanos = duration.toNanos() / Math.max(1, records / batch);
            try (KafkaProducer<byte[], byte[]> kafka =
                    new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
                long next = System.nanoTime();
                for (int i = 0; i < records; i++) {
                    kafka.send(new ProducerRecord<>(topic, i % PARTITIONS, null, record(i)));
                    if ((i + 1) % batch == 0) {
                        kafka.flush();
                        produced.set(i + 1);
                        next += pauseNanos;
                        long wait = next - System.nanoTime();
                        if (wait > 0) {
                            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                        }
                    }
                }
                kafka.flush();
                produced.set(records);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "kill-test-producer");
        producer.setDaemon(true);
        producer.start();
        return producer;
    }

    /** Record {@code i}: valid JSON feedback, or every {@value #INVALID_EVERY}th an invalid record. */
    static byte[] record(int i) {
        String id = String.format("k-%05d", i);
        if (i % INVALID_EVERY == 0) {
            String invalid = (i / INVALID_EVERY) % 2 == 0 ? "not json, record " + id : "{\"id\":\"" + id + "\"}";
            return invalid.getBytes(StandardCharsets.UTF_8);
        }
        SplittableRandom random = new SplittableRandom(i);
        StringBuilder text = new StringBuilder("my");
        for (int w = 0, n = 4 + random.nextInt(12); w < n; w++) {
            text.append(' ').append(WORDS[random.nextInt(WORDS.length)]);
        }
        return String.format("{\"id\":\"%s\",\"text\":\"%s\",\"language\":\"en\",\"event_time\":\"%s\"}", id, text,
                START.plus(Duration.ofMinutes(i))).getBytes(StandardCharsets.UTF_8);
    }

    /** Runs the failure-free reference: a bounded job over the same input topic, to its end. */
    public void runReference() throws Exception {
        List<String> all = new ArrayList<>(TestPipeline.overrides(topic, "json", reference.deadLetterTopic,
                reference.index));
        all.add("kafka.transactional-id-prefix=" + reference.index);
        all.addAll(driftOverrides());
        all.addAll(reference.overrides());
        PipelineConfig config = PipelineConfigLoader.parse(TestPipeline.BASE_YAML, "it-pipeline", all);
        PipelineSetup.prepare(config);
        long start = System.nanoTime();
        // The test's MiniCluster where there is one, else a local one.
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(
                TextIntelligenceJob.flinkConfiguration(config));
        env.setParallelism(config.parallelism());
        new TextIntelligenceJob(config).addTo(env);
        env.execute(config.jobName());
        LOG.info("Reference run over {} records: {} ms", records, (System.nanoTime() - start) / 1_000_000);
    }

    /** Waits until the killed run has indexed every valid record, failing after {@code timeout}. */
    public void awaitAllIndexed(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        long seen = 0;
        while (System.nanoTime() < deadline) {
            seen = count(killed.index);
            if (seen >= validRecords()) {
                return;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("expected " + validRecords() + " documents in " + killed.index + " within "
                + timeout + ", saw " + seen);
    }

    /** Documents in {@code index} now (0 before the first bulk request created it). */
    public static long count(String index) throws IOException {
        try (ElasticsearchClient es = TestPipeline.elasticsearch()) {
            if (!es.indices().exists(e -> e.index(index)).value()) {
                return 0;
            }
            es.indices().refresh(r -> r.index(index));
            return es.count(c -> c.index(index)).count();
        }
    }

    /**
     * Compares the killed run with the reference and asserts the guarantees: every valid input indexed
     * exactly once and equal field by field (all but {@code processing_time}) to the reference; every
     * invalid input a dead letter, once; drift reports on Kafka without duplicates. Kafka topics are read
     * with {@code isolation.level=read_committed}. Logs the figures.
     */
    public Figures verify(String label) throws Exception {
        Set<String> driftOnKafka = driftReportIdsOnKafka();
        Documents docs = documents(killed.index);
        Documents expected = documents(reference.index);
        Map<String, Long> letters = countBy(deadLetters(killed.deadLetterTopic), KillScenario::position);
        Map<String, Long> expectedLetters = countBy(deadLetters(reference.deadLetterTopic), KillScenario::position);
        Map<String, Long> reports = countBy(AvroTopic.driftReports(TestServices.kafkaBootstrapServers(),
                killed.driftTopic, readCommitted(), Duration.ofSeconds(60)), KillScenario::reportKey);
        Map<String, Map<String, Object>> driftDocuments = documents(killed.driftIndex).byId;

        Set<String> missing = new TreeSet<>(expected.byId.keySet());
        missing.removeAll(docs.byId.keySet());
        Set<String> unexpected = new TreeSet<>(docs.byId.keySet());
        unexpected.removeAll(expected.byId.keySet());
        List<String> different = new ArrayList<>();
        expected.byId.forEach((id, doc) -> {
            Map<String, Object> got = docs.byId.get(id);
            if (got != null && !withoutProcessingTime(got).equals(withoutProcessingTime(doc))) {
                different.add(id);
            }
        });
        long rewritten = docs.versions.values().stream().filter(v -> v > 1).count();
        Figures figures = new Figures(records, docs.hits, docs.byId.size(), docs.hits - docs.byId.size(),
                missing.size(), different.size(), rewritten,
                letters.values().stream().mapToLong(Long::longValue).sum(), letters.size(),
                duplicates(letters), lost(expectedLetters, letters),
                reports.values().stream().mapToLong(Long::longValue).sum(), reports.size(), duplicates(reports),
                driftDocuments.size());
        LOG.info("{}: {}", label, figures);

        assertThat(expected.byId).as("reference documents").hasSize(validRecords());
        assertThat(expectedLetters).as("reference dead letters").hasSize(invalidRecords());
        assertThat(missing).as("valid inputs missing in Elasticsearch after %s", label).isEmpty();
        assertThat(unexpected).as("documents the reference run does not have").isEmpty();
        assertThat(docs.hits).as("document hits (a duplicate would be a second hit)").isEqualTo(validRecords());
        assertThat(different).as("documents that differ from the reference run (all fields but processing_time)")
                .isEmpty();
        assertThat(figures.lostDeadLetters()).as("invalid inputs without a dead letter").isZero();
        assertThat(letters.keySet()).as("dead letters by input position").isEqualTo(expectedLetters.keySet());
        assertThat(figures.duplicateDeadLetters()).as("dead letters written twice (read_committed)").isZero();
        assertThat(reports).as("drift reports on Kafka").isNotEmpty();
        assertThat(figures.duplicateDriftReports()).as("drift reports written twice (read_committed)").isZero();
        assertThat(new TreeSet<>(driftDocuments.keySet()))
                .as("drift reports in Elasticsearch: exactly those committed to Kafka (indexed when their checkpoint"
                        + " completes, so a replay's new reference version leaves no stale reports)")
                .isEqualTo(driftOnKafka);
        return figures;
    }

    /**
     * Waits until the drift index holds exactly the drift reports committed to Kafka: both are
     * committed when a checkpoint completes, by two committers that need not finish together. Call it
     * before stopping the killed job, so that no commit is cut in half.
     */
    public void awaitDriftCommitted(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!driftReportIdsOnKafka().equals(new TreeSet<>(documents(killed.driftIndex).byId.keySet()))) {
            if (System.nanoTime() > deadline) {
                return; // verify() reports the difference
            }
            Thread.sleep(500);
        }
    }

    private Set<String> driftReportIdsOnKafka() throws IOException {
        return AvroTopic.driftReports(TestServices.kafkaBootstrapServers(), killed.driftTopic, readCommitted(),
                        Duration.ofSeconds(10)).stream()
                .map(DriftReportSerializer::idOf)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /** What a kill test measured on the outputs. */
    public record Figures(int recordsIn, long documentHits, int distinctDocuments, long duplicateDocuments,
            int lostDocuments, int differentDocuments, long documentsRewrittenByReplay, long deadLetters,
            int distinctDeadLetters, long duplicateDeadLetters, long lostDeadLetters, long driftReports,
            int distinctDriftReports, long duplicateDriftReports, int driftReportsInElasticsearch) {}

    private static Map<String, Object> withoutProcessingTime(Map<String, Object> doc) {
        Map<String, Object> copy = new HashMap<>(doc);
        copy.remove("processing_time");
        return copy;
    }

    private static Map<String, String> readCommitted() {
        return Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    }

    private static List<DeadLetter> deadLetters(String topic) throws IOException {
        return AvroTopic.deadLetters(TestServices.kafkaBootstrapServers(), topic, readCommitted(),
                Duration.ofSeconds(60));
    }

    private static String position(DeadLetter letter) {
        KafkaProvenance p = letter.getProvenance();
        return p == null ? "unknown:" + letter.getRecordId() : p.getTopic() + "-" + p.getPartition() + "@" + p.getOffset();
    }

    private static String reportKey(DriftReport report) {
        return report.getWindowStart() + "/" + report.getFeature() + "/" + report.getStatistic();
    }

    private static <T> Map<String, Long> countBy(List<T> items, Function<T, String> key) {
        return items.stream().collect(Collectors.groupingBy(key, LinkedHashMap::new, Collectors.counting()));
    }

    private static long duplicates(Map<String, Long> counts) {
        return counts.values().stream().mapToLong(c -> c - 1).sum();
    }

    private static long lost(Map<String, Long> expected, Map<String, Long> actual) {
        return expected.keySet().stream().filter(k -> !actual.containsKey(k)).count();
    }

    /** An index read in full: every hit (a duplicate id would show as a second one), by id, with versions. */
    private record Documents(long hits, Map<String, Map<String, Object>> byId, Map<String, Long> versions) {}

    @SuppressWarnings({"rawtypes", "unchecked"})
    private static Documents documents(String index) throws IOException {
        Map<String, Map<String, Object>> byId = new LinkedHashMap<>();
        Map<String, Long> versions = new HashMap<>();
        long hits = 0;
        try (ElasticsearchClient es = TestPipeline.elasticsearch()) {
            es.indices().refresh(r -> r.index(index));
            SearchResponse<Map> first = es.search(s -> s.index(index).size(2000).version(true)
                    .scroll(t -> t.time("2m")), Map.class);
            String scrollId = first.scrollId();
            List<Hit<Map>> page = first.hits().hits();
            while (!page.isEmpty()) {
                for (Hit<Map> hit : page) {
                    hits++;
                    byId.put(hit.id(), hit.source());
                    versions.put(hit.id(), hit.version() == null ? 1L : hit.version());
                }
                String id = scrollId;
                ScrollResponse<Map> next = es.scroll(s -> s.scrollId(id).scroll(t -> t.time("2m")), Map.class);
                scrollId = next.scrollId();
                page = next.hits().hits();
            }
            String last = scrollId;
            es.clearScroll(c -> c.scrollId(last));
        }
        return new Documents(hits, byId, versions);
    }
}
