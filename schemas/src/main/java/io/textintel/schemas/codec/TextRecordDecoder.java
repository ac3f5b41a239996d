package io.textintel.schemas.codec;

import io.textintel.schemas.TextRecord;
import java.io.Serializable;
import java.util.Objects;

/**
 * A reader of one raw Kafka value into a {@link TextRecord}, for one {@link InputFormat}.
 *
 * <p>Implementations are thread-safe and serializable so that a Flink function can hold one.
 */
@FunctionalInterface
public interface TextRecordDecoder extends Serializable {

    /**
     * Decodes {@code payload}.
     *
     * @param payload the Kafka record value; null for a tombstone, which is rejected
     * @param derivedId the id to give the record when the format carries none (plain text); the
     *     pipeline derives it from topic, partition and offset. Formats with their own id ignore it.
     * @throws RecordDecodeException if the payload is not a record of this format
     */
    TextRecord decode(byte[] payload, String derivedId) throws RecordDecodeException;

    /** The decoder of {@code format}. */
    static TextRecordDecoder forFormat(InputFormat format) {
        Objects.requireNonNull(format, "format");
        switch (format) {
            case JSON:
                return new TextRecordJsonCodec();
            case TEXT:
                return new PlainTextCodec();
            case AVRO:
                AvroSingleObjectCodec<TextRecord> avro = AvroSingleObjectCodec.of(TextRecord.class);
                return (payload, derivedId) -> avro.decode(payload);
            default:
                throw new IllegalArgumentException(
                        "input format " + format + " has no decoder. This is a bug.");
        }
    }
}
