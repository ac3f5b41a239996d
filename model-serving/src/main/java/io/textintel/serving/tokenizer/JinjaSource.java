package io.textintel.serving.tokenizer;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A chat template's source prepared for Jinjava so that it renders as Jinja's lexer reads it with
 * transformers' settings, and errors keep the file's line numbers; the Python expressions Jinjava
 * does not parse are rewritten ({@link #pythonExpressions}).
 *
 * <p>{@code trim_blocks} removes the first newline after a block or comment tag. Jinjava's own
 * option does so too but then stops counting those lines, so its errors name the wrong line;
 * instead each such newline is moved into a comment written right after the block tag (or into the
 * comment itself), which renders nothing and keeps the lines counted. Tags ending {@code -%}} strip
 * it anyway; {@code +%}} keeps it, and so does {@code {% raw %}}, as in Jinja; raw content is left
 * alone. Without {@code keep_trailing_newline} Jinja drops the source's last newline.
 */
final class JinjaSource {

    private static final Pattern END_RAW = Pattern.compile("\\{%[-+]?\\s*endraw\\s*[-+]?%}");
    private static final Pattern RAW = Pattern.compile("\\{%[-+]?\\s*raw\\s*[-+]?%}");
    private static final Pattern MACRO = Pattern.compile("[-+]?\\s*(macro|call)\\b");
    private static final String REVERSED = "[::-1]";

    private JinjaSource() {}

    /** {@code source} ready for Jinjava. */
    static String prepare(String source) {
        return blocksAndExpressions(withoutTrailingNewline(source));
    }

    static String withoutTrailingNewline(String source) {
        if (source.endsWith("\r\n")) {
            return source.substring(0, source.length() - 2);
        }
        return source.endsWith("\n") || source.endsWith("\r") ? source.substring(0, source.length() - 1) : source;
    }

    private static String blocksAndExpressions(String s) {
        StringBuilder out = new StringBuilder(s.length());
        int i = 0;
        while (i < s.length()) {
            int open = s.indexOf('{', i);
            if (open < 0 || open + 1 >= s.length()) {
                break;
            }
            char kind = s.charAt(open + 1);
            if (kind != '%' && kind != '#' && kind != '{') {
                out.append(s, i, open + 1);
                i = open + 1;
                continue;
            }
            int close = kind == '#' ? s.indexOf("#}", open + 2) : tagEnd(s, open + 2, kind == '%' ? "%}" : "}}");
            if (close < 0) {
                break; // an unclosed tag: Jinjava reports it
            }
            int end = close + 2;
            char last = s.charAt(close - 1);
            String content = s.substring(open + 2, close);
            out.append(s, i, open + 2).append(kind == '#' || MACRO.matcher(content).lookingAt() ? content
                    : pythonExpressions(content));
            boolean raw = kind == '%' && RAW.matcher(s.substring(open, end)).matches();
            if (kind != '{' && !raw && end < s.length() && s.charAt(end) == '\n' && last != '-' && last != '+') {
                if (kind == '#') {
                    out.append('\n').append(s, close, end);
                } else {
                    out.append(s, close, end).append("{#\n#}");
                }
                i = end + 1;
            } else {
                out.append(s, close, end);
                i = end;
            }
            if (raw) {
                Matcher endRaw = END_RAW.matcher(s);
                if (!endRaw.find(i)) {
                    break;
                }
                out.append(s, i, endRaw.start());
                i = endRaw.start();
            }
        }
        out.append(s, Math.min(i, s.length()), s.length());
        return out.toString();
    }

    /** A filter ({@code x | name}) or test ({@code x is name}) a template uses, and its line. */
    record NamedUse(boolean filter, String name, int line) {}

    /**
     * The filters and tests the tags of {@code source} name. Jinjava renders an unknown filter or test
     * as nothing, where Jinja refuses the template, so they are checked when it loads.
     */
    static List<NamedUse> filtersAndTests(String source) {
        List<NamedUse> uses = new ArrayList<>();
        int i = 0;
        while ((i = source.indexOf('{', i)) >= 0 && i + 1 < source.length()) {
            char kind = source.charAt(i + 1);
            if (kind == '#') {
                int close = source.indexOf("#}", i + 2);
                i = close < 0 ? source.length() : close + 2;
                continue;
            }
            if (kind != '%' && kind != '{') {
                i++;
                continue;
            }
            int close = tagEnd(source, i + 2, kind == '%' ? "%}" : "}}");
            if (close < 0) {
                break;
            }
            namedUses(source, i + 2, close, uses);
            boolean raw = kind == '%' && RAW.matcher(source.substring(i, close + 2)).matches();
            i = close + 2;
            if (raw) {
                Matcher endRaw = END_RAW.matcher(source);
                i = endRaw.find(i) ? endRaw.start() : source.length();
            }
        }
        return uses;
    }

    private static void namedUses(String s, int from, int to, List<NamedUse> uses) {
        for (int j = from; j < to; j++) {
            char c = s.charAt(j);
            if (c == '\'' || c == '"') {
                j = stringEnd(s, j) - 1;
            } else if (c == '|') {
                int start = skipSpaces(s, j + 1, to);
                int end = identifierEnd(s, start, to);
                if (end > start) {
                    uses.add(new NamedUse(true, s.substring(start, end), lineOf(s, j)));
                }
            } else if (s.startsWith("is", j) && (j == from || !Character.isJavaIdentifierPart(s.charAt(j - 1)))
                    && j + 2 < to && Character.isWhitespace(s.charAt(j + 2))) {
                int start = skipSpaces(s, j + 2, to);
                if (s.startsWith("not", start) && start + 3 < to && Character.isWhitespace(s.charAt(start + 3))) {
                    start = skipSpaces(s, start + 3, to);
                }
                int end = identifierEnd(s, start, to);
                if (end > start) {
                    uses.add(new NamedUse(false, s.substring(start, end), lineOf(s, j)));
                }
            }
        }
    }

