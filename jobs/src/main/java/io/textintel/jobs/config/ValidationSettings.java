package io.textintel.jobs.config;

import io.textintel.schemas.codec.TextRecordValidator;

/**
 * Limits an input record must keep; a record outside them becomes a dead letter naming the limit.
 *
 * @param maxTextLength most characters (code points) of text
 * @param maxIdBytes most UTF-8 bytes of a record id
 */
public record ValidationSettings(Integer maxTextLength, Integer maxIdBytes) {

    public ValidationSettings {
        maxTextLength = maxTextLength == null ? TextRecordValidator.DEFAULT_MAX_TEXT_CODE_POINTS : maxTextLength;
        maxIdBytes = maxIdBytes == null ? TextRecordValidator.DEFAULT_MAX_ID_BYTES : maxIdBytes;
    }

    void validate(ConfigProblems problems) {
        problems.requireAtLeast("validation.max-text-length", maxTextLength, 1);
        problems.requireAtLeast("validation.max-id-bytes", maxIdBytes, 1);
    }

    /** The validator these limits describe. */
    public TextRecordValidator toValidator() {
        return TextRecordValidator.builder().maxTextCodePoints(maxTextLength).maxIdBytes(maxIdBytes).build();
    }
}
