package io.textintel.connectors.kafka;

import io.textintel.schemas.DeadLetter;
import io.textintel.schemas.DriftReport;
import io.textintel.schemas.EnrichedDocument;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.util.function.SerializableFunction;

/**
 * Entry points to the pipeline's Kafka sinks, each an {@link AvroKafkaSinkBuilder} with the key
 * its records are partitioned by already chosen.
 *
 * <pre>{@code
 * KafkaSink<DeadLetter> deadLetters =
 *         KafkaSinks.deadLetters()
 *                 .bootstrapServers("127.0.0.1:9092")
 *                 .topic("feedback-dead-letters")
 *                 .build();
 * }</pre>
 */
public final class KafkaSinks {

    private KafkaSinks() {}

    /** Dead letters, keyed by {@code recordId} (null when the id could not be read). */
    public static AvroKafkaSinkBuilder<DeadLetter> deadLetters() {
        return new AvroKafkaSinkBuilder<>(DeadLetter.class, DeadLetter::getRecordId);
    }

    /**
     * Drift reports, keyed by {@code feature/statistic} so that each monitored series stays in one
     * partition, in order, and stamped with their report time: the window's event time can lie ahead
     * of the broker's clock (a replay of dated data, producers' clock skew), which brokers refuse.
     */
    public static AvroKafkaSinkBuilder<DriftReport> driftReports() {
        return new AvroKafkaSinkBuilder<>(DriftReport.class,
                report -> report.getFeature() + "/" + report.getStatistic(),
                report -> report.getReportTime().toEpochMilli());
    }

    /** Enriched documents, keyed by {@code id}: a compacted topic keeps the latest per document. */
    public static AvroKafkaSinkBuilder<EnrichedDocument> enrichedDocuments() {
        return new AvroKafkaSinkBuilder<>(EnrichedDocument.class, EnrichedDocument::getId);
    }

    /** Any generated record class, with null keys unless a key extractor is set. */
    public static <T extends SpecificRecord> AvroKafkaSinkBuilder<T> avro(Class<T> recordClass) {
        return new AvroKafkaSinkBuilder<>(recordClass, (SerializableFunction<T, String>) null);
    }
}