    private static int skipSpaces(String s, int from, int to) {
        while (from < to && Character.isWhitespace(s.charAt(from))) {
            from++;
        }
        return from;
    }

    private static int identifierEnd(String s, int from, int to) {
        int end = from;
        while (end < to && (Character.isLetterOrDigit(s.charAt(end)) || s.charAt(end) == '_')) {
            end++;
        }
        return end;
    }

    private static int lineOf(String s, int at) {
        int line = 1;
        for (int k = 0; k < at; k++) {
            line += s.charAt(k) == '\n' ? 1 : 0;
        }
        return line;
    }

    /**
     * A tag's expressions with the Python forms Jinjava does not parse rewritten into ones it does:
     * {@code x[::-1]} becomes {@code x|reverse|list}, and keyword arguments of calls get their values
     * parenthesised: Jinjava parses {@code namespace(last=messages|length - 1)} or
     * {@code tojson(indent=2 * 2)} as an operation on the argument itself. Nested mappings' closing
     * braces are spaced apart. Macro and call tags are left alone.
     */
    static String pythonExpressions(String e) {
        StringBuilder out = new StringBuilder(e.length());
        Deque<Character> brackets = new ArrayDeque<>();
        char previous = ' '; // the last non-space character outside strings
        for (int i = 0; i < e.length(); i++) {
            char c = e.charAt(i);
            if (c == '\'' || c == '"') {
                int end = stringEnd(e, i);
                out.append(e, i, end);
                i = end - 1;
                previous = c;
                continue;
            }
            if (e.startsWith(REVERSED, i) && !followedByAccess(e, i + REVERSED.length())) {
                out.append("|reverse|list");
                i += REVERSED.length() - 1;
                previous = 't';
                continue;
            }
            if (Character.isJavaIdentifierStart(c) && !brackets.isEmpty() && brackets.peek() == '('
                    && (previous == '(' || previous == ',')) {
                int name = i;
                while (i < e.length() && Character.isJavaIdentifierPart(e.charAt(i))) {
                    i++;
                }
                int equals = i;
                while (equals < e.length() && e.charAt(equals) == ' ') {
                    equals++;
                }
                boolean keyword = equals < e.length() && e.charAt(equals) == '='
                        && !e.startsWith("==", equals);
                if (keyword) {
                    int valueEnd = argumentEnd(e, equals + 1);
                    String value = e.substring(equals + 1, valueEnd);
                    out.append(e, name, equals + 1).append('(').append(pythonExpressions(value)).append(')');
                    i = valueEnd - 1;
                    previous = ')';
                } else {
                    out.append(e, name, i);
                    i--;
                    previous = 'a';
                }
                continue;
            }
            if (c == '(' || c == '[' || c == '{') {
                brackets.push(c);
            } else if ((c == ')' || c == ']' || c == '}') && !brackets.isEmpty()) {
                brackets.pop();
            }
            if (c != ' ' && c != '\n' && c != '\t') {
                previous = c;
            }
            out.append(c);
            if (c == '}' && i + 1 < e.length() && e.charAt(i + 1) == '}') {
                out.append(' '); // Jinjava's scanner would end the tag at a nested mapping's "}}"
            }
        }
        return out.toString();
    }

    private static boolean followedByAccess(String e, int at) {
        return at < e.length() && (e.charAt(at) == '.' || e.charAt(at) == '[');
    }

    /** The end of a call argument starting at {@code from}: the next top-level comma or closing parenthesis. */
    private static int argumentEnd(String e, int from) {
        int depth = 0;
        for (int j = from; j < e.length(); j++) {
            char c = e.charAt(j);
            if (c == '\'' || c == '"') {
                j = stringEnd(e, j) - 1;
            } else if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                if (depth == 0) {
                    return j;
                }
                depth--;
            } else if (c == ',' && depth == 0) {
                return j;
            }
        }
        return e.length();
    }

    /** The index after the string literal that opens at {@code start}. */
    private static int stringEnd(String e, int start) {
        char quote = e.charAt(start);
        int j = start + 1;
        while (j < e.length() && e.charAt(j) != quote) {
            j += e.charAt(j) == '\\' ? 2 : 1;
        }
        return Math.min(j + 1, e.length());
    }

    /**
     * Where {@code delimiter} closes a tag whose content starts at {@code from}: outside quoted strings
     * and brackets, as Jinja's lexer balances them ({@code {{ {'a': {'b': 1}} }}}); -1 if never.
     */
    private static int tagEnd(String s, int from, String delimiter) {
        int depth = 0;
        for (int j = from; j < s.length(); j++) {
            char c = s.charAt(j);
            if (c == '\'' || c == '"') {
                j = stringEnd(s, j) - 1;
            } else if (depth == 0 && s.startsWith(delimiter, j)) {
                return j;
            } else if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if ((c == ')' || c == ']' || c == '}') && depth > 0) {
                depth--;
            }
        }
        return -1;
    }
}
