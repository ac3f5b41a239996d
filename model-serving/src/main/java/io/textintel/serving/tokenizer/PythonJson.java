package io.textintel.serving.tokenizer;

import java.math.BigDecimal;
import java.util.Map;

/**
 * JSON text exactly as Python's {@code json.dumps(value, ensure_ascii=False, indent=indent)}
 * writes it, which is what transformers' {@code tojson} filter gives chat templates: {@code ", "}
 * and {@code ": "} between items without indent, {@code ","} and newlines with it, non-ASCII text
 * as is, floats as Python's {@code repr}. Keys keep the map's order.
 */
final class PythonJson {

    private PythonJson() {}

    /**
     * @param indent spaces per level, or null for one line
     * @throws IllegalArgumentException for a value JSON cannot hold, naming its class
     */
    static String dumps(Object value, Integer indent) {
        StringBuilder out = new StringBuilder();
        write(out, value, indent, 0);
        return out.toString();
    }

    private static void write(StringBuilder out, Object value, Integer indent, int depth) {
        if (value == null) {
            out.append("null");
        } else if (value instanceof Boolean b) {
            out.append(b ? "true" : "false");
        } else if (value instanceof Double || value instanceof Float) {
            out.append(floatRepr(((Number) value).doubleValue()));
        } else if (value instanceof Number n) {
            out.append(n instanceof BigDecimal d ? floatRepr(d.doubleValue()) : n.toString());
        } else if (value instanceof CharSequence || value instanceof Character) {
            string(out, value.toString());
        } else if (value instanceof Map<?, ?> map) {
            container(out, map.entrySet(), '{', '}', indent, depth);
        } else if (value instanceof Iterable<?> items) {
            container(out, items, '[', ']', indent, depth);
        } else if (value instanceof Object[] array) {
            container(out, java.util.Arrays.asList(array), '[', ']', indent, depth);
        } else {
            throw new IllegalArgumentException("tojson cannot write a " + value.getClass().getName()
                    + ", expected a mapping, list, string, number, boolean or none");
        }
    }

    private static void container(StringBuilder out, Iterable<?> items, char open, char close, Integer indent,
            int depth) {
        out.append(open);
        boolean first = true;
        for (Object item : items) {
            if (!first) {
                out.append(indent == null ? ", " : ",");
            }
            newline(out, indent, depth + 1);
            if (item instanceof Map.Entry<?, ?> entry) {
                string(out, String.valueOf(entry.getKey()));
                out.append(": ");
                write(out, entry.getValue(), indent, depth + 1);
            } else {
                write(out, item, indent, depth + 1);
            }
            first = false;
        }
        if (!first) {
            newline(out, indent, depth);
        }
        out.append(close);
    }

    private static void newline(StringBuilder out, Integer indent, int depth) {
        if (indent != null) {
            out.append('\n').append(" ".repeat(indent * depth));
        }
    }

    private static void string(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    /** Python's {@code repr(float)}: shortest round-trip digits, exponent form below 1e-4 and from 1e16. */
    static String floatRepr(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Infinity" : "-Infinity";
        }
        if (d == 0) {
            return 1 / d < 0 ? "-0.0" : "0.0";
        }
        BigDecimal exact = new BigDecimal(Double.toString(d)).stripTrailingZeros();
        String digits = exact.unscaledValue().abs().toString();
        int exponent = digits.length() - 1 - exact.scale(); // of the first digit
        String sign = d < 0 ? "-" : "";
        if (exponent < -4 || exponent >= 16) {
            String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
            return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + String.format("%02d", Math.abs(exponent));
        }
        String plain = exact.abs().toPlainString();
        return sign + (plain.contains(".") ? plain : plain + ".0");
    }
}
