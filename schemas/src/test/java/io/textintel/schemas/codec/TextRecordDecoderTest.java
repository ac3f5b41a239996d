package io.textintel.schemas.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.textintel.schemas.TextRecord;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TextRecordDecoderTest {

    @Test
    void eachFormatDecodesItsOwnEncoding() throws Exception {
        TextRecord record = TestRecords.textRecord();

        assertThat(
                        TextRecordDecoder.forFormat(InputFormat.AVRO)
                                .decode(AvroSingleObjectCodec.of(TextRecord.class).encode(record), "x"))
                .isEqualTo(record);
        assertThat(
                        TextRecordDecoder.forFormat(InputFormat.JSON)
                                .decode(new TextRecordJsonCodec().encode(record), "x"))
                .isEqualTo(record);
        assertThat(
                        TextRecordDecoder.forFormat(InputFormat.TEXT)
                                .decode(record.getText().getBytes(StandardCharsets.UTF_8), "raw-3-7"))
                .isEqualTo(TextRecord.newBuilder().setId("raw-3-7").setText(record.getText()).build());
    }

    @Test
    void formatsRejectEachOthersBytes() {
        byte[] json = "{\"id\":\"a\",\"text\":\"t\"}".getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> TextRecordDecoder.forFormat(InputFormat.AVRO).decode(json, "x"))
                .isInstanceOf(RecordDecodeException.class)
                .hasMessageContaining("bad magic 0x7b22");
    }

    @Test
    void everyDecoderSurvivesJavaSerialization() throws Exception {
        TextRecord record = TestRecords.textRecord();
        Map<InputFormat, byte[]> payloads =
                Map.of(
                        InputFormat.AVRO, AvroSingleObjectCodec.of(TextRecord.class).encode(record),
                        InputFormat.JSON, new TextRecordJsonCodec().encode(record),
                        InputFormat.TEXT, new PlainTextCodec().encode(record));
        for (InputFormat format : InputFormat.values()) {
            TextRecordDecoder copy = roundTripJava(TextRecordDecoder.forFormat(format));

            assertThat(copy.decode(payloads.get(format), "fb-42").getText())
                    .as(format.name())
                    .isEqualTo(record.getText());
        }
    }

    private static TextRecordDecoder roundTripJava(TextRecordDecoder decoder) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ObjectOutputStream objects = new ObjectOutputStream(out)) {
            objects.writeObject(decoder);
        }
        try (ObjectInputStream in =
                new ObjectInputStream(new ByteArrayInputStream(out.toByteArray()))) {
            return (TextRecordDecoder) in.readObject();
        }
    }
}
