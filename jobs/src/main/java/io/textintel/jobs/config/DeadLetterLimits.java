package io.textintel.jobs.config;

import io.textintel.schemas.codec.DeadLetterBound;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The sizes that must agree so that no dead letter is too large to publish: the bound of each dead
 * letter, the dead-letter producer's {@code max.request.size}, and the dead-letter topic's
 * {@code max.message.bytes} (which {@code textintel setup} sets).
 *
 * <p>The message limit is {@code kafka.properties.max.request.size} when it is set (it must hold a
 * bounded dead letter), else the larger of Kafka's default (1 MiB) and the bound's largest encoding.
 *
 * @param bound what a dead letter keeps
 * @param maxMessageBytes the producer's request limit and the topic's message limit
 */
public record DeadLetterLimits(DeadLetterBound bound, int maxMessageBytes) {

    /** Kafka's default {@code max.request.size}. */
    public static final int KAFKA_DEFAULT_MAX_REQUEST_SIZE = 1024 * 1024;

    static final String MAX_REQUEST_SIZE = "max.request.size";

    /** The limits of {@code validation} and {@code kafka}; the settings must have been validated. */
    public static DeadLetterLimits of(ValidationSettings validation, KafkaSettings kafka) {
        DeadLetterBound bound = validation.deadLetterBound();
        String explicit = kafka.properties().get(MAX_REQUEST_SIZE);
        int limit = explicit != null ? Integer.parseInt(explicit.trim())
                : Math.max(KAFKA_DEFAULT_MAX_REQUEST_SIZE, bound.maxEncodedBytes());
        return new DeadLetterLimits(bound, limit);
    }

    /** Adds a problem when an explicit {@code max.request.size} cannot carry a bounded dead letter. */
    static void validate(ValidationSettings validation, KafkaSettings kafka, ConfigProblems problems) {
        String explicit = kafka.properties().get(MAX_REQUEST_SIZE);
        if (explicit == null) {
            return;
        }
        long needed = (long) validation.deadLetterMaxBytes() + DeadLetterBound.OVERHEAD_BYTES;
        try {
            int size = Integer.parseInt(explicit.trim());
            if (size < needed) {
                problems.add("kafka.properties.max.request.size", "is " + size, "at least " + needed
                        + " bytes, so that a dead letter of validation.dead-letter-max-bytes "
                        + validation.deadLetterMaxBytes() + " plus its reason can be published; or lower that");
            }
        } catch (NumberFormatException e) {
            problems.add("kafka.properties.max.request.size", "is '" + explicit + "'", "a whole number of bytes");
        }
    }

    /** {@code properties} with the producer's request limit set to {@link #maxMessageBytes()}. */
    public Map<String, String> producerProperties(Map<String, String> properties) {
        Map<String, String> producer = new LinkedHashMap<>(properties);
        producer.put(MAX_REQUEST_SIZE, Integer.toString(maxMessageBytes));
        return producer;
    }
}
