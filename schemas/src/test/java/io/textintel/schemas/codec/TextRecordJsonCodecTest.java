package io.textintel.schemas.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.textintel.schemas.TextRecord;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class TextRecordJsonCodecTest {

    private final TextRecordJsonCodec codec = new TextRecordJsonCodec();

    @Test
    void decodesEveryField() throws Exception {
        TextRecord record =
                decode(
                        "{\"id\": \"f-1\", \"text\": \"App crashes\", \"source\": \"android\","
                                + " \"language\": \"en\", \"eventTime\": 1718000000000,"
                                + " \"attributes\": {\"plan\": \"pro\", \"stars\": 2, \"paid\": true,"
                                + " \"price\": 4.50, \"gone\": null}}");

        assertThat(record.getId()).isEqualTo("f-1");
        assertThat(record.getText()).isEqualTo("App crashes");
        assertThat(record.getSource()).isEqualTo("android");
        assertThat(record.getLanguage()).isEqualTo("en");
        assertThat(record.getEventTime()).isEqualTo(Instant.ofEpochMilli(1718000000000L));
        assertThat(record.getAttributes())
                .containsExactly(
                        Map.entry("plan", "pro"),
                        Map.entry("stars", "2"),
                        Map.entry("paid", "true"),
                        Map.entry("price", "4.50"));
    }

    @Test
    void decodesMinimalObjectWithIntegerId() throws Exception {
        TextRecord record = decode("{\"id\": 12345678901234567890, \"text\": \"hi\"}");

        assertThat(record.getId()).isEqualTo("12345678901234567890");
        assertThat(record.getSource()).isNull();
        assertThat(record.getLanguage()).isNull();
        assertThat(record.getEventTime()).isNull();
        assertThat(record.getAttributes()).isEmpty();
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "\"2024-06-10T06:13:20Z\"|1718000000000",
                "\"2024-06-10T08:13:20.5+02:00\"|1718000000500",
                "1718000000000|1718000000000",
                "-1000|-1000"
            })
    void readsEventTimeUnderEitherName(String value, long expectedMillis) throws Exception {
        Instant expected = Instant.ofEpochMilli(expectedMillis);

        assertThat(decode("{\"id\":\"a\",\"text\":\"t\",\"event_time\":" + value + "}").getEventTime())
                .isEqualTo(expected);
        assertThat(decode("{\"id\":\"a\",\"text\":\"t\",\"eventTime\":" + value + "}").getEventTime())
                .isEqualTo(expected);
    }

    @Test
    void keepsUnknownTopLevelScalarsAsAttributes() throws Exception {
        TextRecord record =
                decode(
                        "{\"id\":\"a\",\"text\":\"t\",\"channel\":\"email\",\"score\":7,"
                                + "\"vip\":false,\"note\":null,\"attributes\":{\"plan\":\"pro\"}}");

        assertThat(record.getAttributes())
                .containsExactly(
                        Map.entry("plan", "pro"),
                        Map.entry("channel", "email"),
                        Map.entry("score", "7"),
                        Map.entry("vip", "false"));
    }

    @Test
    void roundTripsAFullRecord() throws Exception {
        TextRecord record =
                TextRecord.newBuilder()
                        .setId("id-ü")
                        .setText("Line one\nline \"two\" \u2603")
                        .setSource("web")
                        .setLanguage("de-CH")
                        .setEventTime(Instant.parse("2024-01-02T03:04:05.678Z"))
                        .setAttributes(Map.of("k", "v", "n", "1"))
                        .build();

        byte[] json = codec.encode(record);

        assertThat(codec.decode(json)).isEqualTo(record);
        assertThat(new String(json, StandardCharsets.UTF_8))
                .contains("\"eventTime\":\"2024-01-02T03:04:05.678Z\"");
    }

    @Test
    void encodingOmitsNullFieldsAndTruncatesToMillis() throws Exception {
        TextRecord record =
                TextRecord.newBuilder()
                        .setId("a")
                        .setText("t")
                        .setEventTime(Instant.parse("2024-01-02T03:04:05.678999Z"))
                        .build();

        assertThat(new String(codec.encode(record), StandardCharsets.UTF_8))
                .isEqualTo("{\"id\":\"a\",\"text\":\"t\",\"eventTime\":\"2024-01-02T03:04:05.678Z\"}");
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '`',
            value = {
                "{\"text\":\"t\"}|field 'id' is missing, expected a non-blank string or an integer",
                "{\"id\":null,\"text\":\"t\"}|field 'id' is missing, expected a non-blank string or an integer",
                "{\"id\":\" \",\"text\":\"t\"}|field 'id' is blank (\" \"), expected a non-blank string or an integer",
                "{\"id\":1.5,\"text\":\"t\"}|field 'id' is a number (1.5), expected a non-blank string or an integer",
                "{\"id\":true,\"text\":\"t\"}|field 'id' is a boolean (true), expected a non-blank string or an integer",
                "{\"id\":\"a\"}|field 'text' is missing, expected a non-blank string",
                "{\"id\":\"a\",\"text\":\"\"}|field 'text' is blank (\"\"), expected a non-blank string",
                "{\"id\":\"a\",\"text\":42}|field 'text' is a number (42), expected a non-blank string",
                "{\"id\":\"a\",\"text\":[\"x\"]}|field 'text' is an array, expected a non-blank string",
                "{\"id\":\"a\",\"text\":\"t\",\"source\":{}}|field 'source' is an object, expected a string",
                "{\"id\":\"a\",\"text\":\"t\",\"language\":7}|field 'language' is a number (7), expected a string",
                "{\"id\":\"a\",\"text\":\"t\",\"eventTime\":\"yesterday\"}|field 'eventTime' has value \"yesterday\", expected epoch milliseconds or an ISO-8601 instant such as \"2024-06-10T06:13:20Z\"",
                "{\"id\":\"a\",\"text\":\"t\",\"event_time\":\"2024-06-10T06:13:20\"}|field 'event_time' has value \"2024-06-10T06:13:20\", expected epoch milliseconds or an ISO-8601 instant such as \"2024-06-10T06:13:20Z\"",
                "{\"id\":\"a\",\"text\":\"t\",\"eventTime\":1.5e12}|field 'eventTime' is a number (1.5E+12), expected epoch milliseconds or an ISO-8601 instant",
                "{\"id\":\"a\",\"text\":\"t\",\"eventTime\":99999999999999999999}|field 'eventTime' has value 99999999999999999999, which does not fit in 64 bits; expected epoch milliseconds or an ISO-8601 instant",
                "{\"id\":\"a\",\"text\":\"t\",\"eventTime\":true}|field 'eventTime' is a boolean (true), expected epoch milliseconds or an ISO-8601 instant",
                "{\"id\":\"a\",\"text\":\"t\",\"eventTime\":1,\"event_time\":2}|fields 'eventTime' and 'event_time' are both present, expected at most one",
                "{\"id\":\"a\",\"text\":\"t\",\"attributes\":[]}|field 'attributes' is an array, expected an object",
                "{\"id\":\"a\",\"text\":\"t\",\"plan\":\"x\",\"attributes\":{\"plan\":\"y\"}}|attribute 'plan' is given both as a top-level field and inside 'attributes', expected one or the other",
                "[1,2]|payload is an array, expected a JSON object",
                "\"text\"|payload is a string, expected a JSON object",
                "null|payload is null, expected a JSON object",
            })
    void rejectsBadFieldsNamingValueAndExpectation(String json, String message) {
        assertThatThrownBy(() -> decode(json))
                .isInstanceOf(RecordDecodeException.class)
                .hasMessage(message);
    }

    @Test
    void rejectsSyntaxErrorsWithTheirLocation() {
        assertThatThrownBy(() -> decode("{\"id\":\"a\",\n \"text\": }"))
                .isInstanceOf(RecordDecodeException.class)
                .hasMessageStartingWith("payload is not valid JSON: Unexpected character ('}'")
                .hasMessageEndingWith("(line 2, column 10)");
    }

    @Test
    void rejectsDuplicateKeysAndTrailingContent() {
        assertThatThrownBy(() -> decode("{\"id\":\"a\",\"text\":\"t\",\"text\":\"u\"}"))
                .isInstanceOf(RecordDecodeException.class)
                .hasMessageStartingWith("payload is not valid JSON: Duplicate field 'text'");
        assertThatThrownBy(() -> decode("{\"id\":\"a\",\"text\":\"t\"} {}"))
                .isInstanceOf(RecordDecodeException.class)
                .hasMessageStartingWith("payload is not valid JSON: Trailing token");
    }

    @Test
    void rejectsEmptyNullAndNonUtf8Payloads() {
        assertThatThrownBy(() -> codec.decode(new byte[0]))
                .isInstanceOf(RecordDecodeException.class)
                .hasMessage("payload is empty (0 byte(s) of whitespace), expected a JSON object");
        assertThatThrownBy(() -> codec.decode(" \n".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(RecordDecodeException.class)
                .hasMessage("payload is empty (2 byte(s) of whitespace), expected a JSON object");
        assertThatThrownBy(() -> codec.decode(null))
                .isInstanceOf(RecordDecodeException.class)
                .hasMessage("payload is null (a Kafka tombstone?), expected a JSON object");
        byte[] latin1 = "{\"id\":\"a\",\"text\":\"caf\u00e9\"}".getBytes(StandardCharsets.ISO_8859_1);
        assertThatThrownBy(() -> codec.decode(latin1))
                .isInstanceOf(RecordDecodeException.class)
                .hasMessageStartingWith("payload is not valid UTF-8: malformed sequence")
                .hasMessageContaining("starting with 0xe9 at byte offset 21 of 24");
    }

    @Test
    void ignoresTheDerivedIdBecauseJsonCarriesItsOwn() throws Exception {
        byte[] json = "{\"id\":\"own\",\"text\":\"t\"}".getBytes(StandardCharsets.UTF_8);

        TextRecord record = codec.decode(json, "raw-0-1");
        assertThat(record.getId()).isEqualTo("own");
        assertThat(record.getNormalizations()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"text\":\"t\"}", "{\"id\":null,\"text\":\"t\"}", "{\"id\":\"  \",\"text\":\"t\"}"})
    void givesARecordWithoutIdTheDerivedIdAndRecordsIt(String json) throws Exception {
        TextRecord record = codec.decode(json.getBytes(StandardCharsets.UTF_8), "feedback-2-17");

        assertThat(record.getId()).isEqualTo("feedback-2-17");
        assertThat(record.getNormalizations()).containsExactly("derived-id:topic-partition-offset");
    }

    @Test
    void keepsObjectAndArrayAttributesAsTheirJsonText() throws Exception {
        TextRecord record = decode("{\"id\":\"a\",\"text\":\"t\",\"unexpected\":{\"x\": 1, \"y\": [true, null]},"
                + "\"attributes\":{\"tags\":[\"x\", 2]}}");

        assertThat(record.getAttributes())
                .containsEntry("unexpected", "{\"x\":1,\"y\":[true,null]}")
                .containsEntry("tags", "[\"x\",2]");
        assertThat(record.getNormalizations())
                .containsExactlyInAnyOrder("json-text-attribute:unexpected", "json-text-attribute:tags");
    }

    @Test
    void rejectionsCarryTheIdWhenItCouldBeRead() {
        assertThatThrownBy(() -> decode("{\"id\":\"f-7\",\"text\":42}"))
                .isInstanceOf(RecordDecodeException.class)
                .extracting(e -> ((RecordDecodeException) e).recordId())
                .isEqualTo("f-7");
        assertThatThrownBy(() -> decode("{\"id\": 1029, \"text\": \"broken"))
                .isInstanceOf(RecordDecodeException.class)
                .hasMessageStartingWith("payload is not valid JSON")
                .extracting(e -> ((RecordDecodeException) e).recordId())
                .isEqualTo("1029");
        assertThatThrownBy(() -> decode("{\"text\": \"broken\", \"nested\": {\"id\": \"inner\"}, }"))
                .extracting(e -> ((RecordDecodeException) e).recordId())
                .isNull();
        byte[] badText = "{\"id\":\"f-8\",\"text\":\"caf\u00e9\"}".getBytes(StandardCharsets.ISO_8859_1);
        assertThatThrownBy(() -> codec.decode(badText))
                .hasMessageStartingWith("payload is not valid UTF-8")
                .extracting(e -> ((RecordDecodeException) e).recordId())
                .isEqualTo("f-8");
        byte[] badId = "{\"id\":\"caf\u00e9\",\"text\":\"t\"}".getBytes(StandardCharsets.ISO_8859_1);
        assertThatThrownBy(() -> codec.decode(badId))
                .extracting(e -> ((RecordDecodeException) e).recordId())
                .isNull();
        assertThatThrownBy(() -> decode("[{\"id\":\"in-array\"}]"))
                .extracting(e -> ((RecordDecodeException) e).recordId())
                .isNull();
    }

    @Test
    void rejectsNestingDeeperThanJacksonsLimitAsInvalidJson() {
        String deep = "{\"id\":\"d\",\"text\":\"t\",\"x\":" + "[".repeat(5000) + "]".repeat(5000) + "}";

        assertThatThrownBy(() -> decode(deep))
                .isInstanceOf(RecordDecodeException.class)
                .hasMessageStartingWith("payload is not valid JSON")
                .hasMessageContaining("nesting depth")
                .extracting(e -> ((RecordDecodeException) e).recordId())
                .isEqualTo("d");
    }

    private TextRecord decode(String json) throws RecordDecodeException {
        return codec.decode(json.getBytes(StandardCharsets.UTF_8));
    }
}
