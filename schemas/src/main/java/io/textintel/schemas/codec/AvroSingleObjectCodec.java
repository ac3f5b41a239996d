package io.textintel.schemas.codec;

import java.io.EOFException;
import java.io.IOException;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.SchemaCompatibility.SchemaPairCompatibility;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.SchemaStore;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

/**
 * A codec between a generated Avro class and Avro's <a
 * href="https://avro.apache.org/docs/1.12.0/specification/#single-object-encoding">single-object
 * encoding</a>: the marker {@code C3 01}, the 8-byte little-endian CRC-64-AVRO fingerprint of the
 * writer schema, then the Avro binary body.
 *
 * <p>Records written with the class's own schema decode directly. Records written with another
 * version of the schema decode when that writer schema was registered with {@link
 * Builder#addWriterSchema(Schema)}; Avro's schema resolution then fills new fields from their
 * defaults and skips removed ones.
 *
 * <p>Before Avro reads a body, {@link AvroBodyCheck} walks it along the writer schema and rejects
 * lengths and counts larger than the bytes left, so a few corrupt bytes cannot make Avro allocate
 * gigabytes, and strings that are not valid UTF-8. A rejected body's exception carries the record's
 * id when the schema starts with a readable string {@code id}.
 *
 * <p>Thread-safe: Avro's message encoder and decoder keep their buffers per thread. Serializable:
 * only the class and the registered schemas' JSON travel; the encoder, decoder and schema store
 * are rebuilt lazily on first use after deserialization, so Flink functions can hold a codec.
 *
 * @param <T> the generated record class
 */
