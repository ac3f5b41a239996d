package io.textintel.schemas.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.textintel.schemas.DeadLetter;
import io.textintel.schemas.DriftReport;
import io.textintel.schemas.EnrichedDocument;
import io.textintel.schemas.RawRecord;
import io.textintel.schemas.TextRecord;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

class AvroSingleObjectCodecTest {

    private final AvroSingleObjectCodec<TextRecord> codec =
            AvroSingleObjectCodec.of(TextRecord.class);

    @Test
    void roundTripsEveryRecordType() throws Exception {
        assertRoundTrip(TextRecord.class, TestRecords.textRecord());
        assertRoundTrip(EnrichedDocument.class, TestRecords.enrichedDocument());
        assertRoundTrip(DeadLetter.class, TestRecords.deadLetter());
        assertRoundTrip(DriftReport.class, TestRecords.driftReport());
        assertRoundTrip(RawRecord.class, TestRecords.rawRecord());
    }

    @Test
    void writesTheSingleObjectHeader() throws Exception {
        byte[] bytes = codec.encode(TestRecords.textRecord());

        assertThat(bytes[0]).isEqualTo((byte) 0xC3);
        assertThat(bytes[1]).isEqualTo((byte) 0x01);
        long fingerprint = ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat(fingerprint)
                .isEqualTo(codec.fingerprint())
                .isEqualTo(SchemaNormalization.parsingFingerprint64(TextRecord.getClassSchema()));
        // Generated classes use the same encoding: the two must interoperate.
        assertThat(bytes).isEqualTo(toArray(TestRecords.textRecord()));
    }

