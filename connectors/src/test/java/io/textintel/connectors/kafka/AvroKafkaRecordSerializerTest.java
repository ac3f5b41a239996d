package io.textintel.connectors.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.textintel.schemas.DeadLetter;
import io.textintel.schemas.DriftReport;
import io.textintel.schemas.PipelineStage;
import io.textintel.schemas.TextRecord;
import io.textintel.schemas.codec.AvroSingleObjectCodec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema.KafkaSinkContext;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

class AvroKafkaRecordSerializerTest {

    private static final KafkaSinkContext CONTEXT =
            new KafkaSinkContext() {
                @Override
                public int getParallelInstanceId() {
                    return 0;
                }

                @Override
                public int getNumberOfParallelInstances() {
                    return 1;
                }

                @Override
                public int[] getPartitionsForTopic(String topic) {
                    return new int[] {0, 1, 2};
                }
            };

    @Test
    void writesKeyAndSingleObjectEncodedValue() throws Exception {
        AvroKafkaRecordSerializer<TextRecord> serializer =
                AvroKafkaRecordSerializer.builder(TextRecord.class)
                        .topic("texts")
                        .keyExtractor(TextRecord::getId)
                        .build();
        TextRecord record = TextRecord.newBuilder().setId("ü-1").setText("hello").build();

        ProducerRecord<byte[], byte[]> produced = serializer.serialize(record, CONTEXT, 1_000L);

        assertThat(produced.topic()).isEqualTo("texts");
        assertThat(produced.partition()).isNull();
        assertThat(produced.timestamp()).isEqualTo(1_000L);
        assertThat(new String(produced.key(), StandardCharsets.UTF_8)).isEqualTo("ü-1");
        assertThat(AvroSingleObjectCodec.of(TextRecord.class).decode(produced.value()))
                .isEqualTo(record);
    }

    @Test
    void nullKeysAndMissingOrNegativeTimestampsAreLeftToTheProducer() {
        AvroKafkaRecordSerializer<TextRecord> serializer =
                AvroKafkaRecordSerializer.builder(TextRecord.class).topic("texts").build();
        TextRecord record = TextRecord.newBuilder().setId("a").setText("t").build();

        ProducerRecord<byte[], byte[]> withoutTimestamp = serializer.serialize(record, CONTEXT, null);
        ProducerRecord<byte[], byte[]> beforeEpoch = serializer.serialize(record, CONTEXT, -5L);

        assertThat(withoutTimestamp.key()).isNull();
        assertThat(withoutTimestamp.timestamp()).isNull();
        assertThat(beforeEpoch.timestamp()).isNull();
    }

    @Test
    void driftReportsAreStampedWithTheirReportTimeNotTheWindowsEventTime() {
        AvroKafkaRecordSerializer<DriftReport> serializer = KafkaSinks.driftReports()
                .bootstrapServers("localhost:9092").topic("drift").recordSerializer();
        Instant reported = Instant.parse("2026-11-22T08:00:00Z");
        DriftReport report = DriftReport.newBuilder()
                .setWindowStart(Instant.parse("2027-01-01T00:00:00Z"))
                .setWindowEnd(Instant.parse("2027-01-01T01:00:00Z"))
                .setFeature("topic").setStatistic("jsd").setValue(0.3).setThreshold(0.1).setDrifted(true)
                .setSampleSize(40).setReferenceVersion("ref-1").setReportTime(reported)
                .build();

        ProducerRecord<byte[], byte[]> produced =
                serializer.serialize(report, CONTEXT, Instant.parse("2027-01-01T00:59:59.999Z").toEpochMilli());

        assertThat(produced.timestamp()).as("a future window's time would be refused by the broker")
                .isEqualTo(reported.toEpochMilli());
        assertThat(new String(produced.key(), StandardCharsets.UTF_8)).isEqualTo("topic/jsd");
    }

    @Test
    void deadLetterSinkKeysByRecordIdAndAllowsNullIds() throws Exception {
        AvroKafkaRecordSerializer<DeadLetter> serializer =
                AvroKafkaRecordSerializer.builder(DeadLetter.class)
                        .topic("dead-letters")
                        .keyExtractor(DeadLetter::getRecordId)
                        .build();
        DeadLetter withId = deadLetter("fb-7");
        DeadLetter withoutId = deadLetter(null);

        assertThat(serializer.serialize(withId, CONTEXT, null).key())
                .isEqualTo("fb-7".getBytes(StandardCharsets.UTF_8));
        assertThat(serializer.serialize(withoutId, CONTEXT, null).key()).isNull();
        assertThat(
                        AvroSingleObjectCodec.of(DeadLetter.class)
                                .decode(serializer.serialize(withId, CONTEXT, null).value()))
                .isEqualTo(withId);
    }

    @Test
    void survivesJavaSerializationWithItsKeyExtractor() throws Exception {
        AvroKafkaRecordSerializer<TextRecord> original =
                AvroKafkaRecordSerializer.builder(TextRecord.class)
                        .topic("texts")
                        .keyExtractor(r -> "k-" + r.getId())
                        .build();
        AvroKafkaRecordSerializer<TextRecord> copy = roundTripJava(original);
        TextRecord record = TextRecord.newBuilder().setId("a").setText("t").build();

        ProducerRecord<byte[], byte[]> produced = copy.serialize(record, CONTEXT, null);

        assertThat(new String(produced.key(), StandardCharsets.UTF_8)).isEqualTo("k-a");
        assertThat(AvroSingleObjectCodec.of(TextRecord.class).decode(produced.value()))
                .isEqualTo(record);
    }

    @Test
    void builderRejectsBadTopicsAndMismatchedCodecs() {
        assertThatThrownBy(() -> AvroKafkaRecordSerializer.builder(TextRecord.class).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("topic is null, expected a Kafka topic name");
        assertThatThrownBy(
                        () ->
                                AvroKafkaRecordSerializer.builder(TextRecord.class)
                                        .topic("bad topic!")
                                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("topic 'bad topic!' is not a valid Kafka topic name: ");
        @SuppressWarnings({"unchecked", "rawtypes"})
        AvroSingleObjectCodec<TextRecord> wrong = (AvroSingleObjectCodec) AvroSingleObjectCodec.of(DriftReport.class);
        assertThatThrownBy(
                        () ->
                                AvroKafkaRecordSerializer.builder(TextRecord.class)
                                        .topic("t")
                                        .codec(wrong)
                                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "codec is for io.textintel.schemas.DriftReport, expected one for"
                                + " io.textintel.schemas.TextRecord");
    }

    @SuppressWarnings("unchecked")
    private static <T> T roundTripJava(T value) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ObjectOutputStream objects = new ObjectOutputStream(out)) {
            objects.writeObject(value);
        }
        try (ObjectInputStream in =
                new ObjectInputStream(new ByteArrayInputStream(out.toByteArray()))) {
            return (T) in.readObject();
        }
    }

    private static DeadLetter deadLetter(String recordId) {
        return DeadLetter.newBuilder()
                .setOriginalBytes(ByteBuffer.wrap(new byte[] {(byte) 0xff}))
                .setStage(PipelineStage.DECODE)
                .setReason("payload is not valid UTF-8")
                .setRecordId(recordId)
                .setTime(Instant.ofEpochMilli(1_718_000_000_000L))
                .build();
    }
}
