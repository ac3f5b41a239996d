package io.textintel.schemas.codec;

import io.textintel.schemas.PipelineStage;

/**
 * A record whose bytes could not be read as the expected format: bad syntax, wrong types, missing
 * required fields, invalid UTF-8 or an unknown Avro schema.
 */
public class RecordDecodeException extends RecordRejectedException {

    private static final long serialVersionUID = 1L;

    public RecordDecodeException(String message) {
        super(message);
    }

    public RecordDecodeException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Always {@link PipelineStage#DECODE}. */
    @Override
    public PipelineStage stage() {
        return PipelineStage.DECODE;
    }
}