    @Test
    void rejectsJsonBytesByTheirMagic() {
        byte[] json = "{\"id\":\"a\",\"text\":\"t\"}".getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> codec.decode(json))
                .isInstanceOf(RecordDecodeException.class)
                .hasMessage(
                        "bytes are not Avro single-object encoding: bad magic 0x7b22, expected"
                                + " 0xc301");
    }

    @Test
    void rejectsNullAndShortPayloads() {
        assertThatThrownBy(() -> codec.decode(null))
                .isInstanceOf(RecordDecodeException.class)
                .hasMessage(
                        "payload is null (a Kafka tombstone?), expected Avro single-object"
                                + " encoding");
        assertThatThrownBy(() -> codec.decode(new byte[] {(byte) 0xC3, 0x01, 0}))
                .isInstanceOf(RecordDecodeException.class)
                .hasMessage(
                        "bytes are not Avro single-object encoding: 3 byte(s), expected at least"
                                + " 10 (marker 0xc301 and an 8-byte schema fingerprint)");
    }

    @Test
    void rejectsUnknownFingerprints() {
        byte[] other = AvroSingleObjectCodec.of(DriftReport.class).encode(TestRecords.driftReport());

        assertThatThrownBy(() -> codec.decode(other))
                .isInstanceOf(RecordDecodeException.class)
                .hasMessage(
                        String.format(
                                "Avro writer schema with fingerprint 0x%016x is not known,"
                                        + " expected TextRecord's own (0x%016x) or one of 0"
                                        + " registered writer schema(s)",
                                SchemaNormalization.parsingFingerprint64(
                                        DriftReport.getClassSchema()),
                                codec.fingerprint()));
    }

    @Test
    void rejectsTruncatedAndCorruptBodies() {
        byte[] bytes = codec.encode(TestRecords.textRecord());
        byte[] truncated = Arrays.copyOf(bytes, bytes.length - 5);
        byte[] corrupt = Arrays.copyOf(bytes, bytes.length);
        // The id's length prefix becomes zigzag -1: a negative string length.
        corrupt[10] = 0x01;

        assertThatThrownBy(() -> codec.decode(truncated))
                .isInstanceOf(RecordDecodeException.class)
                .hasMessageStartingWith("Avro body of TextRecord is truncated");
        assertThatThrownBy(() -> codec.decode(corrupt))
                .isInstanceOf(RecordDecodeException.class)
                .hasMessageStartingWith(
                        "Avro body of " + bytes.length + " byte(s) does not match the writer"
                                + " schema of TextRecord: ");
    }

    @Test
    void encodingARecordThatBreaksItsSchemaIsAnArgumentError() {
        TextRecord incomplete = new TextRecord();
        incomplete.setId("a");

        assertThatThrownBy(() -> codec.encode(incomplete))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("TextRecord could not be encoded with its schema: ");
    }

    @Test
    void resolvesAnOlderWriterSchemaRegisteredInItsStore() throws Exception {
        Schema older = olderTextRecordSchema();
        GenericRecord old = new GenericData.Record(older);
        old.put("id", "legacy-1");
        old.put("text", "written before language and attributes existed");
        old.put("eventTime", 1_718_000_000_000L);
        byte[] bytes = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), older).encode(old).array();

        assertThatThrownBy(() -> codec.decode(bytes))
                .isInstanceOf(RecordDecodeException.class)
                .hasMessageContaining("is not known");

        AvroSingleObjectCodec<TextRecord> evolved =
                AvroSingleObjectCodec.builder(TextRecord.class).addWriterSchema(older).build();
        TextRecord decoded = evolved.decode(bytes);

        assertThat(decoded.getId()).isEqualTo("legacy-1");
        assertThat(decoded.getText()).isEqualTo("written before language and attributes existed");
        assertThat(decoded.getEventTime()).isEqualTo(Instant.ofEpochMilli(1_718_000_000_000L));
        assertThat(decoded.getLanguage()).isNull();
        assertThat(decoded.getAttributes()).isEmpty();
    }

    @Test
    void builderRejectsWriterSchemasThatCannotResolve() {
        Schema incompatible =
                new Schema.Parser()
                        .parse(
                                "{\"type\":\"record\",\"name\":\"TextRecord\",\"namespace\":"
                                        + "\"io.textintel.schemas\",\"fields\":["
                                        + "{\"name\":\"id\",\"type\":\"string\"},"
                                        + "{\"name\":\"text\",\"type\":\"int\"}]}");

        assertThatThrownBy(
                        () ->
                                AvroSingleObjectCodec.builder(TextRecord.class)
                                        .addWriterSchema(incompatible)
                                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(
                        "writer schema io.textintel.schemas.TextRecord cannot be read as"
                                + " io.textintel.schemas.TextRecord: ");
    }

    @Test
    void survivesJavaSerializationWithItsWriterSchemas() throws Exception {
        Schema older = olderTextRecordSchema();
        AvroSingleObjectCodec<TextRecord> original =
                AvroSingleObjectCodec.builder(TextRecord.class).addWriterSchema(older).build();
        // Use it first so the transient state exists before serialization.
        byte[] bytes = original.encode(TestRecords.textRecord());

        AvroSingleObjectCodec<TextRecord> copy = roundTripJava(original);

        assertThat(copy.decode(bytes)).isEqualTo(TestRecords.textRecord());
        assertThat(copy.fingerprint()).isEqualTo(original.fingerprint());
        GenericRecord old = new GenericData.Record(older);
        old.put("id", "legacy-2");
        old.put("text", "t");
        byte[] oldBytes =
                new BinaryMessageEncoder<GenericRecord>(GenericData.get(), older).encode(old).array();
        assertThat(copy.decode(oldBytes).getId()).isEqualTo("legacy-2");
    }

    @Test
    void isSafeToShareAcrossThreads() throws Exception {
        int threads = 4;
        int perThread = 2_000;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                results.add(
                        pool.submit(
                                () -> {
                                    int ok = 0;
                                    for (int i = 0; i < perThread; i++) {
                                        TextRecord record =
                                                TextRecord.newBuilder(TestRecords.textRecord())
                                                        .setId(thread + "-" + i)
                                                        .setText("text " + thread + " " + i)
                                                        .build();
                                        if (codec.decode(codec.encode(record)).equals(record)) {
                                            ok++;
                                        }
                                    }
                                    return ok;
                                }));
            }
            for (Future<Integer> result : results) {
                assertThat(result.get()).isEqualTo(perThread);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** TextRecord as it might have been first published: no language, no attributes. */
    static Schema olderTextRecordSchema() {
        return new Schema.Parser()
                .parse(
                        "{\"type\":\"record\",\"name\":\"TextRecord\",\"namespace\":"
                                + "\"io.textintel.schemas\",\"fields\":["
                                + "{\"name\":\"id\",\"type\":\"string\"},"
                                + "{\"name\":\"text\",\"type\":\"string\"},"
                                + "{\"name\":\"source\",\"type\":[\"null\",\"string\"],\"default\":null},"
                                + "{\"name\":\"eventTime\",\"type\":[\"null\",{\"type\":\"long\","
                                + "\"logicalType\":\"timestamp-millis\"}],\"default\":null}]}");
    }

    private static <T extends SpecificRecord> void assertRoundTrip(Class<T> type, T record)
            throws Exception {
        AvroSingleObjectCodec<T> codec = AvroSingleObjectCodec.of(type);

        assertThat(codec.decode(codec.encode(record))).isEqualTo(record);
    }

    private static byte[] toArray(TextRecord record) throws IOException {
        ByteBuffer buffer = record.toByteBuffer();
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
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
}
