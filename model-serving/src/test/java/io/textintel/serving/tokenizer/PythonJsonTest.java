package io.textintel.serving.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Expected strings are what Python 3's json.dumps(value, ensure_ascii=False, indent=...) writes. */
class PythonJsonTest {

    @Test
    void writesOneLineWithPythonSeparatorsAndKeepsKeyOrder() {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("name", "get_weather");
        value.put("args", List.of(1L, 2.5, true, Map.of()));
        value.put("none", null);
        value.put("text", "naïve \"q\" \\ \n\t\u0001");
        assertThat(PythonJson.dumps(value, null)).isEqualTo("{\"name\": \"get_weather\", \"args\": [1, 2.5, true, {}],"
                + " \"none\": null, \"text\": \"naïve \\\"q\\\" \\\\ \\n\\t\\u0001\"}");
    }

    @Test
    void indentsWithCommasAtLineEnds() {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("a", List.of(1L, List.of()));
        value.put("b", new ArrayList<>());
        assertThat(PythonJson.dumps(value, 2)).isEqualTo("{\n  \"a\": [\n    1,\n    []\n  ],\n  \"b\": []\n}");
    }

    @Test
    void writesFloatsAsPythonsRepr() {
        assertThat(PythonJson.floatRepr(1e-5)).isEqualTo("1e-05");
        assertThat(PythonJson.floatRepr(0.0001)).isEqualTo("0.0001");
        assertThat(PythonJson.floatRepr(1e16)).isEqualTo("1e+16");
        assertThat(PythonJson.floatRepr(1e15)).isEqualTo("1000000000000000.0");
        assertThat(PythonJson.floatRepr(123456789012345678.0)).isEqualTo("1.2345678901234568e+17");
        assertThat(PythonJson.floatRepr(-0.1)).isEqualTo("-0.1");
        assertThat(PythonJson.floatRepr(100.0)).isEqualTo("100.0");
        assertThat(PythonJson.floatRepr(-0.0)).isEqualTo("-0.0");
    }

    @Test
    void refusesValuesJsonCannotHold() {
        assertThatThrownBy(() -> PythonJson.dumps(List.of(new Object()), null))
                .hasMessageContaining("tojson cannot write a java.lang.Object");
    }
}
