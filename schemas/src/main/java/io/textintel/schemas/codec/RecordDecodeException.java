package io.textintel.schemas.codec;

import io.textintel.schemas.PipelineStage;

/**
 * A record whose bytes could not be read as the expected format: bad syntax, wrong types, missing
 * required fields, invalid UTF-8 or an unknown Avro schema.
 *
 * <p>Carries the record's id when the decoder could still read it, so the dead letter names it.
 */
public class RecordDecodeException extends RecordRejectedException {

    private static final long serialVersionUID = 1L;

    private final String recordId;

    public RecordDecodeException(String message) {
        this(message, null, null);
    }

    public RecordDecodeException(String message, Throwable cause) {
        this(message, cause, null);
    }

    /** @param recordId the id read from the broken record, or null */
    public RecordDecodeException(String message, Throwable cause, String recordId) {
        super(message, cause);
        this.recordId = recordId;
    }

    /** The same failure, naming {@code id} as the record's id (ignored when null or this one has one). */
    RecordDecodeException withRecordId(String id) {
        if (id == null || recordId != null) {
            return this;
        }
        RecordDecodeException named = new RecordDecodeException(getMessage(), getCause(), id);
        named.setStackTrace(getStackTrace());
        return named;
    }

    /** The id of the record that failed, when it could be read; else null. */
    public String recordId() {
        return recordId;
    }

    /** Always {@link PipelineStage#DECODE}. */
    @Override
    public PipelineStage stage() {
        return PipelineStage.DECODE;
    }
}
