package io.textintel.schemas.codec;

import io.textintel.schemas.PipelineStage;

/**
 * A well-formed record that breaks a rule of {@link TextRecordValidator}: text too long, an id
 * Elasticsearch cannot take, control characters.
 */
public class RecordValidationException extends RecordRejectedException {

    private static final long serialVersionUID = 1L;

    public RecordValidationException(String message) {
        super(message);
    }

    /** Always {@link PipelineStage#VALIDATE}. */
    @Override
    public PipelineStage stage() {
        return PipelineStage.VALIDATE;
    }
}
