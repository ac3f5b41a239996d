package io.textintel.jobs.demo;

import io.textintel.schemas.DeadLetter;
import io.textintel.schemas.codec.AvroSingleObjectCodec;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Publishes the demo's input to Kafka and reads back the dead letters. */
final class DemoPublisher {

    record Published(int valid, int malformed) {}

    private DemoPublisher() {}

    static Published publish(String bootstrap, String topic) throws Exception {
        List<String> feedback = DemoData.feedback();
        List<byte[]> malformed = DemoData.malformed();
        Map<String, Object> props = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 5);
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (String line : feedback) {
                producer.send(new ProducerRecord<>(topic, line.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            }
            for (byte[] payload : malformed) {
                producer.send(new ProducerRecord<>(topic, payload));
            }
            producer.flush();
        }
        return new Published(feedback.size(), malformed.size());
    }

    /** Prints the dead letters on {@code topic}: how many per stage, and each reason. */
    static List<DeadLetter> showDeadLetters(String bootstrap, String topic, PrintStream out) throws IOException {
        List<DeadLetter> letters = readAll(bootstrap, topic);
        Map<String, Integer> byStage = new TreeMap<>();
        letters.forEach(l -> byStage.merge(l.getStage().name(), 1, Integer::sum));
        out.printf("%nDead letters on '%s': %d %s%n", topic, letters.size(), byStage);
        for (DeadLetter letter : letters) {
            String reason = letter.getReason();
            out.printf("  [%s] %s%n", letter.getStage(), reason.length() > 140 ? reason.substring(0, 137) + "..." : reason);
        }
        return letters;
    }

    static List<DeadLetter> readAll(String bootstrap, String topic) throws IOException {
        AvroSingleObjectCodec<DeadLetter> codec = AvroSingleObjectCodec.of(DeadLetter.class);
        Map<String, Object> props = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        List<DeadLetter> letters = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    try {
                        letters.add(codec.decode(record.value()));
                    } catch (Exception e) {
                        throw new IOException("dead letter at " + record.topic() + "-" + record.partition() + "@"
                                + record.offset() + " cannot be decoded: " + e.getMessage(), e);
                    }
                }
            }
        }
        return letters;
    }
}
