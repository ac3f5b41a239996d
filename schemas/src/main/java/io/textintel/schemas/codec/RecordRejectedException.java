package io.textintel.schemas.codec;

import io.textintel.schemas.PipelineStage;

/**
 * An input record the pipeline cannot accept, with the stage that rejected it.
 *
 * <p>The message names the bad value and what was expected; it becomes the {@code reason} of the
 * record's {@code DeadLetter}, and {@link #stage()} its {@code stage}.
 */
public abstract class RecordRejectedException extends Exception {

    private static final long serialVersionUID = 1L;

    RecordRejectedException(String message) {
        super(message);
    }

    RecordRejectedException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The pipeline stage that rejected the record. */
    public abstract PipelineStage stage();
}
