package io.textintel.schemas.codec;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Strict UTF-8 decoding that reports the offset of the first malformed byte instead of replacing
 * it with U+FFFD, so a corrupt payload becomes a dead letter rather than silently altered text.
 */
final class StrictUtf8 {

    private static final char BYTE_ORDER_MARK = '\uFEFF';

    private StrictUtf8() {}

    /**
     * Decodes {@code bytes} as UTF-8, dropping one leading byte order mark.
     *
     * @throws RecordDecodeException naming the offset and value of the first malformed byte
     */
    static String decode(byte[] bytes) throws RecordDecodeException {
        // CharsetDecoder is stateful and cheap to create; one per call keeps this thread-safe.
        CharsetDecoder decoder =
                StandardCharsets.UTF_8
                        .newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        // UTF-8 never yields more UTF-16 units than it has bytes.
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult result = decoder.decode(in, out, true);
        if (!result.isError()) {
            result = decoder.flush(out);
        }
        if (result.isError()) {
            int offset = in.position();
            throw new RecordDecodeException(
                    String.format(
                            "payload is not valid UTF-8: malformed sequence of %d byte(s) starting"
                                    + " with 0x%02x at byte offset %d of %d",
                            result.length(), bytes[offset] & 0xff, offset, bytes.length));
        }
        out.flip();
        if (out.hasRemaining() && out.get(0) == BYTE_ORDER_MARK) {
            out.position(1);
        }
        return out.toString();
    }
}
