package io.textintel.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.textintel.it.HostileCorpus.Case;
import io.textintel.it.HostileCorpus.DeadLettered;
import io.textintel.it.HostileCorpus.Indexed;
import io.textintel.it.support.TestPipeline;
import io.textintel.it.support.TestServices;
import io.textintel.jobs.AvroTopic;
import io.textintel.jobs.PipelineSetup;
import io.textintel.jobs.TextIntelligenceJob;
import io.textintel.jobs.config.PipelineConfig;
import io.textintel.schemas.DeadLetter;
import io.textintel.schemas.DeadLetterReason;
import io.textintel.schemas.codec.DeadLetterBound;
import io.textintel.serving.tools.TinyDecoderSpec;
import io.textintel.serving.tools.TinyModelGenerator;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The hostile-input corpus ({@link HostileCorpus}) through the real job against real Kafka and
 * Elasticsearch: JSON, Avro and plain-text topics, one bounded job each, with embed, tag and
 * summarize tasks. Every case's outcome is asserted (indexed with which normalizations, or dead
 * lettered with which stage, reason and id, keeping a bounded prefix, the length and the SHA-256 of
 * its input); the valid records are all indexed, nothing else is; no job ever restarts; the one id
 * collision is counted as {@code documentsOverwritten}; and setup raised the dead-letter topic's
 * {@code max.message.bytes} to the producer's {@code max.request.size}.
 */
class HostileInputITCase {

    private static final Logger LOG = LoggerFactory.getLogger(HostileInputITCase.class);

    /** Largest input record of the corpus, plus room: the input topics and the test producer allow it. */
    private static final int INPUT_MESSAGE_BYTES = 16 * 1024 * 1024;

