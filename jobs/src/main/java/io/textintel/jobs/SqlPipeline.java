package io.textintel.jobs;

import io.textintel.sql.SqlScript;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.ResultKind;
import org.apache.flink.table.api.StatementSet;
import org.apache.flink.table.api.TableException;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A Flink SQL script (DDL, then {@code INSERT INTO} statements) run in an in-process MiniCluster, as
 * {@code textintel sql -f FILE} runs it: every statement but the inserts runs as it comes; the
 * inserts run together as one job (one statement set), whose result is returned.
 */
public final class SqlPipeline {

    private static final Pattern LEADING_COMMENTS = Pattern.compile("\\A(\\s|--[^\n]*\n?|/\\*(?s:.*?)\\*/)*");
    private static final Pattern INSERT = Pattern.compile("(?i)\\A(INSERT|UPSERT)\\s");

    private SqlPipeline() {}

    /** The statements of the script file {@code file}; an unreadable file is named. */
    public static List<String> read(Path file) throws IOException {
        try {
            return SqlScript.statements(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("SQL script " + file.toAbsolutePath() + " does not exist", e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("SQL script " + file.toAbsolutePath() + ", " + e.getMessage(), e);
        }
    }

    /**
     * Runs {@code statements} on a local environment with {@code flink}'s settings.
     *
     * @param out where the results of statements with content (SHOW, DESCRIBE, EXPLAIN) are printed
     * @return the submitted job of the script's inserts, empty when it has none
     */
    public static Optional<TableResult> run(List<String> statements, Configuration flink, PrintStream out) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(flink);
        StreamTableEnvironment tables = StreamTableEnvironment.create(env);
        StatementSet inserts = tables.createStatementSet();
        int insertCount = 0;
        for (int i = 0; i < statements.size(); i++) {
            String statement = statements.get(i);
            String code = LEADING_COMMENTS.matcher(statement).replaceFirst("");
            try {
                if (INSERT.matcher(code).find()) {
                    inserts.addInsertSql(statement);
                    insertCount++;
                    continue;
                }
                TableResult result = tables.executeSql(statement);
                if (result.getResultKind() == ResultKind.SUCCESS_WITH_CONTENT) {
                    result.print();
                }
            } catch (TableException | ValidationException e) {
                throw refused("statement " + (i + 1) + " (" + abbreviate(code) + ")", e);
            }
        }
        if (insertCount == 0) {
            return Optional.empty();
        }
        out.printf("Running %d INSERT statement%s in-process as one job (Ctrl-C to stop)%n", insertCount,
                insertCount == 1 ? "" : "s");
        try {
            return Optional.of(inserts.execute());
        } catch (TableException | ValidationException e) {
            throw refused("the INSERT statements", e);
        }
    }

    /**
     * Flink's refusal of a statement with the messages of its causes: the planner's own message says which
     * model or table failed, its cause what was wrong with it (a textintel option, say).
     */
    private static IllegalArgumentException refused(String what, RuntimeException e) {
        StringBuilder message = new StringBuilder(what).append(" was refused: ").append(e.getMessage());
        for (Throwable cause = e.getCause(); cause != null && cause != cause.getCause(); cause = cause.getCause()) {
            if (cause.getMessage() != null && !message.toString().contains(cause.getMessage())) {
                message.append("\nCaused by: ").append(cause.getMessage());
            }
        }
        return new IllegalArgumentException(message.toString(), e);
    }

    private static String abbreviate(String statement) {
        String line = statement.strip().replaceAll("\\s+", " ");
        return line.length() <= 60 ? line : line.substring(0, 57) + "...";
    }
}
