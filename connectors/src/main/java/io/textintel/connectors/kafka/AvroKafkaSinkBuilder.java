package io.textintel.connectors.kafka;

import io.textintel.schemas.codec.AvroSingleObjectCodec;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.util.function.SerializableFunction;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * Builder of a {@link KafkaSink} that writes generated Avro records to one topic in single-object
 * encoding, through {@link AvroKafkaRecordSerializer}. Get one from {@link KafkaSinks}.
 *
 * <p>The delivery guarantee is {@code AT_LEAST_ONCE} unless set: every record is flushed before a
 * checkpoint completes, and a replay after failure may write a record twice. {@code EXACTLY_ONCE}
 * writes in Kafka transactions committed with the checkpoint; it needs a transactional id prefix
 * unique to the job and sink, and readers with {@code isolation.level=read_committed}. Its
 * transaction timeout defaults to 15 minutes, the broker's default {@code
 * transaction.max.timeout.ms}, instead of the connector's one hour, which default brokers refuse;
 * it must stay longer than the longest expected time between checkpoints plus a restart.
 *
 * @param <T> the generated record class
 */
public final class AvroKafkaSinkBuilder<T extends SpecificRecord> {

    /** Default {@code transaction.timeout.ms} for exactly-once: the broker's default maximum. */
    public static final Duration DEFAULT_TRANSACTION_TIMEOUT = Duration.ofMinutes(15);