    private static final InMemoryReporter METRICS = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder()
                    .setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(2)
                    .setConfiguration(METRICS.addToConfiguration(new Configuration()))
                    .build());

    @Test
    void everyHostileKindHasItsDocumentedOutcomeAndNoJobRestarts(@InjectMiniCluster MiniCluster cluster)
            throws Exception {
        LOG.info("Hostile-input test runs on {}", TestServices.path());
        String suffix = TestPipeline.uniqueSuffix();
        String index = "hostile-docs-" + suffix;
        String deadLetters = "hostile-dlq-" + suffix;
        Path summarizer = TinyModelGenerator.writeDecoder(
                Files.createTempDirectory("textintel-it-summarizer").resolve("qwen2"), TinyDecoderSpec.qwen2());

        Map<String, List<Case>> corpus = new LinkedHashMap<>();
        corpus.put("json", HostileCorpus.json());
        corpus.put("avro", HostileCorpus.avro());
        corpus.put("text", HostileCorpus.text());

        // A dead-letter topic that exists with too small a message limit: setup must raise it.
        createTopic(deadLetters, 100_000);
        Map<String, String> topics = new LinkedHashMap<>();
        Map<String, Long> overwrittenByFormat = new HashMap<>();
        PipelineConfig lastConfig = null;
        for (Map.Entry<String, List<Case>> format : corpus.entrySet()) {
            String topic = "hostile-" + format.getKey() + "-" + suffix;
            topics.put(format.getKey(), topic);
            createTopic(topic, INPUT_MESSAGE_BYTES);
            produce(topic, format.getValue());
            PipelineConfig config = TestPipeline.config(topic, format.getKey(), deadLetters, index,
                    "validation.max-text-length=4000000",
                    "tasks.summary.kind=summarize",
                    "tasks.summary.model=" + summarizer,
                    "tasks.summary.max-summary-tokens=4");
            JobID job = runToEnd(config, cluster);
            overwrittenByFormat.put(format.getKey(), counterSum(job, "documentsOverwritten"));
            lastConfig = config;
        }

        Map<String, Map<String, Object>> docs = TestPipeline.documents(index);
        List<DeadLetter> letters = AvroTopic.deadLetters(
                TestServices.kafkaBootstrapServers(), deadLetters, Map.of(), Duration.ofSeconds(60));
        Map<String, DeadLetter> letterByPosition = new HashMap<>();
        for (DeadLetter letter : letters) {
            String position = letter.getProvenance().getTopic() + "@" + letter.getProvenance().getOffset();
            assertThat(letterByPosition.put(position, letter)).as("one dead letter per input, %s", position).isNull();
        }

        Set<String> expectedIds = new TreeSet<>();
        int expectedLetters = 0;
        List<String> outcomes = new ArrayList<>();
        for (Map.Entry<String, List<Case>> format : corpus.entrySet()) {
            String topic = topics.get(format.getKey());
            for (int offset = 0; offset < format.getValue().size(); offset++) {
                Case c = format.getValue().get(offset);
                if (c.expected() instanceof Indexed indexed) {
                    String id = indexed.id() != null ? indexed.id() : topic + "-0-" + offset;
                    expectedIds.add(id);
                    Map<String, Object> doc = docs.get(id);
                    assertThat(doc).as("%s (%s) is indexed as %s", c.kind(), format.getKey(), id).isNotNull();
                    assertThat(listOf(doc.get("normalizations"))).as("normalizations of %s", c.kind())
                            .containsExactlyElementsOf(indexed.normalizations());
                    indexed.check().accept(doc);
                    outcomes.add(String.format("%-28s %-4s indexed %s", c.kind(), format.getKey(),
                            indexed.normalizations().isEmpty() ? "unchanged" : indexed.normalizations()));
                } else {
                    DeadLettered dead = (DeadLettered) c.expected();
                    expectedLetters++;
                    DeadLetter letter = letterByPosition.get(topic + "@" + offset);
                    assertThat(letter).as("%s (%s) is dead-lettered", c.kind(), format.getKey()).isNotNull();
                    assertThat(letter.getStage()).as("stage of %s", c.kind()).isEqualTo(dead.stage());
                    assertThat(DeadLetterReason.ofCode(letter.getReasonCode()).stage())
                            .as("stage of reason code %s of %s", letter.getReasonCode(), c.kind()).isEqualTo(dead.stage());
                    assertThat(letter.getReason()).as("reason of %s", c.kind()).contains(dead.reasonFragment());
                    String expectedId = HostileCorpus.DERIVED.equals(dead.recordId())
                            ? topic + "-0-" + offset : dead.recordId();
                    assertThat(letter.getRecordId()).as("record id of %s", c.kind()).isEqualTo(expectedId);
                    assertBoundedOriginal(c, letter);
                    outcomes.add(String.format("%-28s %-4s %s dead letter, id %s: %s", c.kind(), format.getKey(),
                            letter.getStage(), letter.getRecordId(), abbreviate(letter.getReason())));
                }
            }
        }
        LOG.info("Hostile-input outcomes:\n{}", String.join("\n", outcomes));
        assertThat(new TreeSet<>(docs.keySet())).as("exactly the valid and repaired records are indexed")
                .isEqualTo(expectedIds);
        assertThat(letters).as("exactly the rejected records are dead letters, each once").hasSize(expectedLetters);
        assertThat(overwrittenByFormat).as("documentsOverwritten per job: the JSON corpus's one id collision")
                .containsEntry("json", 1L).containsEntry("avro", 0L).containsEntry("text", 0L);
        assertThat(topicMaxMessageBytes(deadLetters)).as("dead-letter topic's max.message.bytes, raised by setup")
                .isEqualTo(lastConfig.deadLetterLimits().maxMessageBytes());
    }

    /** The letter keeps the first bytes of the input, and the whole input's length and SHA-256. */
    private static void assertBoundedOriginal(Case c, DeadLetter letter) {
        byte[] payload = c.payload() == null ? new byte[0] : c.payload();
        int kept = Math.min(payload.length, DeadLetterBound.DEFAULT_MAX_ORIGINAL_BYTES);
        byte[] original = new byte[letter.getOriginalBytes().remaining()];
        letter.getOriginalBytes().duplicate().get(original);
        assertThat(original).as("original bytes of %s", c.kind()).isEqualTo(Arrays.copyOf(payload, kept));
        assertThat(letter.getOriginalLength()).as("original length of %s", c.kind()).isEqualTo(payload.length);
        assertThat(letter.getOriginalSha256()).as("original SHA-256 of %s", c.kind())
                .isEqualTo(DeadLetterBound.sha256(ByteBuffer.wrap(payload)));
    }

    /**
     * Runs a bounded pipeline to its end on the cluster and asserts it finished without a restart. The
     * restart strategy allows two restarts, so that a crash loop ends the test instead of hanging it.
     */
    private static JobID runToEnd(PipelineConfig config, MiniCluster cluster) throws Exception {
        PipelineSetup.prepare(config);
        Configuration flink = TextIntelligenceJob.flinkConfiguration(config);
        flink.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        flink.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 2);
        flink.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofSeconds(1));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(flink);
        env.setParallelism(config.parallelism());
        new TextIntelligenceJob(config).addTo(env);
        JobClient job = env.executeAsync(config.jobName());
        long start = System.nanoTime();
        JobStatus status = job.getJobStatus().get();
        while (!status.isGloballyTerminalState()) {
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("job %s still %s", config.jobName(), status)
                    .isLessThan(Duration.ofMinutes(8));
            Thread.sleep(200);
            status = job.getJobStatus().get();
        }
        long restartedAt = cluster.getExecutionGraph(job.getJobID()).get().getStatusTimestamp(JobStatus.RESTARTING);
        long restarts = gaugeValue(job.getJobID(), "numRestarts");
        LOG.info("Job on {} ended {} in {} ms with {} restarts", config.kafka().topics(), status,
                Duration.ofNanos(System.nanoTime() - start).toMillis(), restarts);
        assertThat(status).as("job status").isEqualTo(JobStatus.FINISHED);
        assertThat(restartedAt).as("time the job last restarted (0: never)").isZero();
        assertThat(restarts).as("numRestarts").isZero();
        return job.getJobID();
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

    /** The sum of a counter over every operator and subtask of {@code job} that has it. */
    private static long counterSum(JobID job, String name) {
        long sum = 0;
        for (Map.Entry<String, Metric> metric : METRICS.findMetrics(job, name).entrySet()) {
            if (metric.getValue() instanceof Counter counter) {
                sum += counter.getCount();
            }
        }
        return sum;
    }

    /** A topic of one partition, so that an input record's offset is its place in the corpus. */
    private static void createTopic(String topic, int maxMessageBytes) throws Exception {
        try (Admin admin = Admin.create(Map.<String, Object>of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, TestServices.kafkaBootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1).configs(Map.of(
                    TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(maxMessageBytes))))).all().get();
        }
    }

    private static int topicMaxMessageBytes(String topic) throws Exception {
        try (Admin admin = Admin.create(Map.<String, Object>of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, TestServices.kafkaBootstrapServers()))) {
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            return Integer.parseInt(admin.describeConfigs(List.of(resource)).all().get().get(resource)
                    .get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG).value());
        }
    }

    /** Produces the corpus in order, tombstones (null payloads) included. */
    private static void produce(String topic, List<Case> cases) {
        Map<String, Object> props = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestServices.kafkaBootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, INPUT_MESSAGE_BYTES,
                ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (Case c : cases) {
                producer.send(new ProducerRecord<>(topic, c.payload()));
            }
            producer.flush();
        }
    }

    private static List<Object> listOf(Object value) {
        return value == null ? List.of() : List.copyOf((List<?>) value);
    }

    private static String abbreviate(String reason) {
        String oneLine = reason.replace('\n', ' ');
        return oneLine.length() <= 140 ? oneLine : oneLine.substring(0, 140) + "...";
    }
}
