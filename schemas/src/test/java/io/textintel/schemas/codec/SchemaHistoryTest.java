package io.textintel.schemas.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.textintel.schemas.DeadLetter;
import io.textintel.schemas.EnrichedDocument;
import io.textintel.schemas.SummaryInfo;
import io.textintel.schemas.TextRecord;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

/**
 * The schemas as they were in release 0.1 (copied under {@code src/test/resources/avro-0.1}) and the
 * current ones read each other's records: the fields added since (dead-letter length and hash,
 * normalizations, summarised tokens, the dead-letter reason code) are optional with defaults.
 */
class SchemaHistoryTest {

    private static final List<String> ORDER = List.of("KafkaProvenance", "TopicTag", "ModelRef", "SummaryInfo",
            "TextRecord", "EnrichedDocument", "DeadLetter");

    @Test
    void everyChangedSchemaIsCompatibleBothWaysWithItsReleasedVersion() throws IOException {
        Schema.Parser parser = new Schema.Parser();
        for (String name : ORDER) {
            try (InputStream in = getClass().getResourceAsStream("/avro-0.1/" + name + ".avsc")) {
                parser.parse(in);
            }
        }
        for (Schema current : List.of(DeadLetter.getClassSchema(), TextRecord.getClassSchema(),
                EnrichedDocument.getClassSchema(), SummaryInfo.getClassSchema())) {
            Schema released = parser.getTypes().get(current.getFullName());
            assertThat(SchemaCompatibility.checkReaderWriterCompatibility(current, released).getType())
                    .as("current %s reads released data", current.getName())
                    .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
            assertThat(SchemaCompatibility.checkReaderWriterCompatibility(released, current).getType())
                    .as("released %s reads current data", current.getName())
                    .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
        }
    }

    @Test
    void aReleasedDeadLetterDecodesWithTheNewFieldsAtTheirDefaults() throws Exception {
        Schema.Parser parser = new Schema.Parser();
        for (String name : List.of("KafkaProvenance", "DeadLetter")) {
            try (InputStream in = getClass().getResourceAsStream("/avro-0.1/" + name + ".avsc")) {
                parser.parse(in);
            }
        }
        Schema released = parser.getTypes().get("io.textintel.schemas.DeadLetter");
        GenericRecord old = new GenericData.Record(released);
        old.put("originalBytes", ByteBuffer.wrap(new byte[] {1, 2, 3}));
        old.put("stage", new GenericData.EnumSymbol(released.getField("stage").schema(), "DECODE"));
        old.put("reason", "bad");
        old.put("time", 1_700_000_000_000L);
        byte[] bytes = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), released).encode(old).array();

        DeadLetter read = codecReading(DeadLetter.class, released).decode(bytes);

        assertThat(read.getReason()).isEqualTo("bad");
        assertThat(read.getTime()).isEqualTo(Instant.ofEpochMilli(1_700_000_000_000L));
        assertThat(read.getOriginalLength()).isNull();
        assertThat(read.getOriginalSha256()).isNull();
        assertThat(read.getReasonCode()).isNull();
    }

    @Test
    void aReleasedReaderReadsACurrentDeadLetterWithoutItsReasonCode() throws Exception {
        Schema.Parser parser = new Schema.Parser();
        for (String name : List.of("KafkaProvenance", "DeadLetter")) {
            try (InputStream in = getClass().getResourceAsStream("/avro-0.1/" + name + ".avsc")) {
                parser.parse(in);
            }
        }
        Schema released = parser.getTypes().get("io.textintel.schemas.DeadLetter");
        DeadLetter current = TestRecords.deadLetter();
        byte[] bytes = new BinaryMessageEncoder<DeadLetter>(
                new SpecificData(), DeadLetter.getClassSchema()).encode(current).array();
        BinaryMessageDecoder<GenericRecord> oldConsumer =
                new BinaryMessageDecoder<>(GenericData.get(), released);
        oldConsumer.addSchema(DeadLetter.getClassSchema());

        GenericRecord read = oldConsumer.decode(bytes);

        assertThat(read.get("reason").toString()).isEqualTo(current.getReason());
        assertThat(read.getSchema().getField("reasonCode")).isNull();
    }

    private static <T extends SpecificRecord> AvroSingleObjectCodec<T> codecReading(Class<T> type, Schema writer) {
        return AvroSingleObjectCodec.builder(type).addWriterSchema(writer).build();
    }
}
