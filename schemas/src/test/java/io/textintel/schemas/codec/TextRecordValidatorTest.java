package io.textintel.schemas.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.textintel.schemas.PipelineStage;
import io.textintel.schemas.TextRecord;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TextRecordValidatorTest {

    private final TextRecordValidator validator = TextRecordValidator.defaults();

    @Test
    void acceptsAnOrdinaryRecordWithWhitespaceAndEmoji() {
        TextRecord record =
                record("id-1", "Line one\n\tline two\r\nand 👋 emoji")
                        .setSource("web")
                        .setLanguage("pt-BR")
                        .setAttributes(Map.of("plan", "pro"))
                        .build();

        assertThatCode(() -> validator.validate(record)).doesNotThrowAnyException();
    }

    @Test
    void rejectsTextLongerThanTheLimitInCodePoints() throws Exception {
        TextRecordValidator small = TextRecordValidator.builder().maxTextCodePoints(3).build();

        // Three emoji are six UTF-16 units but three code points: accepted.
        small.validate(record("a", "👋👋👋").build());
        assertThatThrownBy(() -> small.validate(record("a", "abcd").build()))
                .isInstanceOf(RecordValidationException.class)
                .hasMessage(
                        "field 'text' has more than 3 code points (4 UTF-16 units), expected at"
                                + " most 3")
                .extracting(e -> ((RecordValidationException) e).stage())
                .isEqualTo(PipelineStage.VALIDATE);
    }

    @Test
    void rejectsControlCharactersInText() {
        assertThatThrownBy(() -> validator.validate(record("a", "bell\u0007here").build()))
                .isInstanceOf(RecordValidationException.class)
                .hasMessage(
                        "field 'text' has control character U+0007 at index 4, expected printable"
                                + " characters, tabs and line breaks");
        assertThatThrownBy(() -> validator.validate(record("a", "nul\u0000").build()))
                .hasMessageContaining("control character U+0000 at index 3");
        assertThatThrownBy(() -> validator.validate(record("a", "c1\u009b").build()))
                .hasMessageContaining("control character U+009B at index 2");
    }

    @Test
    void rejectsTextWithoutAnyVisibleCharacter() {
        assertThatThrownBy(() -> validator.validate(record("a", "\u200b\u200c\u200d\u2060\ufeff").build()))
                .isInstanceOf(RecordValidationException.class)
                .hasMessage("field 'text' has no visible characters (5 code points of whitespace, format or"
                        + " filler characters such as U+200B), expected at least one visible character");
        assertThatThrownBy(() -> validator.validate(record("a", " \u3164\ufe0f\u00a0\u2800").build()))
                .hasMessageContaining("no visible characters");
        // Emoji alone, a zero-width joiner sequence, and an emoji newer than Java 17's Unicode tables.
        assertThatCode(() -> validator.validate(record("a", "👍").build())).doesNotThrowAnyException();
        assertThatCode(() -> validator.validate(record("a", "\u200b👩\u200d💻").build())).doesNotThrowAnyException();
        assertThatCode(() -> validator.validate(record("a", "\ud83e\udee0").build())).doesNotThrowAnyException();
    }

    @Test
    void rejectsUnpairedSurrogates() {
        assertThatThrownBy(() -> validator.validate(record("a", "half \ud83d").build()))
                .isInstanceOf(RecordValidationException.class)
                .hasMessage(
                        "field 'text' has an unpaired surrogate U+D83D at index 5, expected"
                                + " well-formed Unicode");
    }

    @Test
    void rejectsBlankTextAndId() {
        assertThatThrownBy(() -> validator.validate(record("a", " \n ").build()))
                .isInstanceOf(RecordValidationException.class)
                .hasMessage(
                        "field 'text' is blank (3 whitespace characters), expected a non-blank"
                                + " string");
        assertThatThrownBy(() -> validator.validate(record("", "t").build()))
                .hasMessage("field 'id' is empty, expected a non-blank string");
    }

    @Test
    void rejectsIdsElasticsearchCannotTake() throws Exception {
        // 'é' is two UTF-8 bytes: 256 of them are 512 bytes, the limit; one more is too many.
        validator.validate(record("é".repeat(256), "t").build());
        assertThatThrownBy(() -> validator.validate(record("é".repeat(256) + "x", "t").build()))
                .isInstanceOf(RecordValidationException.class)
                .hasMessageStartingWith("field 'id' has 513 UTF-8 bytes (starts with \"éééé")
                .hasMessageEndingWith("...\"), expected at most 512");
        assertThatThrownBy(() -> validator.validate(record("a\tb", "t").build()))
                .hasMessage(
                        "field 'id' has control character U+0009 at index 1, expected printable"
                                + " characters only");
    }

    @Test
    void rejectsMalformedLanguageTags() {
        assertThatThrownBy(() -> validator.validate(record("a", "t").setLanguage("en_US!").build()))
                .isInstanceOf(RecordValidationException.class)
                .hasMessageStartingWith(
                        "field 'language' has value \"en_US!\", expected a well-formed BCP-47"
                                + " language tag such as \"en\" or \"pt-BR\"");
    }

    @Test
    void rejectsTooManyOrBadAttributes() {
        TextRecordValidator small =
                TextRecordValidator.builder().maxAttributes(1).maxAttributeCodePoints(4).build();
        Map<String, String> two = new HashMap<>(Map.of("a", "1", "b", "2"));

        assertThatThrownBy(() -> small.validate(record("a", "t").setAttributes(two).build()))
                .isInstanceOf(RecordValidationException.class)
                .hasMessage("field 'attributes' has 2 entries, expected at most 1");
        assertThatThrownBy(
                        () ->
                                small.validate(
                                        record("a", "t")
                                                .setAttributes(Map.of("k", "12345"))
                                                .build()))
                .hasMessage(
                        "field 'attributes.k' has more than 4 code points (5 UTF-16 units),"
                                + " expected at most 4");
        assertThatThrownBy(
                        () ->
                                validator.validate(
                                        record("a", "t")
                                                .setAttributes(Map.of("k", "x\u001by"))
                                                .build()))
                .hasMessageStartingWith("field 'attributes.k' has control character U+001B");
    }

    @Test
    void builderRejectsNonsensicalLimits() {
        assertThatThrownBy(() -> TextRecordValidator.builder().maxTextCodePoints(0).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxTextCodePoints is 0, expected > 0");
        assertThatThrownBy(() -> TextRecordValidator.builder().maxIdBytes(600).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "maxIdBytes is 600, expected at most 512: Elasticsearch rejects longer _id"
                                + " values");
        assertThatThrownBy(() -> TextRecordValidator.builder().maxAttributes(-1).build())
                .hasMessage("maxAttributes is -1, expected >= 0");
    }

    @Test
    void defaultsAreDocumentedValues() {
        assertThat(validator.maxTextCodePoints()).isEqualTo(1_000_000);
        assertThat(validator.maxIdBytes()).isEqualTo(512);
    }

    private static TextRecord.Builder record(String id, String text) {
        return TextRecord.newBuilder().setId(id).setText(text);
    }
}
