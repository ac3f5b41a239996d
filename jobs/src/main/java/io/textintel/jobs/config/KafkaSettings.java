package io.textintel.jobs.config;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * Where the pipeline reads raw text and writes dead letters, and how it writes to Kafka.
 *
 * @param bootstrapServers Kafka bootstrap servers, {@code host:port[,host:port]}
 * @param topics the input topics
 * @param groupId consumer group; offsets themselves live in Flink checkpoints
 * @param startingOffsets where a job without a checkpoint starts: {@code earliest}, {@code latest} or
 *     {@code committed-or-earliest} (the group's committed offsets, else earliest)
 * @param inputFormat how record values are encoded: {@code json}, {@code avro} or {@code text}
 * @param deadLetterTopic the topic receiving records the pipeline could not process
 * @param bounded stop at the offsets that are latest when the job starts (batch-style runs, the demo)
 * @param properties extra Kafka client properties (security, timeouts); {@link #toString()} masks
 *     the secret ones ({@link Secrets#isSecretKafkaProperty})
 * @param deliveryGuarantee how dead letters and drift reports are written: {@code exactly-once}
 *     (Kafka transactions committed with each checkpoint; readers need {@code
 *     isolation.level=read_committed}) or {@code at-least-once} (a replay after a failure may write
 *     a record twice)
 * @param transactionalIdPrefix the start of every Kafka transactional id of the job; each sink
 *     appends its own name. Default: the job name. Two jobs writing at the same time must differ
 * @param transactionTimeout {@code transaction.timeout.ms} of the transactional producers; longer
 *     than a checkpoint interval plus timeout, at most the broker's {@code transaction.max.timeout.ms}
 * @param enrichedTopic when set, every enriched document is also written to this topic as Avro
 *     ({@code EnrichedDocument}, keyed by id), with {@code deliveryGuarantee}; null writes none
 */
public record KafkaSettings(
        String bootstrapServers,
        List<String> topics,
        String groupId,
        String startingOffsets,
        String inputFormat,
        String deadLetterTopic,
        Boolean bounded,
        Map<String, String> properties,
        String deliveryGuarantee,
        String transactionalIdPrefix,
        Duration transactionTimeout,
        String enrichedTopic) {

    /** The default {@code transaction.timeout.ms}: the broker's default {@code transaction.max.timeout.ms}. */
    public static final Duration DEFAULT_TRANSACTION_TIMEOUT = Duration.ofMinutes(15);

    public KafkaSettings {
        groupId = groupId == null ? "textintel" : groupId;
        startingOffsets = startingOffsets == null ? "committed-or-earliest" : startingOffsets;
        inputFormat = inputFormat == null ? "json" : inputFormat;
        deadLetterTopic = deadLetterTopic == null ? "textintel-dead-letters" : deadLetterTopic;
        bounded = bounded != null && bounded;
        topics = topics == null ? List.of() : List.copyOf(topics);
        properties = properties == null ? Map.of() : Map.copyOf(properties);
        deliveryGuarantee = deliveryGuarantee == null ? "exactly-once" : deliveryGuarantee;
        transactionTimeout = transactionTimeout == null ? DEFAULT_TRANSACTION_TIMEOUT : transactionTimeout;
    }

    /** Whether dead letters and drift reports are written in Kafka transactions. */
    public boolean exactlyOnce() {
        return "exactly-once".equals(deliveryGuarantee);
    }

    /** The transactional id prefix of the sink {@code sinkName}: the configured prefix (or the job name), a dash, the sink. */
    public String transactionalIdPrefix(String jobName, String sinkName) {
        return (transactionalIdPrefix == null ? jobName : transactionalIdPrefix) + "-" + sinkName;
    }

    /** The properties of an admin client of these brokers: {@code properties} (security) and the bootstrap servers. */
    public Map<String, Object> adminProperties() {
        Map<String, Object> admin = new HashMap<>(properties);
        admin.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return admin;
    }

    /** Whether enriched documents are also written to Kafka ({@code kafka.enriched-topic} is set). */
    public boolean writesEnrichedDocuments() {
        return enrichedTopic != null;
    }

    void validate(ConfigProblems problems) {
        problems.requireText("kafka.bootstrap-servers", bootstrapServers, "host:port of a Kafka broker");
        if (topics.isEmpty()) {
            problems.add("kafka.topics", "is empty", "at least one input topic");
        }
        problems.requireText("kafka.group-id", groupId, "a consumer group id");
        problems.requireOneOf("kafka.starting-offsets", startingOffsets, List.of("earliest", "latest", "committed-or-earliest"));
        problems.requireOneOf("kafka.input-format", inputFormat, List.of("json", "avro", "text"));
        problems.requireText("kafka.dead-letter-topic", deadLetterTopic, "a topic name");
        if (enrichedTopic != null) {
            problems.requireText("kafka.enriched-topic", enrichedTopic, "a topic name, or no key to write none");
            if (topics.contains(enrichedTopic) || enrichedTopic.equals(deadLetterTopic)) {
                problems.add("kafka.enriched-topic", "is " + enrichedTopic + ", also an input or the dead-letter topic",
                        "a topic of its own");
            }
        }
        problems.requireOneOf("kafka.delivery-guarantee", deliveryGuarantee, List.of("exactly-once", "at-least-once"));
        if (transactionalIdPrefix != null && transactionalIdPrefix.isBlank()) {
            problems.add("kafka.transactional-id-prefix", "is blank", "a prefix unique to this job, or no key for the"
                    + " job name");
        }
        if (properties.containsKey("transactional.id") || properties.containsKey("transaction.timeout.ms")) {
            problems.add("kafka.properties", "sets " + (properties.containsKey("transactional.id")
                    ? "transactional.id" : "transaction.timeout.ms"), "kafka.transactional-id-prefix and"
                    + " kafka.transaction-timeout instead, which every sink derives its own settings from");
        }
    }

    /**
     * Checks exactly-once against checkpointing: transactions are committed when a checkpoint completes,
     * so checkpoints must align barriers, and a transaction must outlive the longest gap between two
     * completed checkpoints (interval plus timeout), or the broker aborts it and its records are lost.
     */
    void validateAgainst(CheckpointSettings checkpointing, ConfigProblems problems) {
        if (!exactlyOnce()) {
            return;
        }
        if (!"exactly-once".equals(checkpointing.mode())) {
            problems.add("kafka.delivery-guarantee", "is exactly-once with checkpointing.mode " + checkpointing.mode(),
                    "checkpointing.mode exactly-once (without aligned barriers a replay repeats records that a"
                            + " committed transaction holds), or kafka.delivery-guarantee at-least-once");
        }
        Duration needed = checkpointing.interval().plus(checkpointing.timeout());
        if (transactionTimeout.compareTo(needed) <= 0) {
            problems.add("kafka.transaction-timeout", "is " + transactionTimeout, "more than checkpointing.interval"
                    + " plus checkpointing.timeout (" + needed + "), and at most the broker's"
                    + " transaction.max.timeout.ms (15min by default)");
        }
    }

    /** These settings with secret Kafka properties ({@code sasl.jaas.config}, {@code ssl.*.password}...) masked. */
    @Override
    public String toString() {
        return "KafkaSettings[bootstrapServers=" + bootstrapServers + ", topics=" + topics + ", groupId=" + groupId
                + ", startingOffsets=" + startingOffsets + ", inputFormat=" + inputFormat
                + ", deadLetterTopic=" + deadLetterTopic + ", bounded=" + bounded
                + ", properties=" + Secrets.maskKafkaProperties(properties)
                + ", deliveryGuarantee=" + deliveryGuarantee + ", transactionalIdPrefix=" + transactionalIdPrefix
                + ", transactionTimeout=" + transactionTimeout + ", enrichedTopic=" + enrichedTopic + "]";
    }
}