    /** Properties set through dedicated builder methods or fixed by the connector. */
    private static final Set<String> RESERVED_PROPERTIES =
            Set.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                    ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
                    ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
                    ProducerConfig.TRANSACTIONAL_ID_CONFIG);

    private final Class<T> recordClass;
    private String bootstrapServers;
    private String topic;
    private SerializableFunction<T, String> keyExtractor;
    private SerializableFunction<T, Long> timestampExtractor;
    private AvroSingleObjectCodec<T> codec;
    private DeliveryGuarantee deliveryGuarantee = DeliveryGuarantee.AT_LEAST_ONCE;
    private String transactionalIdPrefix;
    private Duration transactionTimeout = DEFAULT_TRANSACTION_TIMEOUT;
    private final Map<String, String> properties = new LinkedHashMap<>();

    AvroKafkaSinkBuilder(Class<T> recordClass, SerializableFunction<T, String> keyExtractor) {
        this.recordClass = Objects.requireNonNull(recordClass, "recordClass");
        this.keyExtractor = keyExtractor;
    }

    AvroKafkaSinkBuilder(Class<T> recordClass, SerializableFunction<T, String> keyExtractor,
            SerializableFunction<T, Long> timestampExtractor) {
        this(recordClass, keyExtractor);
        this.timestampExtractor = timestampExtractor;
    }

    /** Comma-separated {@code host:port} list of brokers to bootstrap from. Required. */
    public AvroKafkaSinkBuilder<T> bootstrapServers(String bootstrapServers) {
        this.bootstrapServers = bootstrapServers;
        return this;
    }

    /** The topic to write to. Required. */
    public AvroKafkaSinkBuilder<T> topic(String topic) {
        this.topic = topic;
        return this;
    }

    /** The record's Kafka key, replacing the preset one; may return null. */
    public AvroKafkaSinkBuilder<T> keyExtractor(SerializableFunction<T, String> keyExtractor) {
        this.keyExtractor = keyExtractor;
        return this;
    }

    /** The codec to encode values with; default: the record class's own schema. */
    public AvroKafkaSinkBuilder<T> codec(AvroSingleObjectCodec<T> codec) {
        this.codec = codec;
        return this;
    }

    /** {@code NONE}, {@code AT_LEAST_ONCE} (default) or {@code EXACTLY_ONCE}. */
    public AvroKafkaSinkBuilder<T> deliveryGuarantee(DeliveryGuarantee deliveryGuarantee) {
        this.deliveryGuarantee = deliveryGuarantee;
        return this;
    }

    /** Prefix of the Kafka transactional ids; required for, and only used by, exactly-once. */
    public AvroKafkaSinkBuilder<T> transactionalIdPrefix(String transactionalIdPrefix) {
        this.transactionalIdPrefix = transactionalIdPrefix;
        return this;
    }

    /**
     * The producers' {@code transaction.timeout.ms} for exactly-once (default 15 minutes): longer than
     * the longest gap between two completed checkpoints, at most the broker's {@code
     * transaction.max.timeout.ms}.
     */
    public AvroKafkaSinkBuilder<T> transactionTimeout(Duration transactionTimeout) {
        this.transactionTimeout = Objects.requireNonNull(transactionTimeout, "transactionTimeout");
        return this;
    }

    /** One Kafka producer property, for security, compression, batching and the like. */
    public AvroKafkaSinkBuilder<T> property(String key, String value) {
        properties.put(key, value);
        return this;
    }

    /** Kafka producer properties; added to, and overriding, earlier ones. */
    public AvroKafkaSinkBuilder<T> properties(Map<String, String> properties) {
        this.properties.putAll(properties);
        return this;
    }

    /** The Kafka producer properties the sink will be given, defaults included. */
    Properties producerProperties() {
        Properties producer = new Properties();
        if (deliveryGuarantee == DeliveryGuarantee.EXACTLY_ONCE) {
            producer.setProperty(
                    ProducerConfig.TRANSACTION_TIMEOUT_CONFIG,
                    Long.toString(transactionTimeout.toMillis()));
        }
        producer.putAll(properties);
        return producer;
    }

    /** The record serializer the sink will be given. */
    AvroKafkaRecordSerializer<T> recordSerializer() {
        AvroKafkaRecordSerializer.Builder<T> serializer =
                AvroKafkaRecordSerializer.builder(recordClass)
                        .topic(topic)
                        .keyExtractor(keyExtractor)
                        .timestampExtractor(timestampExtractor);
        if (codec != null) {
            serializer.codec(codec);
        }
        return serializer.build();
    }

    /**
     * Builds the sink.
     *
     * @throws IllegalArgumentException naming the first missing or bad setting
     */
    public KafkaSink<T> build() {
        KafkaRawSource.requireNotBlank("bootstrapServers", bootstrapServers);
        Objects.requireNonNull(deliveryGuarantee, "deliveryGuarantee");
        for (Map.Entry<String, String> entry : properties.entrySet()) {
            if (RESERVED_PROPERTIES.contains(entry.getKey())) {
                throw new IllegalArgumentException(
                        String.format(
                                "property '%s' is set by the sink itself, expected it through the"
                                        + " builder's own method (bootstrapServers,"
                                        + " transactionalIdPrefix) or not at all",
                                entry.getKey()));
            }
            if (entry.getValue() == null) {
                throw new IllegalArgumentException(
                        String.format("property '%s' is null, expected a value", entry.getKey()));
            }
        }
        if (transactionTimeout.isNegative() || transactionTimeout.isZero()) {
            throw new IllegalArgumentException(
                    "transactionTimeout is " + transactionTimeout + ", expected a positive duration");
        }
        if (deliveryGuarantee == DeliveryGuarantee.EXACTLY_ONCE) {
            KafkaRawSource.requireNotBlank(
                    "transactionalIdPrefix (required for EXACTLY_ONCE)", transactionalIdPrefix);
        }
        var sink =
                KafkaSink.<T>builder()
                        .setBootstrapServers(bootstrapServers)
                        .setRecordSerializer(recordSerializer())
                        .setDeliveryGuarantee(deliveryGuarantee)
                        .setKafkaProducerConfig(producerProperties());
        if (transactionalIdPrefix != null) {
            sink.setTransactionalIdPrefix(transactionalIdPrefix);
        }
        return sink.build();
    }
}
