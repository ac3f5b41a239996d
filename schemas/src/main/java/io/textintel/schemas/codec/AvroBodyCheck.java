package io.textintel.schemas.codec;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import org.apache.avro.Schema;

/**
 * A walk over an Avro binary body, following its writer schema, that checks every length and
 * count against the bytes that are left before Avro's reader allocates anything.
 *
 * <p>Avro's reader allocates what a length prefix says: 15 bytes that claim a 2 GiB string make it
 * allocate 2 GiB. Here a string or bytes value may not be longer than the bytes left, an array or map
 * block may not count more items than bytes left (items that can take no bytes at all, such as
 * {@code null}s, at most {@link #MAX_EMPTY_ITEMS}), nesting may not be deeper than {@link
 * #MAX_DEPTH}, and strings must be well-formed UTF-8 (Avro's reader would replace malformed bytes
 * with U+FFFD). So the reader never allocates more than the payload's own size per value.
 */
final class AvroBodyCheck {

    /** Deepest nesting of records, arrays, maps and unions a body may have. */
    static final int MAX_DEPTH = 256;

    /** Most items of an array or map block whose items can be encoded in zero bytes. */
    static final int MAX_EMPTY_ITEMS = 65_536;

    private final byte[] bytes;
    private final int end;
    private final String recordName;
    private int pos;

    private AvroBodyCheck(byte[] bytes, int offset, String recordName) {
        this.bytes = bytes;
        this.pos = offset;
        this.end = bytes.length;
        this.recordName = recordName;
    }

    /**
     * Checks the body of {@code bytes} from {@code offset} against {@code writer}.
     *
     * @throws RecordDecodeException naming the field, the declared size and what was left
     */
    static void check(Schema writer, byte[] bytes, int offset, String recordName)
            throws RecordDecodeException {
        new AvroBodyCheck(bytes, offset, recordName).walk(writer, writer.getName(), 0);
    }

    /**
     * The record's id when the writer schema starts with a string field {@code id} that is readable
     * (at most {@code maxBytes} of valid UTF-8), else null: a best effort for the dead letter of a
     * body that is broken further on.
     */
    static String leadingId(Schema writer, byte[] bytes, int offset, int maxBytes) {
        if (writer.getType() != Schema.Type.RECORD || writer.getFields().isEmpty()) {
            return null;
        }
        Schema.Field first = writer.getFields().get(0);
        if (!first.name().equals("id") || first.schema().getType() != Schema.Type.STRING) {
            return null;
        }
        AvroBodyCheck walker = new AvroBodyCheck(bytes, offset, writer.getName());
        try {
            int length = walker.readLength("id", "string");
            if (length == 0 || length > maxBytes) {
                return null;
            }
            walker.requireUtf8("id", length);
            return new String(bytes, walker.pos, length, StandardCharsets.UTF_8);
        } catch (RecordDecodeException e) {
            return null;
        }
    }

    private void walk(Schema schema, String path, int depth) throws RecordDecodeException {
        if (depth > MAX_DEPTH) {
            throw fail(path, "nests deeper than " + MAX_DEPTH + " levels");
        }
        switch (schema.getType()) {
            case NULL -> { }
            case BOOLEAN -> skip(path, 1);
            case INT, LONG -> readLong(path);
            case FLOAT -> skip(path, 4);
            case DOUBLE -> skip(path, 8);
            case FIXED -> skip(path, schema.getFixedSize());
            case STRING -> {
                int length = readLength(path, "string");
                requireUtf8(path, length);
                pos += length;
            }
            case BYTES -> {
                int length = readLength(path, "bytes value");
                pos += length;
            }
            case ENUM -> {
                long index = readLong(path);
                if (index < 0 || index >= schema.getEnumSymbols().size()) {
                    throw fail(path, "has enum index " + index + ", expected 0 to "
                            + (schema.getEnumSymbols().size() - 1));
                }
            }
            case UNION -> {
                long index = readLong(path);
                if (index < 0 || index >= schema.getTypes().size()) {
                    throw fail(path, "has union branch " + index + ", expected 0 to "
                            + (schema.getTypes().size() - 1));
                }
                walk(schema.getTypes().get((int) index), path, depth + 1);
            }
            case RECORD -> {
                for (Schema.Field field : schema.getFields()) {
                    walk(field.schema(), path + "." + field.name(), depth + 1);
                }
            }
            case ARRAY -> walkBlocks(path, depth, null, schema.getElementType());
            case MAP -> walkBlocks(path, depth, Schema.create(Schema.Type.STRING), schema.getValueType());
            default -> throw new IllegalStateException(
                    "Avro type " + schema.getType() + " is not walked. This is a bug.");
        }
    }

