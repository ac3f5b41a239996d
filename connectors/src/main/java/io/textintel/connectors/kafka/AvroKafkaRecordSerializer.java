package io.textintel.connectors.kafka;

import io.textintel.schemas.codec.AvroSingleObjectCodec;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.util.function.SerializableFunction;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The Kafka serializer of the pipeline's Avro records: the value is the record in Avro
 * single-object encoding ({@link AvroSingleObjectCodec}), so any consumer holding the schema can
 * read it; the key is the UTF-8 string a key extractor gives, or null, which leaves partition
 * choice to the producer. The Kafka timestamp is the one a timestamp extractor gives, else the
 * Flink record timestamp when there is one, else the producer's time.
 *
 * <p>Thread-safe and serializable; the key extractor must be serializable too.
 *
 * @param <T> the generated record class
 */
public final class AvroKafkaRecordSerializer<T extends SpecificRecord>
        implements KafkaRecordSerializationSchema<T> {

    private static final long serialVersionUID = 1L;

    private final String topic;
    private final SerializableFunction<T, String> keyExtractor;
    private final SerializableFunction<T, Long> timestampExtractor;
    private final AvroSingleObjectCodec<T> codec;

    private AvroKafkaRecordSerializer(Builder<T> builder) {
        this.topic = builder.topic;
        this.keyExtractor = builder.keyExtractor;
        this.timestampExtractor = builder.timestampExtractor;
        this.codec = builder.codec;
    }

    public static <T extends SpecificRecord> Builder<T> builder(Class<T> recordClass) {
        return new Builder<>(recordClass);
    }

    /** The topic every record is written to. */
    public String topic() {
        return topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(
            T element, KafkaSinkContext context, Long timestamp) {
        String key = keyExtractor == null ? null : keyExtractor.apply(element);
        byte[] keyBytes = key == null ? null : key.getBytes(StandardCharsets.UTF_8);
        Long chosen = timestampExtractor == null ? timestamp : timestampExtractor.apply(element);
        // Kafka rejects negative timestamps; records before 1970 get the producer's time instead.
        Long kafkaTimestamp = chosen == null || chosen < 0 ? null : chosen;
        return new ProducerRecord<>(topic, null, kafkaTimestamp, keyBytes, codec.encode(element));
    }

    /** Builder of {@link AvroKafkaRecordSerializer}; settings are checked in {@link #build()}. */
    public static final class Builder<T extends SpecificRecord> {
        private final Class<T> recordClass;
        private String topic;
        private SerializableFunction<T, String> keyExtractor;
        private SerializableFunction<T, Long> timestampExtractor;
        private AvroSingleObjectCodec<T> codec;

        private Builder(Class<T> recordClass) {
            this.recordClass = Objects.requireNonNull(recordClass, "recordClass");
        }

        /** The topic to write to. Required. */
        public Builder<T> topic(String topic) {
            this.topic = topic;
            return this;
        }

        /** The record's Kafka key; may return null. Without one, every key is null. */
        public Builder<T> keyExtractor(SerializableFunction<T, String> keyExtractor) {
            this.keyExtractor = keyExtractor;
            return this;
        }

        /**
         * The record's Kafka timestamp in epoch milliseconds; may return null. Without one, the Flink
         * record timestamp. Records whose event time may lie ahead of the broker's clock need one:
         * brokers refuse timestamps more than {@code log.message.timestamp.after.max.ms} (one hour by
         * default) in the future.
         */
        public Builder<T> timestampExtractor(SerializableFunction<T, Long> timestampExtractor) {
            this.timestampExtractor = timestampExtractor;
            return this;
        }

        /** The codec to encode values with; default: the record class's own schema. */
        public Builder<T> codec(AvroSingleObjectCodec<T> codec) {
            this.codec = codec;
            return this;
        }

        public AvroKafkaRecordSerializer<T> build() {
            KafkaRawSource.validateTopic(topic);
            if (codec == null) {
                codec = AvroSingleObjectCodec.of(recordClass);
            } else if (!codec.recordClass().equals(recordClass)) {
                throw new IllegalArgumentException(
                        String.format(
                                "codec is for %s, expected one for %s",
                                codec.recordClass().getName(), recordClass.getName()));
            }
            return new AvroKafkaRecordSerializer<>(this);
        }
    }
}
