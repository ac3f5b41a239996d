package io.textintel.schemas.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.textintel.schemas.TextRecord;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.Test;

/** Hostile Avro bodies are rejected before Avro's reader allocates what their length prefixes claim. */
class AvroBodyCheckTest {

    private final AvroSingleObjectCodec<TextRecord> codec = AvroSingleObjectCodec.of(TextRecord.class);

    /** The single-object header of TextRecord followed by {@code body}. */
    private byte[] withHeader(int... unsignedBody) {
        byte[] body = new byte[unsignedBody.length];
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) unsignedBody[i];
        }
        byte[] valid = codec.encode(TestRecords.textRecord());
        byte[] bytes = Arrays.copyOf(valid, AvroSingleObjectCodec.HEADER_LENGTH + body.length);
        System.arraycopy(body, 0, bytes, AvroSingleObjectCodec.HEADER_LENGTH, body.length);
        return bytes;
    }

    @Test
    void aFifteenByteRecordClaimingAGigabyteStringIsRejectedWithoutAllocatingIt() {
        // id: zig-zag varint 0xFEFFFFFF07 = 1_073_741_823 * 2 + ... : a string of about 1 GiB.
        byte[] hostile = withHeader(0xFE, 0xFF, 0xFF, 0xFF, 0x07);

        assertThat(hostile).hasSize(15);
        assertThatThrownBy(() -> codec.decode(hostile))
                .isInstanceOf(RecordDecodeException.class)
                .hasMessage("Avro body of TextRecord is truncated: 15 byte(s) end before the record does (field"
                        + " TextRecord.id declares a string of 1073741823 bytes where 0 are left)");
    }

    @Test
    void aHugeMapCountIsRejected() {
        // id "a", text "b", three null unions, then a map block claiming 2^30 entries.
        byte[] hostile = withHeader(2, 'a', 2, 'b', 0, 0, 0,
                0x80, 0x80, 0x80, 0x80, 0x08, 2, 'k', 2, 'v');

        assertThatThrownBy(() -> codec.decode(hostile))
                .isInstanceOf(RecordDecodeException.class)
                .hasMessageContaining("field TextRecord.attributes declares 1073741824 items, expected at most 4"
                        + " (one per byte left)")
                .extracting(e -> ((RecordDecodeException) e).recordId())
                .isEqualTo("a");
    }

    @Test
    void invalidUtf8InAStringIsRejectedNotReplaced() {
        byte[] hostile = withHeader(2, 'a', 4, 0xC3, 0x28, 0, 0, 0, 0, 0);

        assertThatThrownBy(() -> codec.decode(hostile))
                .isInstanceOf(RecordDecodeException.class)
                .hasMessageContaining("field TextRecord.text is not valid UTF-8");
    }

    @Test
    void badUnionBranchesAndNegativeLengthsAreRejected() {
        assertThatThrownBy(() -> codec.decode(withHeader(2, 'a', 2, 'b', 8, 0, 0, 0, 0)))
                .hasMessageContaining("field TextRecord.source has union branch 4, expected 0 to 1");
        assertThatThrownBy(() -> codec.decode(withHeader(1, 'a')))
                .hasMessageContaining("field TextRecord.id declares a string of -1 bytes, expected a length >= 0");
        assertThatThrownBy(() -> codec.decode(withHeader(0xFF, 0xFF, 0xFF, 0xFF,
                0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF)))
                .hasMessageContaining("variable-length integer longer than 10 bytes");
    }

    @Test
    void itemsThatTakeNoBytesAreCappedAndDeepNestingIsRefused() throws Exception {
        Schema nulls = new Schema.Parser().parse(
                "{\"type\":\"record\",\"name\":\"Nulls\",\"fields\":[{\"name\":\"n\",\"type\":{\"type\":\"array\",\"items\":\"null\"}}]}");
        byte[] manyNulls = {(byte) 0x80, (byte) 0x80, 0x10, 0}; // 131072 nulls in 4 bytes
        assertThatThrownBy(() -> AvroBodyCheck.check(nulls, manyNulls, 0, "Nulls"))
                .hasMessageContaining("declares 131072 items, expected at most 65536 (items that take no bytes)");

        Schema list = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"Node\",\"fields\":["
                + "{\"name\":\"next\",\"type\":[\"null\",\"Node\"]}]}");
        byte[] deep = new byte[AvroBodyCheck.MAX_DEPTH + 1];
        Arrays.fill(deep, (byte) 2); // union branch 1 (Node) again and again
        assertThatThrownBy(() -> AvroBodyCheck.check(list, deep, 0, "Node"))
                .hasMessageContaining("nests deeper than " + AvroBodyCheck.MAX_DEPTH + " levels");
    }

    @Test
    void acceptsWhatAvroItselfWrites() throws Exception {
        Schema schema = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"All\",\"fields\":["
                + "{\"name\":\"b\",\"type\":\"boolean\"},{\"name\":\"i\",\"type\":\"int\"},{\"name\":\"l\",\"type\":\"long\"},"
                + "{\"name\":\"f\",\"type\":\"float\"},{\"name\":\"d\",\"type\":\"double\"},{\"name\":\"s\",\"type\":\"string\"},"
                + "{\"name\":\"y\",\"type\":\"bytes\"},{\"name\":\"x\",\"type\":{\"type\":\"fixed\",\"name\":\"F\",\"size\":3}},"
                + "{\"name\":\"e\",\"type\":{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"B\"]}},"
                + "{\"name\":\"a\",\"type\":{\"type\":\"array\",\"items\":\"string\"}},"
                + "{\"name\":\"m\",\"type\":{\"type\":\"map\",\"values\":\"long\"}}]}");
        GenericRecord record = new GenericData.Record(schema);
        record.put("b", true);
        record.put("i", -7);
        record.put("l", Long.MIN_VALUE);
        record.put("f", 1.5f);
        record.put("d", -2.25);
        record.put("s", "héllo 😞");
        record.put("y", java.nio.ByteBuffer.wrap(new byte[] {1, 2}));
        record.put("x", new GenericData.Fixed(schema.getField("x").schema(), new byte[] {1, 2, 3}));
        record.put("e", new GenericData.EnumSymbol(schema.getField("e").schema(), "B"));
        record.put("a", java.util.List.of("p", "q"));
        record.put("m", java.util.Map.of("k", 5L, "j", 6L));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(schema).write(record, encoder);
        encoder.flush();

        AvroBodyCheck.check(schema, out.toByteArray(), 0, "All");
        byte[] cut = Arrays.copyOf(out.toByteArray(), out.size() - 1);
        assertThatThrownBy(() -> AvroBodyCheck.check(schema, cut, 0, "All"))
                .hasMessageStartingWith("Avro body of All is truncated");
    }

    @Test
    void readsTheLeadingIdOfABrokenBody() {
        byte[] body = withHeader(6, 'f', '-', '7', 0xFF);
        assertThat(AvroBodyCheck.leadingId(TextRecord.getClassSchema(), body, 10, 512)).isEqualTo("f-7");
        assertThat(AvroBodyCheck.leadingId(TextRecord.getClassSchema(), body, 10, 2)).isNull();
        assertThat(AvroBodyCheck.leadingId(TextRecord.getClassSchema(),
                withHeader(4, 0xC3, 0x28), 10, 512)).isNull();
        assertThat(new String(body, 11, 3, StandardCharsets.UTF_8)).isEqualTo("f-7");
    }
}
