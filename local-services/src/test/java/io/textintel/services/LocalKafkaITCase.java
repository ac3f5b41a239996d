package io.textintel.services;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starts one real local broker and round-trips records through it with kafka-clients. */
class LocalKafkaITCase {

    private static final Logger LOG = LoggerFactory.getLogger(LocalKafkaITCase.class);

    private static Path workDir;
    private static LocalKafka kafka;

    @BeforeAll
    static void startBroker() throws Exception {
        workDir = Files.createTempDirectory("textintel-kafka-it-");
        long start = System.nanoTime();
        kafka = LocalKafka.builder().workDir(workDir).partitions(2).start();
        LOG.info("LocalKafka start-up took {} ms", (System.nanoTime() - start) / 1_000_000);
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (kafka != null) {
            kafka.close();
            assertThat(workDir).doesNotExist();
        }
    }

    @Test
    void bootstrapServersIsTheLoopbackListener() {
        assertThat(kafka.bootstrapServers()).isEqualTo("127.0.0.1:" + kafka.port());
        assertThat(kafka.port()).isNotEqualTo(kafka.controllerPort());
        assertThat(kafka.logFile()).exists();
    }

    @Test
    void producedRecordIsConsumed() throws Exception {
        kafka.createTopics(3, "round-trip");

        RecordMetadata sent;
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProperties())) {
            sent = producer.send(new ProducerRecord<>("round-trip", "key-1", "hello broker")).get();
        }
        assertThat(sent.topic()).isEqualTo("round-trip");

        List<ConsumerRecord<String, String>> received = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProperties("round-trip-group"))) {
            consumer.subscribe(List.of("round-trip"));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (received.isEmpty() && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(500)).forEach(received::add);
            }
        }
        assertThat(received).hasSize(1);
        assertThat(received.get(0).key()).isEqualTo("key-1");
        assertThat(received.get(0).value()).isEqualTo("hello broker");
        assertThat(received.get(0).partition()).isEqualTo(sent.partition());
    }

    @Test
    void createTopicsUsesTheRequestedPartitionCount() throws Exception {
        kafka.createTopics(4, "four-partitions");
        try (Admin admin = Admin.create(LocalKafka.adminProperties(kafka.bootstrapServers()))) {
            var description = admin.describeTopics(Set.of("four-partitions")).allTopicNames().get()
                    .get("four-partitions");
            assertThat(description.partitions()).hasSize(4);
        }
    }

    @Test
    void topicsAreNotCreatedAutomatically() {
        Properties props = producerProperties();
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "2000");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            assertThatThrownBy(() -> producer.send(new ProducerRecord<>("never-created", "v")).get())
                    .hasStackTraceContaining("never-created");
        }
    }

    @Test
    void creatingAnExistingTopicFailsNamingIt() {
        kafka.createTopics(1, "twice");
        assertThatThrownBy(() -> kafka.createTopics(1, "twice"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("twice")
                .hasMessageContaining("TopicExistsException");
    }

    @Test
    void brokerThatCannotStartFailsWithItsOutput() throws Exception {
        Path badWorkDir = Files.createTempDirectory("textintel-kafka-bad-");
        try {
            // A 1 KiB heap is below the JVM minimum: the storage format step fails at once.
            assertThatThrownBy(() -> LocalKafka.builder().workDir(badWorkDir).heap("1k").start())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("Formatting Kafka storage")
                    .hasMessageContaining("expected 0")
                    .hasMessageContaining("heap");
        } finally {
            Directories.delete(badWorkDir);
        }
    }

    private static Properties producerProperties() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        return props;
    }

    private static Properties consumerProperties(String group) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        return props;
    }
}
