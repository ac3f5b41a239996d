package io.textintel.connectors.kafka;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * Where the raw Kafka source starts reading a partition when no Flink checkpoint says otherwise.
 * After a restore from a checkpoint or savepoint, the offsets in the checkpoint always win.
 */
public enum StartingOffsets {
    /** The first offset still retained in each partition. */
    EARLIEST,
    /** The end of each partition at start-up: only records produced afterwards are read. */
    LATEST,
    /**
     * The offsets the consumer group last committed; partitions without a committed offset start
     * at the earliest one. The usual choice for a job that is redeployed without a savepoint.
     */
    COMMITTED_OR_EARLIEST;

    /**
     * Returns the value with the given name, ignoring case, surrounding whitespace and {@code -}
     * versus {@code _} ("committed-or-earliest" works).
     *
     * @throws IllegalArgumentException if the name is null or names no value
     */
    public static StartingOffsets parse(String name) {
        if (name != null) {
            String wanted = name.trim().replace('-', '_').toUpperCase(Locale.ROOT);
            for (StartingOffsets value : values()) {
                if (value.name().equals(wanted)) {
                    return value;
                }
            }
        }
        String known =
                Arrays.stream(values())
                        .map(StartingOffsets::configName)
                        .collect(Collectors.joining(", "));
        throw new IllegalArgumentException(
                String.format(
                        "starting offsets %s are not known, expected one of %s",
                        name == null ? "null" : "'" + name + "'", known));
    }

    /** The lower-case, hyphenated name used in configuration files and on the command line. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The Flink Kafka connector's initializer for this choice. */
    // The connector's API still takes Kafka's deprecated OffsetResetStrategy.
    @SuppressWarnings("deprecation")
    OffsetsInitializer toInitializer() {
        switch (this) {
            case EARLIEST:
                return OffsetsInitializer.earliest();
            case LATEST:
                return OffsetsInitializer.latest();
            case COMMITTED_OR_EARLIEST:
                return OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
            default:
                throw new IllegalStateException(
                        "starting offsets " + this + " have no initializer. This is a bug.");
        }
    }
}
