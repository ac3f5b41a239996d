package io.textintel.schemas.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.textintel.schemas.DeadLetter;
import io.textintel.schemas.PipelineStage;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DeadLetterBoundTest {

    private final AvroSingleObjectCodec<DeadLetter> codec = AvroSingleObjectCodec.of(DeadLetter.class);

    @Test
    void keepsAPrefixTheWholeLengthAndTheWholeHash() throws Exception {
        byte[] original = new byte[3 * 1024 * 1024];
        new Random(1).nextBytes(original);

        DeadLetter bounded = new DeadLetterBound(1000).apply(letter(original, "too long", "r-1"));

        assertThat(bounded.getOriginalBytes().remaining()).isEqualTo(1000);
        assertThat(bytes(bounded.getOriginalBytes())).isEqualTo(Arrays.copyOf(original, 1000));
        assertThat(bounded.getOriginalLength()).isEqualTo(original.length);
        // Against the JDK's digest of the whole input, computed here independently.
        assertThat(bounded.getOriginalSha256())
                .isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(original)));
        assertThat(bounded.getReason()).isEqualTo("too long");
        assertThat(bounded.getRecordId()).isEqualTo("r-1");
    }

    @Test
    void aSmallLetterIsKeptWholeWithItsFigures() throws Exception {
        byte[] original = "{\"id\":1}".getBytes(StandardCharsets.UTF_8);

        DeadLetter bounded = DeadLetterBound.defaults().apply(letter(original, "r", null));

        assertThat(bytes(bounded.getOriginalBytes())).isEqualTo(original);
        assertThat(bounded.getOriginalLength()).isEqualTo(original.length);
        assertThat(bounded.getOriginalSha256())
                .isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(original)));
    }

    @Test
    void boundingTwiceKeepsTheFiguresOfTheWholeInput() {
        byte[] original = new byte[5000];
        DeadLetterBound bound = new DeadLetterBound(100);
        DeadLetter once = bound.apply(letter(original, "r", "x"));

        DeadLetter twice = bound.apply(once);

        assertThat(twice.getOriginalLength()).isEqualTo(5000);
        assertThat(twice.getOriginalSha256()).isEqualTo(once.getOriginalSha256());
    }

    @Test
    void cutsLongReasonsAndDropsIdsElasticsearchCouldNotTake() {
        String id = "i".repeat(2000);
        DeadLetter bounded = DeadLetterBound.defaults().apply(letter(new byte[1], "x".repeat(100_000), id));

        assertThat(bounded.getReason()).hasSize(DeadLetterBound.MAX_REASON_CHARS)
                .endsWith("characters cut]").contains("[record id of 2000 characters not kept");
        assertThat(bounded.getRecordId()).isNull();
    }

    @Test
    void theEncodedLetterStaysWithinTheAdvertisedSizeAtTheWorstCase() {
        DeadLetterBound bound = new DeadLetterBound(64 * 1024);
        // Worst case: the longest reason in 3-byte characters, an id at the limit, a 249-character topic.
        DeadLetter worst = letter(new byte[10 * 1024 * 1024], "\u20ac".repeat(1_000_000), "\u20ac".repeat(170));
        worst.setProvenance(io.textintel.schemas.KafkaProvenance.newBuilder().setTopic("t".repeat(249))
                .setPartition(Integer.MAX_VALUE).setOffset(Long.MAX_VALUE).setTimestamp(Instant.now()).build());

        byte[] encoded = codec.encode(bound.apply(worst));

        assertThat(encoded.length).isLessThanOrEqualTo(bound.maxEncodedBytes());
    }

    @Test
    void rejectsANegativeBound() {
        assertThatThrownBy(() -> new DeadLetterBound(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("dead-letter max-bytes is -1, expected >= 0");
    }

    private static DeadLetter letter(byte[] original, String reason, String id) {
        return DeadLetter.newBuilder().setOriginalBytes(ByteBuffer.wrap(original)).setStage(PipelineStage.DECODE)
                .setReason(reason).setRecordId(id).setProvenance(null).setTime(Instant.EPOCH).build();
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] b = new byte[buffer.remaining()];
        buffer.duplicate().get(b);
        return b;
    }
}