    /** The blocks of an array ({@code key} null) or map: a count, items, until a zero count. */
    private void walkBlocks(String path, int depth, Schema key, Schema value) throws RecordDecodeException {
        boolean itemsCanBeEmpty = key == null && canBeEmpty(value, new HashSet<>());
        for (long count = readLong(path); count != 0; count = readLong(path)) {
            if (count < 0) {
                if (count == Long.MIN_VALUE) {
                    throw fail(path, "has a block count of " + count);
                }
                count = -count;
                long blockBytes = readLong(path);
                if (blockBytes < 0 || blockBytes > end - pos) {
                    throw fail(path, "declares a block of " + blockBytes + " bytes, expected at most the "
                            + (end - pos) + " byte(s) left");
                }
            }
            long limit = itemsCanBeEmpty ? MAX_EMPTY_ITEMS : end - pos;
            if (count > limit) {
                throw fail(path, "declares " + count + " items, expected at most " + limit
                        + (itemsCanBeEmpty ? " (items that take no bytes)" : " (one per byte left)"));
            }
            for (long i = 0; i < count; i++) {
                if (key != null) {
                    walk(key, path + "[key]", depth + 1);
                }
                walk(value, path + "[" + i + "]", depth + 1);
            }
        }
    }

    /** Whether a value of {@code schema} can be encoded in zero bytes. */
    private static boolean canBeEmpty(Schema schema, Set<String> visiting) {
        return switch (schema.getType()) {
            case NULL -> true;
            case FIXED -> schema.getFixedSize() == 0;
            case RECORD -> {
                if (!visiting.add(schema.getFullName())) {
                    yield false; // a recursive record must stop somewhere, in a union or a collection
                }
                boolean empty = schema.getFields().stream().allMatch(f -> canBeEmpty(f.schema(), visiting));
                visiting.remove(schema.getFullName());
                yield empty;
            }
            default -> false;
        };
    }

    private int readLength(String path, String what) throws RecordDecodeException {
        long length = readLong(path);
        if (length < 0) {
            throw fail(path, "declares a " + what + " of " + length + " bytes, expected a length >= 0");
        }
        if (length > end - pos) {
            throw new RecordDecodeException(String.format(
                    "Avro body of %s is truncated: %d byte(s) end before the record does (field %s"
                            + " declares a %s of %d bytes where %d are left)",
                    recordName, bytes.length, path, what, length, end - pos));
        }
        return (int) length;
    }

    private void requireUtf8(String path, int length) throws RecordDecodeException {
        try {
            StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, pos, length));
        } catch (CharacterCodingException e) {
            throw fail(path, "is not valid UTF-8 (" + e.getMessage() + ")");
        }
    }

    private void skip(String path, int n) throws RecordDecodeException {
        if (n > end - pos) {
            throw truncated(path);
        }
        pos += n;
    }

    /** A zig-zag varint of at most 10 bytes. */
    private long readLong(String path) throws RecordDecodeException {
        long value = 0;
        for (int shift = 0; shift < 70; shift += 7) {
            if (pos >= end) {
                throw truncated(path);
            }
            int b = bytes[pos++] & 0xff;
            value |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return (value >>> 1) ^ -(value & 1);
            }
        }
        throw fail(path, "has a variable-length integer longer than 10 bytes");
    }

    private RecordDecodeException truncated(String path) {
        return new RecordDecodeException(String.format(
                "Avro body of %s is truncated: %d byte(s) end before the record does (in field %s)",
                recordName, bytes.length, path));
    }

    private RecordDecodeException fail(String path, String what) {
        return new RecordDecodeException(String.format(
                "Avro body of %d byte(s) does not match the writer schema of %s: field %s %s (at byte %d)",
                bytes.length, recordName, path, what, pos));
    }
}