public final class AvroSingleObjectCodec<T extends SpecificRecord> implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Bytes before the Avro body: the 2-byte marker and the 8-byte fingerprint. */
    static final int HEADER_LENGTH = 10;

    private static final int MARKER = 0xC301;

    /** Longest id read from a broken body for its dead letter: Elasticsearch's {@code _id} limit. */
    private static final int MAX_PEEKED_ID_BYTES = 512;

    private final Class<T> recordClass;
    private final List<String> writerSchemaJson;

    private transient volatile State<T> state;

    private AvroSingleObjectCodec(Class<T> recordClass, List<String> writerSchemaJson) {
        this.recordClass = recordClass;
        this.writerSchemaJson = List.copyOf(writerSchemaJson);
    }

    /** A codec that reads and writes {@code recordClass} with its own schema only. */
    public static <T extends SpecificRecord> AvroSingleObjectCodec<T> of(Class<T> recordClass) {
        return builder(recordClass).build();
    }

    public static <T extends SpecificRecord> Builder<T> builder(Class<T> recordClass) {
        return new Builder<>(recordClass);
    }

    /** The generated class this codec reads and writes. */
    public Class<T> recordClass() {
        return recordClass;
    }

    /** The schema records are written with: the generated class's schema. */
    public Schema schema() {
        return state().schema;
    }

    /** The CRC-64-AVRO fingerprint written in the header of every encoded record. */
    public long fingerprint() {
        return state().fingerprint;
    }

    /**
     * Encodes {@code record} with the class's schema.
     *
     * @throws IllegalArgumentException if the record breaks its schema (a required field is null)
     */
    public byte[] encode(T record) {
        Objects.requireNonNull(record, "record");
        try {
            ByteBuffer buffer = state().encoder.encode(record);
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            return bytes;
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(
                    String.format(
                            "%s could not be encoded with its schema: %s",
                            recordClass.getSimpleName(), e),
                    e);
        }
    }

    /**
     * Decodes single-object encoded {@code bytes}, resolving the writer schema by fingerprint.
     *
     * @throws RecordDecodeException if the bytes are null, lack the single-object header, carry an
     *     unknown fingerprint or hold a body that does not match the writer schema
     */
    public T decode(byte[] bytes) throws RecordDecodeException {
        if (bytes == null) {
            throw new RecordDecodeException(
                    "payload is null (a Kafka tombstone?), expected Avro single-object encoding");
        }
        if (bytes.length < HEADER_LENGTH) {
            throw new RecordDecodeException(
                    String.format(
                            "bytes are not Avro single-object encoding: %d byte(s), expected at"
                                    + " least %d (marker 0xc301 and an 8-byte schema fingerprint)",
                            bytes.length, HEADER_LENGTH));
        }
        int marker = ((bytes[0] & 0xff) << 8) | (bytes[1] & 0xff);
        if (marker != MARKER) {
            throw new RecordDecodeException(
                    String.format(
                            "bytes are not Avro single-object encoding: bad magic 0x%04x, expected"
                                    + " 0xc301",
                            marker));
        }
        State<T> current = state();
        long fingerprint = ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (fingerprint != current.fingerprint
                && current.store.findByFingerprint(fingerprint) == null) {
            throw new RecordDecodeException(
                    String.format(
                            "Avro writer schema with fingerprint 0x%016x is not known, expected"
                                    + " %s's own (0x%016x) or one of %d registered writer"
                                    + " schema(s)",
                            fingerprint,
                            recordClass.getSimpleName(),
                            current.fingerprint,
                            writerSchemaJson.size()));
        }
        Schema writer = fingerprint == current.fingerprint ? current.schema : current.store.findByFingerprint(fingerprint);
        try {
            AvroBodyCheck.check(writer, bytes, HEADER_LENGTH, recordClass.getSimpleName());
        } catch (RecordDecodeException e) {
            throw e.withRecordId(AvroBodyCheck.leadingId(writer, bytes, HEADER_LENGTH, MAX_PEEKED_ID_BYTES));
        }
        try {
            return current.decoder.decode(bytes);
        } catch (IOException | RuntimeException e) {
            String id = AvroBodyCheck.leadingId(writer, bytes, HEADER_LENGTH, MAX_PEEKED_ID_BYTES);
            // Avro wraps the reader's failure ("Decoding datum failed"); the cause says what.
            Throwable cause = e;
            while (cause.getCause() != null && !(cause instanceof EOFException)) {
                cause = cause.getCause();
            }
            if (cause instanceof EOFException) {
                throw new RecordDecodeException(
                        String.format(
                                "Avro body of %s is truncated: %d byte(s) end before the record"
                                        + " does",
                                recordClass.getSimpleName(), bytes.length),
                        e,
                        id);
            }
            throw new RecordDecodeException(
                    String.format(
                            "Avro body of %d byte(s) does not match the writer schema of %s: %s",
                            bytes.length, recordClass.getSimpleName(), cause),
                    e,
                    id);
        }
    }

    private State<T> state() {
        State<T> s = state;
        if (s == null) {
            // A race builds two equal states; either is fine, so no lock is needed.
            s = new State<>(recordClass, writerSchemaJson);
            state = s;
        }
        return s;
    }

    /** The non-serializable Avro machinery, rebuilt after deserialization. */
    private static final class State<T> {
        final Schema schema;
        final long fingerprint;
        final SchemaStore.Cache store;
        final BinaryMessageEncoder<T> encoder;
        final BinaryMessageDecoder<T> decoder;

        State(Class<T> recordClass, List<String> writerSchemaJson) {
            SpecificData model = SpecificData.getForClass(recordClass);
            this.schema = model.getSchema(recordClass);
            this.fingerprint = SchemaNormalization.parsingFingerprint64(schema);
            this.store = new SchemaStore.Cache();
            for (String json : writerSchemaJson) {
                store.addSchema(new Schema.Parser().parse(json));
            }
            this.encoder = new BinaryMessageEncoder<>(model, schema);
            this.decoder = new BinaryMessageDecoder<>(model, schema, store);
        }
    }

    /** Builder of {@link AvroSingleObjectCodec}; schemas are checked in {@link #build()}. */
    public static final class Builder<T extends SpecificRecord> {
        private final Class<T> recordClass;
        private final List<Schema> writerSchemas = new ArrayList<>();

        private Builder(Class<T> recordClass) {
            this.recordClass = Objects.requireNonNull(recordClass, "recordClass");
        }

        /**
         * Registers another version of the record's schema that producers may have written with;
         * it must resolve to the class's schema under Avro's rules.
         */
        public Builder<T> addWriterSchema(Schema writerSchema) {
            writerSchemas.add(Objects.requireNonNull(writerSchema, "writerSchema"));
            return this;
        }

        public AvroSingleObjectCodec<T> build() {
            Schema readerSchema = SpecificData.getForClass(recordClass).getSchema(recordClass);
            if (readerSchema.getType() != Schema.Type.RECORD) {
                throw new IllegalArgumentException(
                        String.format(
                                "%s has a schema of type %s, expected a record",
                                recordClass.getName(), readerSchema.getType()));
            }
            List<String> json = new ArrayList<>();
            for (Schema writer : writerSchemas) {
                SchemaPairCompatibility compatibility =
                        SchemaCompatibility.checkReaderWriterCompatibility(readerSchema, writer);
                if (compatibility.getType() != SchemaCompatibilityType.COMPATIBLE) {
                    throw new IllegalArgumentException(
                            String.format(
                                    "writer schema %s cannot be read as %s: %s",
                                    writer.getFullName(),
                                    recordClass.getName(),
                                    compatibility.getDescription()));
                }
                json.add(writer.toString());
            }
            return new AvroSingleObjectCodec<>(recordClass, json);
        }
    }
}
