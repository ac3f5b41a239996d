package io.textintel.schemas.codec;

import io.textintel.schemas.TextRecord;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The repairs a decoded {@link TextRecord} gets before it is validated, so that feedback is not lost
 * for a character nobody can see: control characters removed, unpaired surrogates replaced, a
 * leading byte order mark dropped. Every repair is listed in the record's {@code normalizations}.
 *
 * <p>What is repaired: the text, the source and attribute values. What is not: the id and attribute
 * keys, which identify things and are rejected by {@link TextRecordValidator} instead of changed.
 *
 * <ul>
 *   <li>C0 and C1 control characters other than tab, line feed, vertical tab, form feed, carriage
 *       return and next line (U+0085) are removed ({@code removed-control-characters:FIELD:COUNT}),
 *       under {@link ControlCharacters#STRIP}, the default; under {@link ControlCharacters#REJECT}
 *       they are left for the validator to reject.
 *   <li>An unpaired UTF-16 surrogate (which JSON escapes can carry, {@code "\ud83d"}) becomes U+FFFD
 *       ({@code replaced-unpaired-surrogates:FIELD:COUNT}).
 *   <li>A byte order mark U+FEFF at the start of the text is dropped
 *       ({@code removed-byte-order-mark:text}).
 * </ul>
 *
 * <p>Immutable, thread-safe and serializable.
 */
public final class TextRecordNormalizer implements Serializable {

    private static final long serialVersionUID = 1L;

    /** What happens to control characters that are not whitespace. */
    public enum ControlCharacters {
        /** Removed, and the removal recorded on the record. */
        STRIP,
        /** Kept, so that {@link TextRecordValidator} rejects the record. */
        REJECT;

        /** Parses {@code strip} or {@code reject}, ignoring case. */
        public static ControlCharacters parse(String name) {
            for (ControlCharacters value : values()) {
                if (value.name().equalsIgnoreCase(name == null ? "" : name.trim())) {
                    return value;
                }
            }
            throw new IllegalArgumentException(
                    "control-character policy '" + name + "' is not known, expected strip or reject");
        }
    }

    private static final char BYTE_ORDER_MARK = '\uFEFF';
    private static final char REPLACEMENT = '\uFFFD';

    private final ControlCharacters controlCharacters;

    public TextRecordNormalizer(ControlCharacters controlCharacters) {
        this.controlCharacters = Objects.requireNonNull(controlCharacters, "controlCharacters");
    }

    /** A normalizer that strips control characters. */
    public static TextRecordNormalizer defaults() {
        return new TextRecordNormalizer(ControlCharacters.STRIP);
    }

    public ControlCharacters controlCharacters() {
        return controlCharacters;
    }

    /**
     * Repairs {@code record} in place and appends what was done to its {@code normalizations}.
     *
     * @return {@code record}
     */
    public TextRecord normalize(TextRecord record) {
        List<String> done = record.getNormalizations() == null
                ? new ArrayList<>() : new ArrayList<>(record.getNormalizations());
        String text = record.getText();
        if (text != null && !text.isEmpty() && text.charAt(0) == BYTE_ORDER_MARK) {
            text = text.substring(1);
            done.add("removed-byte-order-mark:text");
        }
        record.setText(repair("text", text, done));
        record.setSource(repair("source", record.getSource(), done));
        Map<String, String> attributes = record.getAttributes();
        if (attributes != null && !attributes.isEmpty()) {
            Map<String, String> repaired = new LinkedHashMap<>();
            for (Map.Entry<String, String> entry : attributes.entrySet()) {
                repaired.put(entry.getKey(), repair("attributes." + entry.getKey(), entry.getValue(), done));
            }
            record.setAttributes(repaired);
        }
        record.setNormalizations(done);
        return record;
    }

    /** {@code value} with controls removed (under STRIP) and lone surrogates replaced; null stays null. */
    private String repair(String field, String value, List<String> done) {
        if (value == null || isClean(value)) {
            return value;
        }
        StringBuilder out = new StringBuilder(value.length());
        int removed = 0;
        int replaced = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < value.length()
                    && Character.isLowSurrogate(value.charAt(i + 1))) {
                out.append(c).append(value.charAt(++i));
            } else if (Character.isSurrogate(c)) {
                out.append(REPLACEMENT);
                replaced++;
            } else if (isStrippedControl(c)) {
                removed++;
            } else {
                out.append(c);
            }
        }
        if (removed > 0) {
            done.add("removed-control-characters:" + field + ":" + removed);
        }
        if (replaced > 0) {
            done.add("replaced-unpaired-surrogates:" + field + ":" + replaced);
        }
        return out.toString();
    }

    private boolean isClean(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isSurrogate(c) || isStrippedControl(c)) {
                return false;
            }
        }
        return true;
    }

    private boolean isStrippedControl(char c) {
        return controlCharacters == ControlCharacters.STRIP
                && Character.isISOControl(c)
                && !TextRecordValidator.isWhitespaceControl(c);
    }

    @Override
    public String toString() {
        return "TextRecordNormalizer{controlCharacters=" + controlCharacters + '}';
    }
}
