package io.textintel.schemas.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.textintel.schemas.PipelineStage;
import io.textintel.schemas.TextRecord;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PlainTextCodecTest {

    private final PlainTextCodec codec = new PlainTextCodec();

    @Test
    void decodesTextWithTheGivenId() throws Exception {
        TextRecord record = codec.decode(utf8("Bonjour, ça va ? 👋"), "raw-0-42");

        assertThat(record.getId()).isEqualTo("raw-0-42");
        assertThat(record.getText()).isEqualTo("Bonjour, ça va ? 👋");
        assertThat(record.getSource()).isNull();
        assertThat(record.getEventTime()).isNull();
        assertThat(record.getAttributes()).isEmpty();
    }

    @Test
    void dropsOneTrailingLineTerminatorAndTheByteOrderMark() throws Exception {
        assertThat(codec.decode(utf8("line\n"), "a").getText()).isEqualTo("line");
        assertThat(codec.decode(utf8("line\r\n"), "a").getText()).isEqualTo("line");
        assertThat(codec.decode(utf8("two\nlines\n\n"), "a").getText()).isEqualTo("two\nlines\n");
        assertThat(codec.decode(utf8("\uFEFFmarked"), "a").getText()).isEqualTo("marked");
    }

    @Test
    void roundTripsTheText() throws Exception {
        TextRecord record = TextRecord.newBuilder().setId("x").setText("naïve café").build();

        assertThat(codec.decode(codec.encode(record), "x")).isEqualTo(record);
    }

    @Test
    void rejectsInvalidUtf8WithOffsetAndByte() {
        byte[] payload = {'o', 'k', (byte) 0xff, 'x'};

        assertThatThrownBy(() -> codec.decode(payload, "a"))
                .isInstanceOf(RecordDecodeException.class)
                .hasMessage(
                        "payload is not valid UTF-8: malformed sequence of 1 byte(s) starting with"
                                + " 0xff at byte offset 2 of 4")
                .extracting(e -> ((RecordDecodeException) e).stage())
                .isEqualTo(PipelineStage.DECODE);
        assertThatThrownBy(() -> codec.decode(payload, "feedback-0-9"))
                .extracting(e -> ((RecordDecodeException) e).recordId())
                .as("the rejection names the id the record would have had")
                .isEqualTo("feedback-0-9");
    }

    @Test
    void rejectsTruncatedMultiByteSequenceAndEncodedSurrogate() {
        byte[] truncated = {'a', (byte) 0xe2, (byte) 0x82};
        byte[] surrogate = {(byte) 0xed, (byte) 0xa0, (byte) 0x80};

        assertThatThrownBy(() -> codec.decode(truncated, "a"))
                .isInstanceOf(RecordDecodeException.class)
                .hasMessageContaining("starting with 0xe2 at byte offset 1 of 3");
        assertThatThrownBy(() -> codec.decode(surrogate, "a"))
                .isInstanceOf(RecordDecodeException.class)
                .hasMessageContaining("starting with 0xed at byte offset 0 of 3");
    }

    @Test
    void rejectsBlankEmptyAndNullPayloads() {
        assertThatThrownBy(() -> codec.decode(utf8(" \t\n"), "a"))
                .isInstanceOf(RecordDecodeException.class)
                .hasMessage("payload is blank (3 byte(s)), expected a line of non-blank UTF-8 text");
        assertThatThrownBy(() -> codec.decode(new byte[0], "a"))
                .isInstanceOf(RecordDecodeException.class)
                .hasMessage("payload is blank (0 byte(s)), expected a line of non-blank UTF-8 text");
        assertThatThrownBy(() -> codec.decode(null, "a"))
                .isInstanceOf(RecordDecodeException.class)
                .hasMessage("payload is null (a Kafka tombstone?), expected a line of UTF-8 text")
                .extracting(e -> ((RecordDecodeException) e).recordId())
                .isEqualTo("a");
    }

    @Test
    void rejectsAMissingIdAsACallerError() {
        assertThatThrownBy(() -> codec.decode(utf8("text"), " "))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "id is blank (\" \"), expected a non-blank id derived from the record's"
                                + " provenance");
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
