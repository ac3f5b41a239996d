package io.textintel.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code textintel sql}: what a bad script says before any job runs. */
class SqlCommandTest {

    @TempDir
    Path dir;

    private final StringWriter err = new StringWriter();

    private int sql(String... arguments) {
        CommandLine cli = TextIntelCommand.commandLine();
        cli.setErr(new PrintWriter(err));
        String[] all = new String[arguments.length + 1];
        all[0] = "sql";
        System.arraycopy(arguments, 0, all, 1, arguments.length);
        return cli.execute(all);
    }

    @Test
    void aMissingScriptIsNamed() {
        Path missing = dir.resolve("pipeline.sql");
        assertThat(sql("-f", missing.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("textintel sql: SQL script " + missing + " does not exist");
    }

    @Test
    void anUnclosedLiteralIsNamedWithItsLine() throws Exception {
        Path script = Files.writeString(dir.resolve("pipeline.sql"), "CREATE TABLE t (id STRING);\nSELECT 'x;\n");
        assertThat(sql("-f", script.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("textintel sql: SQL script " + script
                + ", line 2: a string literal opened with ' is not closed");
    }

    @Test
    void aBadModelOptionStopsTheScriptBeforeItsJobNamingTheOption() throws Exception {
        Path script = Files.writeString(dir.resolve("pipeline.sql"), """
                CREATE TEMPORARY VIEW feedback AS SELECT * FROM (VALUES ('a', 'late parcel')) AS t(id, text);
                CREATE MODEL tagger INPUT (text STRING) OUTPUT (tags ARRAY<ROW<label STRING, score FLOAT>>)
                  WITH ('provider' = 'textintel', 'task' = 'tag', 'model' = '/nowhere/tagger', 'top-k' = '0');
                CREATE TABLE out_t (id STRING, tags ARRAY<ROW<label STRING, score FLOAT>>)
                  WITH ('connector' = 'blackhole');
                INSERT INTO out_t SELECT id, tags FROM ML_PREDICT(TABLE feedback, MODEL tagger, DESCRIPTOR(text));
                """);
        assertThat(sql("-f", script.toString(), "-D", "parallelism.default=1")).isEqualTo(2);
        assertThat(err.toString()).contains("textintel sql: statement 4 (INSERT INTO out_t SELECT id, tags FROM ML_PREDICT(TABLE f...) was"
                + " refused: Unable to create a model"
                + " provider for model").contains("Caused by: model 'tagger': option 'top-k' is 0, expected 1 or more");
    }
}
