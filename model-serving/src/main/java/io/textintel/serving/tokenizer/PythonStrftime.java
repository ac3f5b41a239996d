package io.textintel.serving.tokenizer;

import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.Locale;

/**
 * Python's {@code datetime.strftime} in the C locale, for the {@code strftime_now(format)}
 * transformers gives chat templates (Llama 3.x writes {@code strftime_now("%d %b %Y")}). Knows the
 * C standard directives and glibc's {@code %-d} (no padding).
 */
final class PythonStrftime {

    private PythonStrftime() {}

    /** @throws IllegalArgumentException for a directive it does not know, naming it */
    static String format(ZonedDateTime time, String format) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 == format.length()) {
                out.append(c);
                continue;
            }
            boolean unpadded = format.charAt(i + 1) == '-' && i + 2 < format.length();
            char directive = format.charAt(unpadded ? i + 2 : i + 1);
            i += unpadded ? 2 : 1;
            out.append(directive(time, directive, unpadded, format));
        }
        return out.toString();
    }

    private static String directive(ZonedDateTime t, char directive, boolean unpadded, String format) {
        return switch (directive) {
            case 'a' -> t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
            case 'A' -> t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
            case 'b', 'h' -> t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
            case 'B' -> t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
            case 'd' -> number(t.getDayOfMonth(), 2, unpadded);
            case 'm' -> number(t.getMonthValue(), 2, unpadded);
            case 'y' -> number(t.getYear() % 100, 2, unpadded);
            case 'Y' -> String.valueOf(t.getYear());
            case 'H' -> number(t.getHour(), 2, unpadded);
            case 'I' -> number(t.getHour() % 12 == 0 ? 12 : t.getHour() % 12, 2, unpadded);
            case 'p' -> t.getHour() < 12 ? "AM" : "PM";
            case 'M' -> number(t.getMinute(), 2, unpadded);
            case 'S' -> number(t.getSecond(), 2, unpadded);
            case 'j' -> number(t.getDayOfYear(), 3, unpadded);
            case 'w' -> String.valueOf(t.getDayOfWeek().getValue() % 7);
            case 'f' -> String.format("%06d", t.getNano() / 1000);
            case 'Z' -> t.getZone().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
            case '%' -> "%";
            default -> throw new IllegalArgumentException("strftime format '" + format + "' has directive %"
                    + (unpadded ? "-" : "") + directive + ", expected one of %a %A %b %B %d %m %y %Y %H %I %p %M %S"
                    + " %j %w %f %Z %%");
        };
    }

    private static String number(int value, int width, boolean unpadded) {
        return unpadded ? String.valueOf(value) : String.format("%0" + width + "d", value);
    }
}
