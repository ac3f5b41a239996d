package io.textintel.jobs.config;

import io.textintel.schemas.codec.DeadLetterBound;
import io.textintel.schemas.codec.TextRecordNormalizer;
import io.textintel.schemas.codec.TextRecordValidator;

import java.util.List;

/**
 * What an input record may be, what is repaired on the way in, and how much of a rejected one a dead
 * letter keeps.
 *
 * @param maxTextLength most characters (code points) of text
 * @param maxIdBytes most UTF-8 bytes of a record id
 * @param controlCharacters {@code strip} (default): control characters other than tabs and line
 *     breaks are removed from text, source and attribute values and the removal recorded on the
 *     document; {@code reject}: such a record becomes a VALIDATE dead letter
 * @param deadLetterMaxBytes most bytes of the original input a dead letter keeps (its whole length
 *     and SHA-256 are kept too); the dead-letter producer's {@code max.request.size} and topic's
 *     {@code max.message.bytes} are set to fit
 */
public record ValidationSettings(Integer maxTextLength, Integer maxIdBytes, String controlCharacters,
        Integer deadLetterMaxBytes) {

    public ValidationSettings {
        maxTextLength = maxTextLength == null ? TextRecordValidator.DEFAULT_MAX_TEXT_CODE_POINTS : maxTextLength;
        maxIdBytes = maxIdBytes == null ? TextRecordValidator.DEFAULT_MAX_ID_BYTES : maxIdBytes;
        controlCharacters = controlCharacters == null ? "strip" : controlCharacters;
        deadLetterMaxBytes = deadLetterMaxBytes == null ? DeadLetterBound.DEFAULT_MAX_ORIGINAL_BYTES : deadLetterMaxBytes;
    }

    /** Every setting at its default. */
    public static ValidationSettings defaults() {
        return new ValidationSettings(null, null, null, null);
    }

    void validate(ConfigProblems problems) {
        problems.requireAtLeast("validation.max-text-length", maxTextLength, 1);
        problems.requireAtLeast("validation.max-id-bytes", maxIdBytes, 1);
        if (maxIdBytes > TextRecordValidator.DEFAULT_MAX_ID_BYTES) {
            problems.add("validation.max-id-bytes", "is " + maxIdBytes,
                    "at most " + TextRecordValidator.DEFAULT_MAX_ID_BYTES + ", Elasticsearch's limit of an _id");
        }
        problems.requireOneOf("validation.control-characters", controlCharacters, List.of("strip", "reject"));
        problems.requireAtLeast("validation.dead-letter-max-bytes", deadLetterMaxBytes, 0);
    }

    /** The validator these limits describe. */
    public TextRecordValidator toValidator() {
        return TextRecordValidator.builder().maxTextCodePoints(maxTextLength).maxIdBytes(maxIdBytes).build();
    }

    /** The repairs made before validation. */
    public TextRecordNormalizer toNormalizer() {
        return new TextRecordNormalizer(TextRecordNormalizer.ControlCharacters.parse(controlCharacters));
    }

    /** The size limit of dead letters. */
    public DeadLetterBound deadLetterBound() {
        return new DeadLetterBound(deadLetterMaxBytes);
    }
}
