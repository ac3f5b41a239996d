package io.textintel.connectors.kafka;

import io.textintel.schemas.RawRecord;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.internals.Topic;

/**
 * The Kafka source of the pipeline's raw input: a {@link KafkaSource} of {@link RawRecord}s, each
 * a consumed record's key and value bytes with its topic, partition, offset and timestamp.
 *
 * <pre>{@code
 * KafkaSource<RawRecord> source =
 *         KafkaRawSource.builder()
 *                 .bootstrapServers("127.0.0.1:9092")
 *                 .topics("feedback")
 *                 .groupId("textintel")
 *                 .startingOffsets(StartingOffsets.COMMITTED_OR_EARLIEST)
 *                 .build();
 * }</pre>
 *
 * <p>Offsets live in Flink checkpoints; they are also committed to the consumer group on each
 * completed checkpoint, so lag is visible to Kafka tools. In bounded mode the source stops at the
 * offsets that were the latest when the job started, which makes a finite job of a topic's
 * backlog (tests, the demo).
 */
public final class KafkaRawSource {

    /** Properties set through dedicated builder methods or fixed by the connector. */
    private static final Set<String> RESERVED_PROPERTIES =
            Set.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                    ConsumerConfig.GROUP_ID_CONFIG,
                    ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                    ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                    ConsumerConfig.AUTO_OFFSET_RESET_CONFIG);

    private KafkaRawSource() {}

    public static Builder builder() {
        return new Builder();
    }

    /** Builder of the raw source; everything is checked in {@link #build()}. */
    public static final class Builder {
        private String bootstrapServers;
        private final List<String> topics = new ArrayList<>();
        private Pattern topicPattern;
        private String groupId;
        private StartingOffsets startingOffsets = StartingOffsets.COMMITTED_OR_EARLIEST;
        private boolean bounded;
        private final Map<String, String> properties = new LinkedHashMap<>();

        private Builder() {}

        /** Comma-separated {@code host:port} list of brokers to bootstrap from. Required. */
        public Builder bootstrapServers(String bootstrapServers) {
            this.bootstrapServers = bootstrapServers;
            return this;
        }

        /** Topics to read; adds to earlier calls. Either topics or a pattern is required. */
        public Builder topics(String... topics) {
            return topics(List.of(topics));
        }

        /** Topics to read; adds to earlier calls. Either topics or a pattern is required. */
        public Builder topics(List<String> topics) {
            this.topics.addAll(topics);
            return this;
        }

        /** Pattern of the topics to read, including topics created later. */
        public Builder topicPattern(Pattern topicPattern) {
            this.topicPattern = topicPattern;
            return this;
        }

        /** Kafka consumer group id; offsets are committed to it. Required. */
        public Builder groupId(String groupId) {
            this.groupId = groupId;
            return this;
        }

        /** Where to start without a checkpoint; default {@code COMMITTED_OR_EARLIEST}. */
        public Builder startingOffsets(StartingOffsets startingOffsets) {
            this.startingOffsets = startingOffsets;
            return this;
        }

        /** Whether to stop at the latest offsets of job start instead of reading forever. */
        public Builder bounded(boolean bounded) {
            this.bounded = bounded;
            return this;
        }

        /** One Kafka consumer property, for security, timeouts, fetch sizes and the like. */
        public Builder property(String key, String value) {
            properties.put(key, value);
            return this;
        }

        /** Kafka consumer properties; added to, and overriding, earlier ones. */
        public Builder properties(Map<String, String> properties) {
            this.properties.putAll(properties);
            return this;
        }

        /** The Kafka consumer properties this builder passes on. */
        Properties consumerProperties() {
            Properties consumer = new Properties();
            consumer.putAll(properties);
            return consumer;
        }

        /**
         * Builds the source.
         *
         * @throws IllegalArgumentException naming the first missing or bad setting
         */
        public KafkaSource<RawRecord> build() {
            requireNotBlank("bootstrapServers", bootstrapServers);
            requireNotBlank("groupId", groupId);
            Objects.requireNonNull(startingOffsets, "startingOffsets");
            if (topics.isEmpty() == (topicPattern == null)) {
                throw new IllegalArgumentException(
                        String.format(
                                "topics are %s and the topic pattern is %s, expected exactly one"
                                        + " of the two",
                                topics, topicPattern));
            }
            for (String topic : topics) {
                validateTopic(topic);
            }
            validateProperties(properties);

            KafkaSourceBuilder<RawRecord> builder =
                    KafkaSource.<RawRecord>builder()
                            .setBootstrapServers(bootstrapServers)
                            .setGroupId(groupId)
                            .setStartingOffsets(startingOffsets.toInitializer())
                            .setDeserializer(new RawRecordDeserializationSchema())
                            .setProperties(consumerProperties());
            if (topicPattern != null) {
                builder.setTopicPattern(topicPattern);
            } else {
                builder.setTopics(topics);
            }
            if (bounded) {
                builder.setBounded(OffsetsInitializer.latest());
            }
            return builder.build();
        }
    }

    static void requireNotBlank(String name, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(
                    String.format(
                            "%s is %s, expected a non-blank value",
                            name, value == null ? "not set" : "blank (\"" + value + "\")"));
        }
    }

    static void validateTopic(String topic) {
        if (topic == null) {
            throw new IllegalArgumentException("topic is null, expected a Kafka topic name");
        }
        try {
            Topic.validate(topic);
        } catch (InvalidTopicException e) {
            throw new IllegalArgumentException(
                    String.format(
                            "topic '%s' is not a valid Kafka topic name: %s",
                            topic, e.getMessage()),
                    e);
        }
    }

    private static void validateProperties(Map<String, String> properties) {
        for (Map.Entry<String, String> entry : properties.entrySet()) {
            if (RESERVED_PROPERTIES.contains(entry.getKey())) {
                throw new IllegalArgumentException(
                        String.format(
                                "property '%s' is set by the source itself, expected it through"
                                        + " the builder's own method (bootstrapServers, groupId,"
                                        + " startingOffsets) or not at all",
                                entry.getKey()));
            }
            if (entry.getValue() == null) {
                throw new IllegalArgumentException(
                        String.format(
                                "property '%s' is null, expected a value", entry.getKey()));
            }
        }
    }
}
