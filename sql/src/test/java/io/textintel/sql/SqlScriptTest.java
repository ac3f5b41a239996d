package io.textintel.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SqlScriptTest {

    @Test
    void splitsAtSemicolonsOutsideLiteralsIdentifiersAndComments() {
        String script = """
                -- the model; with labels
                CREATE MODEL m INPUT (text STRING) OUTPUT (tags ARRAY<ROW<label STRING, score FLOAT>>)
                WITH ('labels' = 'billing;delivery', 'prefix' = 'it''s; fine');
                /* a block; comment */
                INSERT INTO `odd;name` SELECT 1;

                ;  -- only a comment here;
                """;
        assertThat(SqlScript.statements(script)).containsExactly(
                "-- the model; with labels\nCREATE MODEL m INPUT (text STRING) OUTPUT (tags ARRAY<ROW<label STRING,"
                        + " score FLOAT>>)\nWITH ('labels' = 'billing;delivery', 'prefix' = 'it''s; fine')",
                "/* a block; comment */\nINSERT INTO `odd;name` SELECT 1");
    }

    @Test
    void aLastStatementWithoutSemicolonCounts() {
        assertThat(SqlScript.statements("SELECT 1; SELECT 2")).containsExactly("SELECT 1", "SELECT 2");
    }

    @Test
    void anUnclosedLiteralIsNamedWithItsLine() {
        assertThatThrownBy(() -> SqlScript.statements("SELECT 1;\nSELECT 'abc;\n"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("line 2: a string literal opened with ' is not closed, expected a closing '");
        assertThatThrownBy(() -> SqlScript.statements("SELECT 1 /* open"))
                .hasMessage("line 1: a /* comment is not closed, expected */");
    }
}
