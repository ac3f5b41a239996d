package io.textintel.schemas.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class InputFormatTest {

    @Test
    void parsesNamesIgnoringCaseAndWhitespace() {
        assertThat(InputFormat.parse("json")).isEqualTo(InputFormat.JSON);
        assertThat(InputFormat.parse(" Avro ")).isEqualTo(InputFormat.AVRO);
        assertThat(InputFormat.parse("TEXT")).isEqualTo(InputFormat.TEXT);
    }

    @Test
    void configNameParsesBack() {
        for (InputFormat format : InputFormat.values()) {
            assertThat(InputFormat.parse(format.configName())).isEqualTo(format);
        }
    }

    @Test
    void unknownNameListsTheKnownOnes() {
        assertThatThrownBy(() -> InputFormat.parse("xml"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("input format 'xml' is not known, expected one of json, avro, text");
        assertThatThrownBy(() -> InputFormat.parse(null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("input format null is not known, expected one of json, avro, text");
    }
}
