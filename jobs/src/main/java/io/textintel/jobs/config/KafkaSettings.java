package io.textintel.jobs.config;

import java.util.List;
import java.util.Map;

/**
 * Where the pipeline reads raw text and writes dead letters.
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
 */
public record KafkaSettings(
        String bootstrapServers,
        List<String> topics,
        String groupId,
        String startingOffsets,
        String inputFormat,
        String deadLetterTopic,
        Boolean bounded,
        Map<String, String> properties) {

    public KafkaSettings {
        groupId = groupId == null ? "textintel" : groupId;
        startingOffsets = startingOffsets == null ? "committed-or-earliest" : startingOffsets;
        inputFormat = inputFormat == null ? "json" : inputFormat;
        deadLetterTopic = deadLetterTopic == null ? "textintel-dead-letters" : deadLetterTopic;
        bounded = bounded != null && bounded;
        topics = topics == null ? List.of() : List.copyOf(topics);
        properties = properties == null ? Map.of() : Map.copyOf(properties);
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
    }

    /** These settings with secret Kafka properties ({@code sasl.jaas.config}, {@code ssl.*.password}...) masked. */
    @Override
    public String toString() {
        return "KafkaSettings[bootstrapServers=" + bootstrapServers + ", topics=" + topics + ", groupId=" + groupId
                + ", startingOffsets=" + startingOffsets + ", inputFormat=" + inputFormat
                + ", deadLetterTopic=" + deadLetterTopic + ", bounded=" + bounded
                + ", properties=" + Secrets.maskKafkaProperties(properties) + "]";
    }
}
