package io.textintel.schemas;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Why a record became a dead letter, as a fixed code per stage: the {@code reasonCode} of every
 * {@link DeadLetter}, the {@code reason_code} of the dead-letters index and the {@code reason} label
 * of the {@code deadLetters} metric. The dead letter's free-text {@code reason} says what exactly was
 * wrong; the code is what dashboards and alerts group by, so the number of values stays bounded.
 */
public enum DeadLetterReason {

    /** The bytes could not be read as the input format (syntax, types, missing fields, UTF-8, schema). */
    UNDECODABLE(PipelineStage.DECODE, "undecodable"),
    /** The decoder failed unexpectedly on the input (a bug, kept as a dead letter so the stream goes on). */
    DECODER_FAILURE(PipelineStage.DECODE, "decoder_failure"),
    /** A well-formed record broke a validation rule (text too long, bad id, control characters). */
    INVALID(PipelineStage.VALIDATE, "invalid"),
    /** A task's tokenizer failed on the text. */
    TOKENIZER_FAILURE(PipelineStage.TOKENIZE, "tokenizer_failure"),
    /** An engine refused the task's input as invalid for its model. */
    INPUT_REJECTED(PipelineStage.INFERENCE, "input_rejected"),
    /** Inference did not finish within {@code inference.timeout}. */
    TIMEOUT(PipelineStage.INFERENCE, "timeout"),
    /**
     * Elasticsearch refused the document for good (a 4xx item status other than 413 and 429, such as
     * {@code mapper_parsing_exception} or {@code document_parsing_exception}: a field of the wrong
     * type, a vector of the wrong dimensions).
     */
    DOCUMENT_REJECTED(PipelineStage.SINK, "document_rejected"),
    /** Elasticsearch refused the document as too large (item status 413). */
    TOO_LARGE(PipelineStage.SINK, "too_large");

    private final PipelineStage stage;
    private final String code;

    DeadLetterReason(PipelineStage stage, String code) {
        this.stage = stage;
        this.code = code;
    }

    /** The stage that rejects records for this reason: the dead letter's {@code stage} and the {@code stage} label. */
    public PipelineStage stage() {
        return stage;
    }

    /** The code: lower case, letters and underscores only; the {@code reason} label. */
    public String code() {
        return code;
    }

    /** The {@code stage} label: the stage's name in lower case. */
    public String stageLabel() {
        return stage.name().toLowerCase(Locale.ROOT);
    }

    /** The reason whose {@link #code()} is {@code code}, as a dead letter's {@code reasonCode} holds it. */
    public static DeadLetterReason ofCode(String code) {
        for (DeadLetterReason reason : values()) {
            if (reason.code.equals(code)) {
                return reason;
            }
        }
        throw new IllegalArgumentException("dead-letter reason code is '" + code + "', expected one of "
                + Arrays.stream(values()).map(DeadLetterReason::code).collect(Collectors.joining(", ")));
    }
}
