package io.textintel.jobs;

import io.textintel.schemas.DeadLetter;
import io.textintel.schemas.DriftReport;
import io.textintel.schemas.codec.AvroSingleObjectCodec;
import io.textintel.schemas.codec.RecordDecodeException;

import org.apache.avro.specific.SpecificRecord;
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

/**
 * Reads one of the pipeline's Avro output topics back (dead letters, drift reports): for the demo, for
 * tests, and for anyone inspecting what the pipeline wrote.
 */
public final class AvroTopic {

    private AvroTopic() {}

    /** Every dead letter on {@code topic} up to its current end; see {@link #readAll(String, String, Class, Map, Duration)}. */
    public static List<DeadLetter> deadLetters(String bootstrapServers, String topic,
            Map<String, String> clientProperties, Duration timeout) throws IOException {
        return readAll(bootstrapServers, topic, DeadLetter.class, clientProperties, timeout);
    }

    /** Every drift report on {@code topic} up to its current end; see {@link #readAll(String, String, Class, Map, Duration)}. */
    public static List<DriftReport> driftReports(String bootstrapServers, String topic,
            Map<String, String> clientProperties, Duration timeout) throws IOException {
        return readAll(bootstrapServers, topic, DriftReport.class, clientProperties, timeout);
    }

    /**
     * Every committed record on {@code topic} up to its current end, in partition and offset order,
     * decoded from Avro single-object encoding. The consumer reads with {@code
     * isolation.level=read_committed} unless {@code clientProperties} say otherwise: the pipeline
     * writes these topics in transactions, and records of open or aborted ones are not output.
     *
     * @param clientProperties extra consumer properties (security); may be empty
     * @throws IOException when the topic cannot be read within the timeout or holds a record that is
     *     not a {@code type}
     */
    public static <T extends SpecificRecord> List<T> readAll(String bootstrapServers, String topic, Class<T> type,
            Map<String, String> clientProperties, Duration timeout) throws IOException {
        AvroSingleObjectCodec<T> codec = AvroSingleObjectCodec.of(type);
        Map<String, Object> props = new HashMap<>(clientProperties);
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.putIfAbsent(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<T> records = new ArrayList<>();
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
                    throw new IOException("reading topic " + topic + " did not reach its end offsets "
                            + end + " within " + timeout);
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    try {
                        records.add(codec.decode(record.value()));
                    } catch (RecordDecodeException e) {
                        throw new IOException("record " + record.topic() + "-" + record.partition() + "@"
                                + record.offset() + " is not a " + type.getSimpleName() + ": " + e.getMessage(), e);
                    }
                }
            }
        }
        return records;
    }
}
