package io.textintel.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.textintel.it.support.TestPipeline;
import io.textintel.it.support.TestServices;
import io.textintel.jobs.PipelineSetup;
import io.textintel.jobs.TextIntelligenceJob;
import io.textintel.jobs.config.PipelineConfig;
import io.textintel.services.LocalKafka;

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
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The real pipeline reads from, and dead-letters to, a broker of its own that is stopped
 * mid-stream for {@value #OUTAGE_PROPERTY} seconds (default 15) and started again with the same
 * data and ports. The job's restart strategy is off, so any failure would be final: the Kafka
 * source and the dead-letter sink must ride the restart out. Afterwards every valid input is in
 * Elasticsearch exactly once and every broken one on the dead-letter topic exactly once.
 */
class KafkaBrokerRestartITCase {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaBrokerRestartITCase.class);

    /** System property: seconds the broker stays down. */
    static final String OUTAGE_PROPERTY = "textintel.it.kafka-outage-seconds";

    /** One record in this many is broken JSON, which becomes a dead letter. */
    private static final int BROKEN_EVERY = 50;

    private static LocalKafka broker;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = LocalKafka.start(Files.createTempDirectory("textintel-it-kafka-restart-"));
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void aBrokerRestartMidStreamLosesAndDuplicatesNothing() throws Exception {
        Duration outage = Duration.ofSeconds(Long.getLong(OUTAGE_PROPERTY, 15));
        String suffix = TestPipeline.uniqueSuffix();
        String topic = "restart-" + suffix;
        String deadLetters = "restart-dlq-" + suffix;
        String index = "restart-docs-" + suffix;
        int half = 1000;
        broker.createTopics(2, topic, deadLetters);
        PipelineConfig config = TestPipeline.config(topic, "json", deadLetters, index,
                "kafka.bounded=false",
                "kafka.bootstrap-servers=" + broker.bootstrapServers(),
                "drift.enabled=false");
        PipelineSetup.prepare(config);
        TestPipeline.produce(broker.bootstrapServers(), topic, records(0, half));

        Configuration flink = TextIntelligenceJob.flinkConfiguration(config);
        flink.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(config.parallelism(), flink);
        new TextIntelligenceJob(config).addTo(env);
        JobClient job = env.executeAsync(config.jobName());
        try {
            TestPipeline.awaitDocuments(index, 1, Duration.ofSeconds(120));
            long stoppedAt = System.nanoTime();
            broker.stop();
            long indexedAtStop = TestPipeline.documents(index).size();
            Thread.sleep(outage.toMillis());
            assertThat(job.getJobStatus().get()).as("job status with the broker down").isEqualTo(JobStatus.RUNNING);
            broker.restart();
            long upAt = System.nanoTime();
            TestPipeline.produce(broker.bootstrapServers(), topic, records(half, 2 * half));

            int valid = validCount(2 * half);
            TestPipeline.awaitDocuments(index, valid, Duration.ofSeconds(120));
            long drainMillis = Duration.ofNanos(System.nanoTime() - upAt).toMillis();
            int letters = deadLetters(deadLetters, 2 * half - valid);

            assertThat(job.getJobStatus().get()).as("job status after the restart").isEqualTo(JobStatus.RUNNING);
            Set<String> expected = new TreeSet<>();
            for (int i = 0; i < 2 * half; i++) {
                if (!isBroken(i)) {
                    expected.add("k-" + i);
                }
            }
            assertThat(new TreeSet<>(TestPipeline.documents(index).keySet())).isEqualTo(expected);
            assertThat(letters).as("dead letters, one per broken record").isEqualTo(2 * half - valid);
            LOG.info("Kafka broker restart: broker down {} ms (stop to up again), {} of {} documents indexed at the"
                            + " stop, records in {}, documents out {}, dead letters {} (expected {}), time to drain"
                            + " {} ms after the broker was up, job failures 0 (restart strategy off)",
                    Duration.ofNanos(upAt - stoppedAt).toMillis(), indexedAtStop, valid, 2 * half, expected.size(),
                    letters, 2 * half - valid, drainMillis);
        } finally {
            job.cancel().get();
        }
    }

    private static boolean isBroken(int i) {
        return i % BROKEN_EVERY == BROKEN_EVERY - 1;
    }

    private static int validCount(int total) {
        int valid = 0;
        for (int i = 0; i < total; i++) {
            valid += isBroken(i) ? 0 : 1;
        }
        return valid;
    }

    private static List<byte[]> records(int from, int to) {
        List<byte[]> records = new ArrayList<>();
        for (int i = from; i < to; i++) {
            String value = isBroken(i)
                    ? "{\"id\":\"k-" + i + "\",\"text\": broken"
                    : "{\"id\":\"k-" + i + "\",\"text\":\"message " + i + " about a late parcel and a refund\"}";
            records.add(value.getBytes(StandardCharsets.UTF_8));
        }
        return records;
    }

    /** The dead letters on {@code topic}, read committed: until {@code expected} arrive and 3 s more pass. */
    private static int deadLetters(String topic, int expected) {
        Map<String, Object> props = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "restart-check-" + TestPipeline.uniqueSuffix(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        int count = 0;
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long quietSince = System.nanoTime();
            while (System.nanoTime() < deadline
                    && (count < expected || System.nanoTime() - quietSince < Duration.ofSeconds(3).toNanos())) {
                int polled = consumer.poll(Duration.ofMillis(200)).count();
                if (polled > 0) {
                    count += polled;
                    quietSince = System.nanoTime();
                }
            }
        }
        return count;
    }

}
