package io.textintel.schemas.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.textintel.schemas.TextRecord;
import io.textintel.schemas.codec.TextRecordNormalizer.ControlCharacters;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TextRecordNormalizerTest {

    private final TextRecordNormalizer strip = TextRecordNormalizer.defaults();

    @Test
    void removesControlCharactersButKeepsTabsAndLineBreaksAndRecordsIt() {
        TextRecord record = strip.normalize(record("nul\u0000 bell\u0007 esc\u001b csi\u009b\tok\r\nnext"));

        assertThat(record.getText()).isEqualTo("nul bell esc csi\tok\r\nnext");
        assertThat(record.getNormalizations()).containsExactly("removed-control-characters:text:4");
        assertThat(TextRecordValidator.defaults()).satisfies(v -> v.validate(record));
    }

    @Test
    void leavesACleanRecordAndItsListAlone() {
        TextRecord record = strip.normalize(record("The app crashes 😞 on login\n"));

        assertThat(record.getText()).isEqualTo("The app crashes 😞 on login\n");
        assertThat(record.getNormalizations()).isEmpty();
    }

    @Test
    void replacesUnpairedSurrogatesKeepingPairs() {
        TextRecord record = strip.normalize(record("half \ud83d, pair 😞, low \ude1e"));

        assertThat(record.getText()).isEqualTo("half \ufffd, pair 😞, low \ufffd");
        assertThat(record.getNormalizations()).containsExactly("replaced-unpaired-surrogates:text:2");
    }

    @Test
    void dropsALeadingByteOrderMarkOnly() {
        TextRecord record = strip.normalize(record("\ufeffhello \ufeff world"));

        assertThat(record.getText()).isEqualTo("hello \ufeff world");
        assertThat(record.getNormalizations()).containsExactly("removed-byte-order-mark:text");
    }

    @Test
    void repairsSourceAndAttributeValuesButNotIdsOrKeys() {
        TextRecord record = TextRecord.newBuilder().setId("id\u0000").setText("t").setSource("we\u0001b")
                .setAttributes(Map.of("k\u0002", "v\u0003")).setNormalizations(List.of("derived-id:topic-partition-offset"))
                .build();

        strip.normalize(record);

        assertThat(record.getId()).isEqualTo("id\u0000");
        assertThat(record.getSource()).isEqualTo("web");
        assertThat(record.getAttributes()).containsExactly(Map.entry("k\u0002", "v"));
        assertThat(record.getNormalizations()).containsExactly("derived-id:topic-partition-offset",
                "removed-control-characters:source:1", "removed-control-characters:attributes.k\u0002:1");
    }

    @Test
    void underRejectLeavesControlsForTheValidator() {
        TextRecord record = new TextRecordNormalizer(ControlCharacters.REJECT).normalize(record("nul\u0000"));

        assertThat(record.getText()).isEqualTo("nul\u0000");
        assertThatThrownBy(() -> TextRecordValidator.defaults().validate(record))
                .isInstanceOf(RecordValidationException.class)
                .hasMessageContaining("control character U+0000 at index 3");
    }

    @Test
    void parsesThePolicyByName() {
        assertThat(ControlCharacters.parse(" Strip ")).isEqualTo(ControlCharacters.STRIP);
        assertThat(ControlCharacters.parse("reject")).isEqualTo(ControlCharacters.REJECT);
        assertThatThrownBy(() -> ControlCharacters.parse("drop"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("control-character policy 'drop' is not known, expected strip or reject");
    }

    private static TextRecord record(String text) {
        return TextRecord.newBuilder().setId("a").setText(text).build();
    }
}
