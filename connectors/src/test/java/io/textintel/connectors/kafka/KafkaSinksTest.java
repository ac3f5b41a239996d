package io.textintel.connectors.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.textintel.schemas.DeadLetter;
import io.textintel.schemas.DriftReport;
import io.textintel.schemas.EnrichedDocument;
import io.textintel.schemas.PipelineStage;
import io.textintel.schemas.TextRecord;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.junit.jupiter.api.Test;

class KafkaSinksTest {

    private static final Instant TIME = Instant.parse("2024-06-10T06:13:20Z");

    @Test
    void buildsEverySinkAtLeastOnceByDefault() {
        KafkaSink<DeadLetter> deadLetters =
                KafkaSinks.deadLetters().bootstrapServers("b:1").topic("dead-letters").build();
        KafkaSink<TextRecord> texts =
                KafkaSinks.avro(TextRecord.class).bootstrapServers("b:1").topic("texts").build();

        assertThat(deadLetters).isNotNull();
        assertThat(texts).isNotNull();
        // At-least-once needs no transaction settings.
        assertThat(KafkaSinks.deadLetters().producerProperties()).isEmpty();
    }

    @Test
    void presetsKeyEachRecordTypeByItsIdentity() {
        DeadLetter deadLetter =
                DeadLetter.newBuilder()
                        .setOriginalBytes(ByteBuffer.wrap(new byte[] {1}))
                        .setStage(PipelineStage.VALIDATE)
                        .setReason("field 'text' is blank")
                        .setRecordId("fb-9")
                        .setTime(TIME)
                        .build();
        DriftReport drift =
                DriftReport.newBuilder()
                        .setWindowStart(TIME)
                        .setWindowEnd(TIME.plusSeconds(60))
                        .setFeature("embedding")
                        .setStatistic("cosine_centroid")
                        .setValue(0.1)
                        .setThreshold(0.2)
                        .setDrifted(false)
                        .setSampleSize(10)
                        .setReferenceVersion("r1")
                        .setReportTime(TIME)
                        .build();
        EnrichedDocument document =
                EnrichedDocument.newBuilder()
                        .setId("doc-3")
                        .setText("t")
                        .setProcessingTime(TIME)
                        .build();
        TextRecord text = TextRecord.newBuilder().setId("a").setText("t").build();

        assertThat(key(KafkaSinks.deadLetters().topic("d").recordSerializer(), deadLetter))
                .isEqualTo("fb-9");
        assertThat(key(KafkaSinks.driftReports().topic("d").recordSerializer(), drift))
                .isEqualTo("embedding/cosine_centroid");
        assertThat(key(KafkaSinks.enrichedDocuments().topic("d").recordSerializer(), document))
                .isEqualTo("doc-3");
        assertThat(key(KafkaSinks.avro(TextRecord.class).topic("d").recordSerializer(), text))
                .isNull();
        assertThat(
                        key(
                                KafkaSinks.avro(TextRecord.class)
                                        .topic("d")
                                        .keyExtractor(TextRecord::getText)
                                        .recordSerializer(),
                                text))
                .isEqualTo("t");
    }

    @Test
    void exactlyOnceNeedsATransactionalIdPrefix() {
        assertThatThrownBy(
                        () ->
                                KafkaSinks.deadLetters()
                                        .bootstrapServers("b:1")
                                        .topic("dead-letters")
                                        .deliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "transactionalIdPrefix (required for EXACTLY_ONCE) is not set, expected a"
                                + " non-blank value");

        KafkaSink<DeadLetter> sink =
                KafkaSinks.deadLetters()
                        .bootstrapServers("b:1")
                        .topic("dead-letters")
                        .deliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                        .transactionalIdPrefix("textintel-dlq")
                        .build();
        assertThat(sink).isNotNull();
    }

    @Test
    void exactlyOnceDefaultsTheTransactionTimeoutToTheBrokersMaximum() {
        AvroKafkaSinkBuilder<DeadLetter> builder =
                KafkaSinks.deadLetters().deliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE);

        assertThat(builder.producerProperties())
                .containsEntry("transaction.timeout.ms", "900000");
        assertThat(builder.property("transaction.timeout.ms", "60000").producerProperties())
                .containsEntry("transaction.timeout.ms", "60000");
    }

    @Test
    void aTransactionTimeoutSetThroughTheBuilderReachesTheProducers() {
        AvroKafkaSinkBuilder<DeadLetter> builder = KafkaSinks.deadLetters()
                .deliveryGuarantee(org.apache.flink.connector.base.DeliveryGuarantee.EXACTLY_ONCE)
                .transactionTimeout(java.time.Duration.ofMinutes(5));
        assertThat(builder.producerProperties()).containsEntry("transaction.timeout.ms", "300000");
        assertThatThrownBy(() -> KafkaSinks.deadLetters().bootstrapServers("b:9092").topic("t")
                .transactionTimeout(java.time.Duration.ZERO).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("transactionTimeout is PT0S, expected a positive duration");
    }

    @Test
    void rejectsMissingSettingsAndOwnedProperties() {
        assertThatThrownBy(() -> KafkaSinks.deadLetters().topic("t").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("bootstrapServers is not set, expected a non-blank value");
        assertThatThrownBy(() -> KafkaSinks.deadLetters().bootstrapServers("b:1").build())
                .hasMessage("topic is null, expected a Kafka topic name");
        assertThatThrownBy(
                        () ->
                                KafkaSinks.driftReports()
                                        .bootstrapServers("b:1")
                                        .topic("drift")
                                        .property("value.serializer", "x")
                                        .build())
                .hasMessage(
                        "property 'value.serializer' is set by the sink itself, expected it"
                                + " through the builder's own method (bootstrapServers,"
                                + " transactionalIdPrefix) or not at all");
    }

    private static <T extends SpecificRecord> String key(
            AvroKafkaRecordSerializer<T> serializer, T record) {
        byte[] key = serializer.serialize(record, null, null).key();
        return key == null ? null : new String(key, StandardCharsets.UTF_8);
    }
}
