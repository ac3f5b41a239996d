package io.textintel.schemas.codec;

import io.textintel.schemas.TextRecord;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.IllformedLocaleException;
import java.util.Locale;
import java.util.Map;

/**
 * The semantic rules a decoded {@link TextRecord} must meet before it is tokenized: size limits,
 * an id Elasticsearch accepts as {@code _id}, no control characters (see {@link TextRecordNormalizer},
 * which removes them from text first), at least one visible character, a well-formed language tag.
 *
 * <p>Decoding (is this JSON, Avro, UTF-8?) and validation (is this record acceptable?) are kept
 * apart so the pipeline can record {@code DECODE} or {@code VALIDATE} as the dead letter's stage.
 *
 * <p>Immutable and thread-safe; construct with {@link #builder()} or {@link #defaults()}.
 */
public final class TextRecordValidator implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Default maximum text length in Unicode code points. */
    public static final int DEFAULT_MAX_TEXT_CODE_POINTS = 1_000_000;

    /** Default maximum id length in UTF-8 bytes: Elasticsearch rejects longer {@code _id}s. */
    public static final int DEFAULT_MAX_ID_BYTES = 512;

    /** Default maximum number of attributes. */
    public static final int DEFAULT_MAX_ATTRIBUTES = 256;

    /** Default maximum attribute key or value length in Unicode code points. */
    public static final int DEFAULT_MAX_ATTRIBUTE_CODE_POINTS = 8_192;

    private static final TextRecordValidator DEFAULTS = builder().build();

    private final int maxTextCodePoints;
    private final int maxIdBytes;
    private final int maxAttributes;
    private final int maxAttributeCodePoints;

    private TextRecordValidator(Builder builder) {
        this.maxTextCodePoints = builder.maxTextCodePoints;
        this.maxIdBytes = builder.maxIdBytes;
        this.maxAttributes = builder.maxAttributes;
        this.maxAttributeCodePoints = builder.maxAttributeCodePoints;
    }

    /** A validator with every limit at its default. */
    public static TextRecordValidator defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    public int maxTextCodePoints() {
        return maxTextCodePoints;
    }

    public int maxIdBytes() {
        return maxIdBytes;
    }

    public int maxAttributes() {
        return maxAttributes;
    }

    public int maxAttributeCodePoints() {
        return maxAttributeCodePoints;
    }

    /**
     * Checks {@code record} against every rule, reporting the first one broken.
     *
     * @throws RecordValidationException naming the field, the bad value and what was expected
     * @throws NullPointerException if {@code record} is null
     */
    public void validate(TextRecord record) throws RecordValidationException {
        validateId(record.getId());
        validateText(record.getText());
        if (record.getSource() != null) {
            requireNotBlank("source", record.getSource());
            requireNoControlCharacters("source", record.getSource(), false, Integer.MAX_VALUE);
        }
        if (record.getLanguage() != null) {
            validateLanguage(record.getLanguage());
        }
        validateAttributes(record.getAttributes());
    }

    private void validateId(String id) throws RecordValidationException {
        requireNotBlank("id", id);
        int bytes = id.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > maxIdBytes) {
            throw new RecordValidationException(
                    String.format(
                            "field 'id' has %d UTF-8 bytes (starts with \"%s\"), expected at most %d",
                            bytes, preview(id), maxIdBytes));
        }
        requireNoControlCharacters("id", id, false, Integer.MAX_VALUE);
    }

    private void validateText(String text) throws RecordValidationException {
        requireNotBlank("text", text);
        requireNoControlCharacters("text", text, true, maxTextCodePoints);
        requireVisibleCharacter(text);
    }

    /**
     * Rejects text that would be indexed as an invisible document: nothing but whitespace, format
     * characters (zero-width spaces and joiners, byte order marks), fillers and variation selectors.
     */
    private static void requireVisibleCharacter(String text) throws RecordValidationException {
        for (int i = 0; i < text.length(); ) {
            int c = text.codePointAt(i);
            if (!isInvisible(c)) {
                return;
            }
            i += Character.charCount(c);
        }
        int first = text.codePointAt(0);
        throw new RecordValidationException(
                String.format(
                        "field 'text' has no visible characters (%d code points of whitespace, format"
                                + " or filler characters such as U+%04X), expected at least one"
                                + " visible character",
                        text.codePointCount(0, text.length()), first));
    }

    /**
     * Whether {@code c} draws nothing by itself. Unassigned code points count as visible: they may be
     * emoji newer than this JVM's Unicode tables.
     */
    static boolean isInvisible(int c) {
        int type = Character.getType(c);
        return Character.isWhitespace(c)
                || Character.isSpaceChar(c)
                || type == Character.CONTROL
                || type == Character.FORMAT
                || c == 0x034F // combining grapheme joiner
                || c == 0x115F || c == 0x1160 || c == 0x3164 || c == 0xFFA0 // Hangul fillers
                || c == 0x2800 // braille pattern blank
                || (c >= 0x180B && c <= 0x180F) // Mongolian variation selectors and vowel separator
                || (c >= 0xFE00 && c <= 0xFE0F) // variation selectors
                || (c >= 0xE0100 && c <= 0xE01EF); // variation selectors supplement
    }

    private static void validateLanguage(String language) throws RecordValidationException {
        try {
            new Locale.Builder().setLanguageTag(language);
        } catch (IllformedLocaleException e) {
            throw new RecordValidationException(
                    String.format(
                            "field 'language' has value \"%s\", expected a well-formed BCP-47"
                                    + " language tag such as \"en\" or \"pt-BR\" (%s)",
                            preview(language), e.getMessage()));
        }
    }

    private void validateAttributes(Map<String, String> attributes)
            throws RecordValidationException {
        if (attributes == null) {
            return;
        }
        if (attributes.size() > maxAttributes) {
            throw new RecordValidationException(
                    String.format(
                            "field 'attributes' has %d entries, expected at most %d",
                            attributes.size(), maxAttributes));
        }
        for (Map.Entry<String, String> entry : attributes.entrySet()) {
            String key = entry.getKey();
            requireNotBlank("attributes key", key);
            requireNoControlCharacters("attributes key", key, false, maxAttributeCodePoints);
            String field = "attributes." + preview(key);
            if (entry.getValue() == null) {
                throw new RecordValidationException(
                        String.format("field '%s' is null, expected a string", field));
            }
            requireNoControlCharacters(field, entry.getValue(), true, maxAttributeCodePoints);
        }
    }

    private static void requireNotBlank(String field, String value)
            throws RecordValidationException {
        if (value == null) {
            throw new RecordValidationException(
                    String.format("field '%s' is null, expected a non-blank string", field));
        }
        if (value.isEmpty()) {
            throw new RecordValidationException(
                    String.format("field '%s' is empty, expected a non-blank string", field));
        }
        if (value.isBlank()) {
            throw new RecordValidationException(
                    String.format(
                            "field '%s' is blank (%d whitespace characters), expected a non-blank"
                                    + " string",
                            field, value.length()));
        }
    }

    /**
     * Rejects control characters, unpaired surrogates and more than {@code maxCodePoints} code
     * points in one pass over {@code value}.
     */
    private static void requireNoControlCharacters(
            String field, String value, boolean allowWhitespace, int maxCodePoints)
            throws RecordValidationException {
        int codePoints = 0;
        for (int i = 0; i < value.length(); ) {
            int c = value.codePointAt(i);
            if (Character.isSurrogate((char) c)) {
                throw new RecordValidationException(
                        String.format(
                                "field '%s' has an unpaired surrogate U+%04X at index %d, expected"
                                        + " well-formed Unicode",
                                field, c, i));
            }
            if (Character.isISOControl(c) && !(allowWhitespace && isWhitespaceControl(c))) {
                throw new RecordValidationException(
                        String.format(
                                "field '%s' has control character U+%04X at index %d, expected"
                                        + " printable characters%s",
                                field,
                                c,
                                i,
                                allowWhitespace ? ", tabs and line breaks" : " only"));
            }
            codePoints++;
            if (codePoints > maxCodePoints) {
                throw new RecordValidationException(
                        String.format(
                                "field '%s' has more than %d code points (%d UTF-16 units),"
                                        + " expected at most %d",
                                field, maxCodePoints, value.length(), maxCodePoints));
            }
            i += Character.charCount(c);
        }
    }

    /** Tab, line feed, vertical tab, form feed, carriage return and next line (U+0085). */
    static boolean isWhitespaceControl(int c) {
        return (c >= '\t' && c <= '\r') || c == '\u0085';
    }

    private static String preview(String value) {
        return value.length() <= 40 ? value : value.substring(0, 40) + "...";
    }

    /** Builder of {@link TextRecordValidator}; limits are checked in {@link #build()}. */
    public static final class Builder {
        private int maxTextCodePoints = DEFAULT_MAX_TEXT_CODE_POINTS;
        private int maxIdBytes = DEFAULT_MAX_ID_BYTES;
        private int maxAttributes = DEFAULT_MAX_ATTRIBUTES;
        private int maxAttributeCodePoints = DEFAULT_MAX_ATTRIBUTE_CODE_POINTS;

        private Builder() {}

        /** Maximum text length in Unicode code points. */
        public Builder maxTextCodePoints(int maxTextCodePoints) {
            this.maxTextCodePoints = maxTextCodePoints;
            return this;
        }

        /** Maximum id length in UTF-8 bytes; Elasticsearch's own limit is 512. */
        public Builder maxIdBytes(int maxIdBytes) {
            this.maxIdBytes = maxIdBytes;
            return this;
        }

        /** Maximum number of attributes. */
        public Builder maxAttributes(int maxAttributes) {
            this.maxAttributes = maxAttributes;
            return this;
        }

        /** Maximum attribute key or value length in Unicode code points. */
        public Builder maxAttributeCodePoints(int maxAttributeCodePoints) {
            this.maxAttributeCodePoints = maxAttributeCodePoints;
            return this;
        }

        public TextRecordValidator build() {
            requirePositive("maxTextCodePoints", maxTextCodePoints);
            requirePositive("maxIdBytes", maxIdBytes);
            if (maxIdBytes > DEFAULT_MAX_ID_BYTES) {
                throw new IllegalArgumentException(
                        String.format(
                                "maxIdBytes is %d, expected at most %d: Elasticsearch rejects"
                                        + " longer _id values",
                                maxIdBytes, DEFAULT_MAX_ID_BYTES));
            }
            if (maxAttributes < 0) {
                throw new IllegalArgumentException(
                        String.format("maxAttributes is %d, expected >= 0", maxAttributes));
            }
            requirePositive("maxAttributeCodePoints", maxAttributeCodePoints);
            return new TextRecordValidator(this);
        }

        private static void requirePositive(String name, int value) {
            if (value <= 0) {
                throw new IllegalArgumentException(
                        String.format("%s is %d, expected > 0", name, value));
            }
        }
    }
}
