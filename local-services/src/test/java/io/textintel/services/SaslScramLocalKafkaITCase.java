package io.textintel.services;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A local broker whose only client listener is SASL_SSL with SCRAM-SHA-512. */
class SaslScramLocalKafkaITCase {

    private static LocalKafka kafka;

    @BeforeAll
    static void startBroker() throws Exception {
        kafka = LocalKafka.builder().workDir(Files.createTempDirectory("textintel-kafka-scram-it-"))
                .saslScram(true).start();
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (kafka != null) {
            kafka.close();
        }
    }

    private static Map<String, Object> client(Map<String, String> security) {
        Map<String, Object> props = new HashMap<>(security);
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000);
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        return props;
    }

    @Test
    void theClientUserProducesAndConsumesOverSaslSsl() throws Exception {
        kafka.createTopics(1, "scram-round-trip");
        Map<String, Object> producerProps = client(kafka.clientProperties());
        producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, String> producer =
                new KafkaProducer<>(producerProps, new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>("scram-round-trip", "k", "over TLS")).get(30, TimeUnit.SECONDS);
        }
        Map<String, Object> consumerProps = client(kafka.clientProperties());
        consumerProps.put(ConsumerConfig.GROUP_ID_CONFIG, "scram-it");
        consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<String, String> consumer =
                new KafkaConsumer<>(consumerProps, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of("scram-round-trip"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            String value = null;
            while (value == null && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                    value = record.value();
                }
            }
            assertThat(value).isEqualTo("over TLS");
        }
    }

    @Test
    void aWrongPasswordIsRefused() {
        try (Admin admin = Admin.create(client(kafka.clientProperties(LocalKafka.CLIENT_USER, "wrong")))) {
            assertThatThrownBy(() -> admin.listTopics().names().get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(SaslAuthenticationException.class);
        }
    }

    @Test
    void aPlaintextClientGetsNoAnswer() {
        Map<String, Object> props = client(Map.of());
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5_000);
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 4_000);
        try (Admin admin = Admin.create(props)) {
            assertThatThrownBy(() -> admin.listTopics().names().get(20, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class);
        }
    }

    @Test
    void jaasLinesEscapeQuotes() {
        assertThat(LocalKafka.jaasConfig("u", "a\"b\\c")).isEqualTo(
                "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"u\" password=\"a\\\"b\\\\c\";");
    }
}
