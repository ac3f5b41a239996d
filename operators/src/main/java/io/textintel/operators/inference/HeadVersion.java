package io.textintel.operators.inference;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The version of a head a task builds when it opens (few-shot, zero-shot): the first 64 bits of a
 * SHA-256 over everything the head is built from, written {@code <kind>:<16 hex digits>}. The same
 * inputs give the same version on every TaskManager and replay; any change gives another.
 */
final class HeadVersion {

    private final MessageDigest digest;
    private final String kind;

    HeadVersion(String kind) {
        this.kind = kind;
        try {
            this.digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256, which every Java platform must have", e);
        }
        add(kind);
    }

    /** Adds a value, length-prefixed so that ("ab", "c") and ("a", "bc") differ; null counts as its own value. */
    HeadVersion add(Object value) {
        byte[] bytes = String.valueOf(value).getBytes(StandardCharsets.UTF_8);
        int length = value == null ? -1 : bytes.length;
        digest.update(new byte[] {(byte) (length >>> 24), (byte) (length >>> 16), (byte) (length >>> 8), (byte) length});
        digest.update(bytes);
        return this;
    }

    String finish() {
        byte[] hash = digest.digest();
        return kind + ":" + HexFormat.of().formatHex(hash, 0, 8);
    }
}
