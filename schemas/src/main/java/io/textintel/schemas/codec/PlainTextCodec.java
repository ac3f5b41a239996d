package io.textintel.schemas.codec;

import io.textintel.schemas.TextRecord;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A codec between one line of UTF-8 plain text and a {@link TextRecord} whose id the caller
 * supplies (the pipeline derives it from the Kafka topic, partition and offset).
 *
 * <p>One trailing line terminator ({@code \n} or {@code \r\n}) and a leading byte order mark are
 * dropped; the rest of the text is kept exactly, inner line breaks included. Malformed UTF-8 is
 * rejected, never replaced. A rejection carries the record's id, which the caller gave. Stateless,
 * thread-safe and serializable.
 */
public final class PlainTextCodec implements TextRecordDecoder, Serializable {

    private static final long serialVersionUID = 1L;

    /**
     * Decodes {@code payload} as the text of a record with id {@code id}.
     *
     * @throws RecordDecodeException if the payload is null, not UTF-8, or blank
     * @throws IllegalArgumentException if {@code id} is null or blank
     */
    @Override
    public TextRecord decode(byte[] payload, String id) throws RecordDecodeException {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException(
                    String.format(
                            "id is %s, expected a non-blank id derived from the record's"
                                    + " provenance",
                            id == null ? "null" : "blank (\"" + id + "\")"));
        }
        if (payload == null) {
            throw new RecordDecodeException(
                    "payload is null (a Kafka tombstone?), expected a line of UTF-8 text", null, id);
        }
        String text;
        try {
            text = stripLineTerminator(StrictUtf8.decode(payload));
        } catch (RecordDecodeException e) {
            throw e.withRecordId(id);
        }
        if (text.isBlank()) {
            throw new RecordDecodeException(
                    String.format(
                            "payload is blank (%d byte(s)), expected a line of non-blank UTF-8"
                                    + " text",
                            payload.length),
                    null,
                    id);
        }
        return TextRecord.newBuilder().setId(id).setText(text).build();
    }

    /** Encodes the record's text as UTF-8; every other field is dropped. */
    public byte[] encode(TextRecord record) {
        Objects.requireNonNull(record, "record");
        return record.getText().getBytes(StandardCharsets.UTF_8);
    }

    private static String stripLineTerminator(String text) {
        if (text.endsWith("\r\n")) {
            return text.substring(0, text.length() - 2);
        }
        if (text.endsWith("\n")) {
            return text.substring(0, text.length() - 1);
        }
        return text;
    }
}
