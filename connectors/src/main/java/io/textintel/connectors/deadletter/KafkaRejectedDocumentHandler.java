package io.textintel.connectors.deadletter;

import io.textintel.connectors.elasticsearch.RejectedDocument;
import io.textintel.connectors.elasticsearch.RejectedDocumentHandler;
import io.textintel.schemas.DeadLetter;
import io.textintel.schemas.codec.AvroSingleObjectCodec;
import io.textintel.schemas.codec.DeadLetterBound;

import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * Publishes documents Elasticsearch rejects for good to the dead-letter topic, as {@link DeadLetter}s
 * of stage SINK whose bytes are the JSON source that was refused, within a {@link DeadLetterBound}
 * (a document with a long text and its embedding can be larger than the producer may send).
 *
 * <p>Sends are asynchronous; {@link #flush()} (called by the sink writer at every checkpoint) waits
 * for all of them and fails if any failed, so a checkpoint never completes over a lost rejection.
 * Delivery is at least once: after a failure the replayed rejection may appear twice on the topic;
 * {@link KafkaRejectedDocumentSink} publishes exactly once.
 */
public final class KafkaRejectedDocumentHandler implements RejectedDocumentHandler {

    private final String topic;
    private final Function<Properties, Producer<byte[], byte[]>> producerFactory;
    private final Properties properties;
    private final Clock clock;
    private final DeadLetterBound bound;

    private final AtomicReference<Exception> sendFailure = new AtomicReference<>();
    private AvroSingleObjectCodec<DeadLetter> codec;
    private Producer<byte[], byte[]> producer;

    KafkaRejectedDocumentHandler(
            String topic, Properties properties, Function<Properties, Producer<byte[], byte[]>> producerFactory,
            Clock clock, DeadLetterBound bound) {
        this.bound = Objects.requireNonNull(bound, "bound");
        this.topic = topic;
        this.properties = properties;
        this.producerFactory = producerFactory;
        this.clock = clock;
    }

    /**
     * The recipe the Elasticsearch sink ships to its writers.
     *
     * @param bootstrapServers Kafka bootstrap servers
     * @param topic the dead-letter topic
     * @param clientProperties extra producer properties (security); may be empty
     */
    public static Factory factory(String bootstrapServers, String topic, Map<String, String> clientProperties) {
        return factory(bootstrapServers, topic, clientProperties, DeadLetterBound.defaults());
    }

    /**
     * The recipe the Elasticsearch sink ships to its writers, keeping dead letters within {@code bound}.
     *
     * @param bootstrapServers Kafka bootstrap servers
     * @param topic the dead-letter topic
     * @param clientProperties extra producer properties (security); may be empty
     * @param bound the size limit of each dead letter
     */
    public static Factory factory(String bootstrapServers, String topic, Map<String, String> clientProperties,
            DeadLetterBound bound) {
        Objects.requireNonNull(bound, "bound");
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        if (topic == null || topic.isBlank()) {
            throw new IllegalArgumentException("dead-letter topic must not be blank");
        }
        Map<String, String> props = new HashMap<>(clientProperties);
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return () -> {
            Properties properties = new Properties();
            properties.putAll(props);
            properties.put(ProducerConfig.ACKS_CONFIG, "all");
            properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
            return new KafkaRejectedDocumentHandler(topic, properties,
                    p -> new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer()),
                    Clock.systemUTC(), bound);
        };
    }

    @Override
    public void open(WriterInitContext context) {
        codec = AvroSingleObjectCodec.of(DeadLetter.class);
        producer = producerFactory.apply(properties);
    }

    @Override
    public void accept(RejectedDocument rejected) throws Exception {
        throwIfSendFailed();
        DeadLetter letter = RejectedDeadLetters.of(rejected, bound, clock);
        byte[] key = rejected.id().getBytes(StandardCharsets.UTF_8);
        producer.send(new ProducerRecord<>(topic, key, codec.encode(letter)), (metadata, error) -> {
            if (error != null) {
                sendFailure.compareAndSet(null, error);
            }
        });
    }

    @Override
    public void flush() throws Exception {
        producer.flush();
        throwIfSendFailed();
    }

    private void throwIfSendFailed() throws Exception {
        Exception failure = sendFailure.get();
        if (failure != null) {
            throw new java.io.IOException("publishing a rejected document to dead-letter topic " + topic
                    + " failed: " + failure.getMessage(), failure);
        }
    }

    @Override
    public void close() {
        if (producer != null) {
            producer.close();
            producer = null;
        }
    }
}
