package io.textintel.sql;

import java.util.ArrayList;
import java.util.List;

/**
 * A SQL script split into its statements, as Flink's SQL client reads one: statements end at a
 * {@code ;} outside string literals ({@code '...'}, with {@code ''} inside), quoted identifiers
 * ({@code `...`}) and comments ({@code -- ...} to the end of the line, {@code /* ... *}{@code /}).
 * Comments are kept in the statement text (the parser skips them); blank statements are dropped.
 */
public final class SqlScript {

    private SqlScript() {}

    /**
     * The statements of {@code script}, without their {@code ;}.
     *
     * @throws IllegalArgumentException naming the line where an unclosed literal, identifier or
     *     comment starts
     */
    public static List<String> statements(String script) {
        List<String> statements = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        int line = 1;
        int i = 0;
        while (i < script.length()) {
            char c = script.charAt(i);
            if (c == '\'' || c == '`') {
                int end = closing(script, i, c, line);
                current.append(script, i, end + 1);
                line += count(script, i, end + 1);
                i = end + 1;
            } else if (script.startsWith("--", i)) {
                int end = script.indexOf('\n', i);
                end = end < 0 ? script.length() : end;
                current.append(script, i, end);
                i = end;
            } else if (script.startsWith("/*", i)) {
                int end = script.indexOf("*/", i + 2);
                if (end < 0) {
                    throw new IllegalArgumentException("line " + line + ": a /* comment is not closed, expected */");
                }
                current.append(script, i, end + 2);
                line += count(script, i, end + 2);
                i = end + 2;
            } else if (c == ';') {
                add(statements, current);
                current.setLength(0);
                i++;
            } else {
                if (c == '\n') {
                    line++;
                }
                current.append(c);
                i++;
            }
        }
        add(statements, current);
        return statements;
    }

    /** Where the literal or identifier opened by {@code quote} at {@code start} closes; doubled quotes stay inside. */
    private static int closing(String script, int start, char quote, int line) {
        int i = start + 1;
        while (i < script.length()) {
            if (script.charAt(i) == quote) {
                if (i + 1 < script.length() && script.charAt(i + 1) == quote) {
                    i += 2;
                    continue;
                }
                return i;
            }
            i++;
        }
        throw new IllegalArgumentException("line " + line + ": a " + (quote == '\'' ? "string literal" : "quoted identifier")
                + " opened with " + quote + " is not closed, expected a closing " + quote);
    }

    private static int count(String text, int from, int to) {
        int lines = 0;
        for (int i = from; i < to; i++) {
            if (text.charAt(i) == '\n') {
                lines++;
            }
        }
        return lines;
    }

    private static void add(List<String> statements, StringBuilder statement) {
        String text = statement.toString().strip();
        if (!withoutComments(text).isBlank()) {
            statements.add(text);
        }
    }

    private static String withoutComments(String text) {
        return text.replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("--[^\n]*", "");
    }
}
