package io.textintel.it.support;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Both shared services answer through {@link TestServices}, whichever path started them.
 *
 * <p>The name does not start with "Test": surefire's default includes ({@code Test*.java}) would
 * run it again as a unit test.
 */
class SharedTestServicesITCase {

    private static final Logger LOG = LoggerFactory.getLogger(SharedTestServicesITCase.class);

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void reportPath() {
        LOG.info("SharedTestServicesITCase runs against {}", TestServices.path());
    }

    @Test
    void pathIsOneOfTheTwo() {
        assertThat(TestServices.path()).isIn(TestServices.TESTCONTAINERS, TestServices.LOCAL_PROCESSES);
        if (ServicesMode.fromSystemProperty() == ServicesMode.LOCAL) {
            assertThat(TestServices.path()).isEqualTo(TestServices.LOCAL_PROCESSES);
        }
    }

    @Test
    void kafkaRoundTripsARecord() {
        TestServices.createTopics(2, "test-services-round-trip");

        Properties producerProps = new Properties();
        producerProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestServices.kafkaBootstrapServers());
        producerProps.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        producerProps.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps)) {
            producer.send(new ProducerRecord<>("test-services-round-trip", "k", "through " + TestServices.path()));
            producer.flush();
        }

        Properties consumerProps = new Properties();
        consumerProps.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestServices.kafkaBootstrapServers());
        consumerProps.put(ConsumerConfig.GROUP_ID_CONFIG, "test-services");
        consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        consumerProps.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        consumerProps.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        List<ConsumerRecord<String, String>> received = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps)) {
            consumer.subscribe(List.of("test-services-round-trip"));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (received.isEmpty() && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(500)).forEach(received::add);
            }
        }
        assertThat(received).singleElement()
                .satisfies(r -> assertThat(r.value()).isEqualTo("through " + TestServices.path()));
    }

    @Test
    void elasticsearchIndexesAndFindsADocument() throws Exception {
        HttpResponse<String> indexed = send("PUT", "/test-services/_doc/1?refresh=true",
                "{\"text\":\"shared services answer\"}");
        assertThat(indexed.statusCode()).as(indexed.body()).isIn(200, 201);

        HttpResponse<String> found = send("POST", "/test-services/_search",
                "{\"query\":{\"match\":{\"text\":\"answer\"}}}");
        assertThat(found.statusCode()).as(found.body()).isEqualTo(200);
        JsonNode hits = JSON.readTree(found.body()).path("hits").path("hits");
        assertThat(hits).hasSize(1);
        assertThat(hits.get(0).path("_id").asText()).isEqualTo("1");
    }

    private static HttpResponse<String> send(String method, String path, String body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(TestServices.elasticsearchUrl() + path))
                .header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(body))
                .timeout(Duration.ofSeconds(30))
                .build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
