package io.textintel.serving.tokenizer;

import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/**
 * The Python {@code str} and {@code dict} methods chat templates call ({@code content.strip()},
 * {@code text.split('\n')}, {@code role.startswith('tool')}, {@code message.get('tool_calls', [])}),
 * which Jinjava would otherwise look up as Java methods (most of which do not exist, and
 * {@code String.strip()} trims other whitespace than Python's), and string indexing
 * ({@code text[0]}, {@code text[-1]}), which Jinjava lacks. What it does not know is left to the
 * resolvers behind it. Stateless.
 */
final class PythonStringMethods extends ELResolver {

    private static final Object NOT_HANDLED = new Object();
    private static final Pattern INTEGER = Pattern.compile("-?\\d{1,9}");

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        Object[] args = params == null ? new Object[0] : params;
        Object result = NOT_HANDLED;
        if (base instanceof CharSequence text && method instanceof String name) {
            result = stringMethod(text.toString(), name, args);
        } else if (base instanceof Map<?, ?> map && method instanceof String name) {
            result = dictMethod(map, name, args);
        }
        if (result == NOT_HANDLED) {
            return null;
        }
        context.setPropertyResolved(true);
        return result;
    }

    private static Object stringMethod(String s, String name, Object[] args) {
        return switch (name) {
            case "strip" -> args.length <= 1 ? strip(s, chars(args), true, true) : NOT_HANDLED;
            case "lstrip" -> args.length <= 1 ? strip(s, chars(args), true, false) : NOT_HANDLED;
            case "rstrip" -> args.length <= 1 ? strip(s, chars(args), false, true) : NOT_HANDLED;
            case "split" -> args.length <= 2 ? split(s, args.length == 0 || args[0] == null ? null
                    : args[0].toString(), args.length == 2 ? ((Number) args[1]).intValue() : -1) : NOT_HANDLED;
            case "startswith" -> args.length == 1 ? affix(s, args[0], true) : NOT_HANDLED;
            case "endswith" -> args.length == 1 ? affix(s, args[0], false) : NOT_HANDLED;
            case "upper" -> args.length == 0 ? s.toUpperCase(Locale.ROOT) : NOT_HANDLED;
            case "lower" -> args.length == 0 ? s.toLowerCase(Locale.ROOT) : NOT_HANDLED;
            case "title" -> args.length == 0 ? title(s) : NOT_HANDLED;
            case "capitalize" -> args.length == 0 ? capitalize(s) : NOT_HANDLED;
            case "replace" -> args.length == 2 ? s.replace(args[0].toString(), args[1].toString()) : NOT_HANDLED;
            case "find" -> args.length == 1 ? s.indexOf(args[0].toString()) : NOT_HANDLED;
            case "join" -> args.length == 1 && args[0] instanceof Iterable<?> items ? join(s, items) : NOT_HANDLED;
            default -> NOT_HANDLED;
        };
    }

    private static Object dictMethod(Map<?, ?> map, String name, Object[] args) {
        return switch (name) {
            case "get" -> args.length == 2 ? (map.containsKey(args[0]) ? map.get(args[0]) : args[1]) : NOT_HANDLED;
            case "keys" -> args.length == 0 ? new ArrayList<>(map.keySet()) : NOT_HANDLED;
            case "values" -> args.length == 0 ? new ArrayList<>(map.values()) : NOT_HANDLED;
            default -> NOT_HANDLED;
        };
    }

    private static String chars(Object[] args) {
        return args.length == 0 || args[0] == null ? null : args[0].toString();
    }

    /** Python's {@code str.isspace} for one code point: category Zs, or bidirectional class WS, B or S. */
    static boolean isSpace(int codePoint) {
        if (Character.getType(codePoint) == Character.SPACE_SEPARATOR) {
            return true;
        }
        byte direction = Character.getDirectionality(codePoint);
        return direction == Character.DIRECTIONALITY_WHITESPACE
                || direction == Character.DIRECTIONALITY_PARAGRAPH_SEPARATOR
                || direction == Character.DIRECTIONALITY_SEGMENT_SEPARATOR;
    }

    /** Python's {@code str.strip(chars)}: whitespace when {@code chars} is null. */
    static String strip(String s, String chars, boolean left, boolean right) {
        int start = 0;
        int end = s.length();
        while (left && start < end && stripped(s.codePointAt(start), chars)) {
            start += Character.charCount(s.codePointAt(start));
        }
        while (right && end > start && stripped(s.codePointBefore(end), chars)) {
            end -= Character.charCount(s.codePointBefore(end));
        }
        return s.substring(start, end);
    }

    private static boolean stripped(int codePoint, String chars) {
        return chars == null ? isSpace(codePoint) : chars.indexOf(codePoint) >= 0;
    }

    /** Python's {@code str.split(sep, maxsplit)}; {@code maxsplit} -1 for no limit. */
    static List<String> split(String s, String sep, int maxSplit) {
        List<String> parts = new ArrayList<>();
        if (sep == null) {
            int i = 0;
            while (true) {
                while (i < s.length() && isSpace(s.codePointAt(i))) {
                    i += Character.charCount(s.codePointAt(i));
                }
                if (i >= s.length()) {
                    return parts;
                }
                if (maxSplit >= 0 && parts.size() == maxSplit) {
                    parts.add(strip(s.substring(i), null, false, true));
                    return parts;
                }
                int start = i;
                while (i < s.length() && !isSpace(s.codePointAt(i))) {
                    i += Character.charCount(s.codePointAt(i));
                }
                parts.add(s.substring(start, i));
            }
        }
        if (sep.isEmpty()) {
            throw new IllegalArgumentException("split separator is empty, expected a non-empty string");
        }
        int start = 0;
        int at;
        while ((maxSplit < 0 || parts.size() < maxSplit) && (at = s.indexOf(sep, start)) >= 0) {
            parts.add(s.substring(start, at));
            start = at + sep.length();
        }
        parts.add(s.substring(start));
        return parts;
    }

    /** {@code startswith}/{@code endswith} of a string or of any of a list (Python's tuple) of strings. */
    private static boolean affix(String s, Object affixes, boolean prefix) {
        if (affixes instanceof Iterable<?> any) {
            for (Object one : any) {
                if (affix(s, one, prefix)) {
                    return true;
                }
            }
            return false;
        }
        String a = String.valueOf(affixes);
        return prefix ? s.startsWith(a) : s.endsWith(a);
    }

    private static String title(String s) {
        StringBuilder out = new StringBuilder(s.length());
        boolean previousCased = false;
        for (int i = 0; i < s.length(); i += Character.charCount(s.codePointAt(i))) {
            int c = s.codePointAt(i);
            out.appendCodePoint(previousCased ? Character.toLowerCase(c) : Character.toTitleCase(c));
            previousCased = Character.isLetter(c);
        }
        return out.toString();
    }

    private static String capitalize(String s) {
        if (s.isEmpty()) {
            return s;
        }
        int first = s.codePointAt(0);
        return new StringBuilder().appendCodePoint(Character.toTitleCase(first))
                .append(s.substring(Character.charCount(first)).toLowerCase(Locale.ROOT)).toString();
    }

    private static String join(String separator, Iterable<?> items) {
        StringBuilder out = new StringBuilder();
        boolean first = true;
        for (Object item : items) {
            if (!first) {
                out.append(separator);
            }
            out.append(item);
            first = false;
        }
        return out.toString();
    }

    /** {@code text[i]}: Python indexes strings by code point, from the end when negative; out of range is undefined. */
    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        // Jinjava hands the index over as text
        if (!(base instanceof CharSequence text) || property == null
                || !INTEGER.matcher(property.toString()).matches()) {
            return null;
        }
        context.setPropertyResolved(true);
        String s = text.toString();
        int length = s.codePointCount(0, s.length());
        long requested = Long.parseLong(property.toString());
        long index = requested < 0 ? requested + length : requested;
        if (index < 0 || index >= length) {
            return null;
        }
        int at = s.offsetByCodePoints(0, (int) index);
        return s.substring(at, s.offsetByCodePoints(at, 1));
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {
        // property writes belong to the resolvers behind this one
    }

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return false;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return null;
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return null;
    }
}
