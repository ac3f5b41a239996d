package io.textintel.schemas.codec;

import io.textintel.schemas.DeadLetter;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The size limit of a {@link DeadLetter}, so that one huge input cannot make the dead-letter producer
 * fail ({@code RecordTooLargeException}) and the job crash-loop on its replay.
 *
 * <p>A bounded dead letter keeps at most {@code maxOriginalBytes} leading bytes of its input, with
 * the input's whole length ({@code originalLength}) and SHA-256 ({@code originalSha256}); its
 * reason at most {@link #MAX_REASON_CHARS} characters; its record id only when it has at most
 * {@link #MAX_RECORD_ID_BYTES} UTF-8 bytes (a longer one is no usable id, and the reason names it).
 * Its Avro encoding is then at most {@link #maxEncodedBytes()}, which is what the Kafka producer's
 * {@code max.request.size} and the topic's {@code max.message.bytes} must allow.
 *
 * <p>Immutable, thread-safe and serializable.
 */
public final class DeadLetterBound implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Default number of original bytes kept: 64 KiB. */
    public static final int DEFAULT_MAX_ORIGINAL_BYTES = 64 * 1024;

    /** Most characters of a reason; a longer one is cut and marked. */
    public static final int MAX_REASON_CHARS = 4096;

    /** Most UTF-8 bytes of a record id kept on a dead letter: Elasticsearch's {@code _id} limit. */
    public static final int MAX_RECORD_ID_BYTES = 512;

    /**
     * Most bytes of a bounded dead letter besides its original bytes: the reason (4096 characters
     * of at most 3 UTF-8 bytes each), the reason code, the id, a Kafka topic name (at most 249 characters), the
     * hash, Avro framing and the single-object header, rounded up.
     */
    public static final int OVERHEAD_BYTES = 16 * 1024;

    private final int maxOriginalBytes;

    /** @throws IllegalArgumentException if {@code maxOriginalBytes} is negative */
    public DeadLetterBound(int maxOriginalBytes) {
        if (maxOriginalBytes < 0) {
            throw new IllegalArgumentException(
                    "dead-letter max-bytes is " + maxOriginalBytes + ", expected >= 0");
        }
        this.maxOriginalBytes = maxOriginalBytes;
    }

    /** The bound with {@link #DEFAULT_MAX_ORIGINAL_BYTES}. */
    public static DeadLetterBound defaults() {
        return new DeadLetterBound(DEFAULT_MAX_ORIGINAL_BYTES);
    }

    public int maxOriginalBytes() {
        return maxOriginalBytes;
    }

    /** The largest Avro single-object encoding of a bounded dead letter. */
    public int maxEncodedBytes() {
        return maxOriginalBytes + OVERHEAD_BYTES;
    }

    /**
     * {@code letter} within the bound, with its original length and SHA-256 set (kept if already set:
     * a letter bounded before keeps the figures of its whole input).
     */
    public DeadLetter apply(DeadLetter letter) {
        ByteBuffer original = letter.getOriginalBytes().duplicate();
        int length = original.remaining();
        DeadLetter.Builder bounded = DeadLetter.newBuilder(letter);
        if (letter.getOriginalLength() == null) {
            bounded.setOriginalLength((long) length);
        }
        if (letter.getOriginalSha256() == null) {
            bounded.setOriginalSha256(sha256(original.duplicate()));
        }
        if (length > maxOriginalBytes) {
            ByteBuffer prefix = original.duplicate();
            prefix.limit(prefix.position() + maxOriginalBytes);
            byte[] kept = new byte[maxOriginalBytes];
            prefix.get(kept);
            bounded.setOriginalBytes(ByteBuffer.wrap(kept));
        }
        String reason = letter.getReason() == null ? "" : letter.getReason();
        String id = letter.getRecordId();
        if (id != null && id.getBytes(StandardCharsets.UTF_8).length > MAX_RECORD_ID_BYTES) {
            reason = "[record id of " + id.length() + " characters not kept, it starts with \""
                    + id.substring(0, Math.min(40, id.length())) + "\"] " + reason;
            bounded.setRecordId(null);
        }
        if (reason.length() > MAX_REASON_CHARS) {
            String marker = "... [reason of " + reason.length() + " characters cut]";
            reason = reason.substring(0, MAX_REASON_CHARS - marker.length()) + marker;
        }
        bounded.setReason(reason);
        return bounded.build();
    }

    /** Lower-case hex SHA-256 of the buffer's remaining bytes. */
    public static String sha256(ByteBuffer bytes) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(bytes);
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM, which Java requires. This is a bug.", e);
        }
    }

    @Override
    public String toString() {
        return "DeadLetterBound{maxOriginalBytes=" + maxOriginalBytes + '}';
    }
}
