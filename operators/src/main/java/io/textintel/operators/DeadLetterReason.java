package io.textintel.operators;

import io.textintel.schemas.PipelineStage;

/**
 * Why a record became a dead letter, as a fixed code per stage: the {@code reason} label of the
 * {@code deadLetters} metric. The dead letter itself carries the full, free-text reason; metrics
 * carry only these codes, so that the number of label values stays bounded.
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
    TIMEOUT(PipelineStage.INFERENCE, "timeout");

    private final PipelineStage stage;
    private final String code;

    DeadLetterReason(PipelineStage stage, String code) {
        this.stage = stage;
        this.code = code;
    }

    /** The stage that rejects records for this reason: the {@code stage} label. */
    public PipelineStage stage() {
        return stage;
    }

    /** The {@code reason} label: lower case, letters and underscores only. */
    public String code() {
        return code;
    }

    /** The {@code stage} label: the stage's name in lower case. */
    public String stageLabel() {
        return stage.name().toLowerCase(java.util.Locale.ROOT);
    }
}
