package io.textintel.serving.tokenizer;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A chat template's source prepared for Jinjava so that it renders as Jinja's lexer reads it with
 * transformers' settings, and errors keep the file's line numbers.
 *
 * <p>{@code trim_blocks} removes the first newline after a block or comment tag. Jinjava's own
 * option does so too but then stops counting those lines, so its errors name the wrong line;
 * instead each such newline is moved into a comment written right after the block tag (or into the
 * comment itself), which renders nothing and keeps the lines counted. Tags ending {@code -%}} strip
 * it anyway; {@code +%}} keeps it, and so does {@code {% raw %}}, as in Jinja; raw content is left
 * alone. Without {@code keep_trailing_newline} Jinja
 * drops the source's last newline.
 */
final class JinjaSource {

    private static final Pattern END_RAW = Pattern.compile("\\{%[-+]?\\s*endraw\\s*[-+]?%}");
    private static final Pattern RAW = Pattern.compile("\\{%[-+]?\\s*raw\\s*[-+]?%}");

    private JinjaSource() {}

    /** {@code source} ready for Jinjava. */
    static String prepare(String source) {
        return trimBlocks(withoutTrailingNewline(source));
    }

    static String withoutTrailingNewline(String source) {
        if (source.endsWith("\r\n")) {
            return source.substring(0, source.length() - 2);
        }
        return source.endsWith("\n") || source.endsWith("\r") ? source.substring(0, source.length() - 1) : source;
    }

    static String trimBlocks(String s) {
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
            out.append(s, i, close);
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

    /** Where {@code delimiter} closes a tag whose content starts at {@code from}, skipping quoted strings; -1 if never. */
    private static int tagEnd(String s, int from, String delimiter) {
        for (int j = from; j < s.length(); j++) {
            char c = s.charAt(j);
            if (c == '\'' || c == '"') {
                j++;
                while (j < s.length() && s.charAt(j) != c) {
                    j += s.charAt(j) == '\\' ? 2 : 1;
                }
            } else if (s.startsWith(delimiter, j)) {
                return j;
            }
        }
        return -1;
    }
}
