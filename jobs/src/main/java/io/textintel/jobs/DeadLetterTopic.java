package io.textintel.jobs;

import io.textintel.schemas.DeadLetter;
import io.textintel.schemas.codec.AvroSingleObjectCodec;
import io.textintel.schemas.codec.RecordDecodeException;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Reads a dead-letter topic back: for the demo, for tests, and for anyone inspecting what was rejected. */
public final class DeadLetterTopic {

    private DeadLetterTopic() {}

    /**
     * Every dead letter on {@code topic} up to its current end, in partition and offset order.
     *
     * @param clientProperties extra consumer properties (security); may be empty
     * @throws IOException when the topic cannot be read within the timeout or holds a record that is
     *     not a dead letter
     */
    public static List<DeadLetter> readAll(String bootstrapServers, String topic, Map<String, String> clientProperties,
            Duration timeout) throws IOException {
        AvroSingleObjectCodec<DeadLetter> codec = AvroSingleObjectCodec.of(DeadLetter.class);
        Map<String, Object> props = new HashMap<>(clientProperties);
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        List<DeadLetter> letters = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, timeout).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("reading dead-letter topic " + topic + " did not reach its end offsets "
                            + end + " within " + timeout);
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    try {
                        letters.add(codec.decode(record.value()));
                    } catch (RecordDecodeException e) {
                        throw new IOException("record " + record.topic() + "-" + record.partition() + "@"
                                + record.offset() + " is not a dead letter: " + e.getMessage(), e);
                    }
                }
            }
        }
        return letters;
    }
}
