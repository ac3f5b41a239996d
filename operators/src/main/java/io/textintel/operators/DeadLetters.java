package io.textintel.operators;

import io.textintel.schemas.DeadLetter;
import io.textintel.schemas.DeadLetterReason;
import io.textintel.schemas.KafkaProvenance;
import io.textintel.schemas.TextRecord;

import org.apache.flink.util.OutputTag;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Clock;

/**
 * The side output every operator sends its rejected input to, and the one way to build a dead letter.
 *
 * <p>All operators share one {@link OutputTag} so that the job unions their side outputs into a
 * single dead-letter sink.
 */
public final class DeadLetters {

    /** Side output of records that could not be processed. */
    public static final OutputTag<DeadLetter> TAG = new OutputTag<>("dead-letters") {};

    private static final int MAX_CAUSES = 5;

    private DeadLetters() {}

    /**
     * A dead letter for input that failed for {@code code}: of the code's stage, with the code and
     * the free-text {@code reason}.
     *
     * @param originalBytes the bytes that failed, as read or, after decoding, the decoded record re-encoded
     * @param recordId the record's id if it could be read, else null
     * @param provenance where the input was read from; may be null for records that did not come from Kafka
     */
    public static DeadLetter of(
            byte[] originalBytes,
            DeadLetterReason code,
            String reason,
            String recordId,
            KafkaProvenance provenance,
            Clock clock) {
        return DeadLetter.newBuilder()
                .setOriginalBytes(ByteBuffer.wrap(originalBytes == null ? new byte[0] : originalBytes))
                .setStage(code.stage())
                .setReason(reason)
                .setReasonCode(code.code())
                .setRecordId(recordId)
                .setProvenance(provenance)
                .setTime(clock.instant())
                .build();
    }

    /**
     * A decoded record's bytes for a dead letter of a stage after decoding: its Avro single-object
     * encoding, which a consumer of the dead-letter topic decodes with the {@code TextRecord} schema.
     */
    public static byte[] bytesOf(TextRecord record) {
        try {
            ByteBuffer buffer = record.toByteBuffer();
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            return bytes;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode record " + record.getId() + " for a dead letter", e);
        }
    }

    /** A reason for an exception: its message (or type, when it has none), followed by its causes'. */
    public static String reasonOf(Throwable error) {
        StringBuilder reason = new StringBuilder();
        int depth = 0;
        for (Throwable t = error; t != null && depth < MAX_CAUSES; t = t.getCause(), depth++) {
            if (depth > 0) {
                reason.append("; caused by: ");
            }
            reason.append(t.getMessage() != null ? t.getMessage() : t.getClass().getName());
        }
        return reason.toString();
    }

}
