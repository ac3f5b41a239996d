package io.textintel.connectors.elasticsearch;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.textintel.schemas.DeadLetter;
import io.textintel.schemas.KafkaProvenance;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.Locale;

/**
 * The document serializer of {@link DeadLetter}: snake_case JSON for the dead-letters index template
 * of {@link IndexTemplates}, so that Kibana can count dead letters by stage and reason code
 * ({@code reason_code}, absent for dead letters written before the codes existed).
 *
 * <p>The id is what identifies the failed input across replays: its Kafka provenance and the stage,
 * {@code <topic>:<partition>:<offset>:<stage>}, so a dead letter written again after a failover
 * overwrites the first. Without provenance it is the stage, the record id and the SHA-256 of the
 * input. The input itself is not indexed: the document keeps its length, its SHA-256 and a preview
 * of at most {@value #PREVIEW_BYTES} bytes read as UTF-8; the whole bounded input stays on the Kafka
 * dead-letter topic.
 */
public final class DeadLetterSerializer implements DocumentSerializer<DeadLetter> {

    private static final long serialVersionUID = 1L;

    /** Most bytes of the input the document shows as {@code original_preview}. */
    public static final int PREVIEW_BYTES = 1024;

    private static final JsonFactory JSON = new JsonFactory();

    /** The deterministic document id of a dead letter. */
    public static String idOf(DeadLetter letter) {
        String stage = letter.getStage().name();
        KafkaProvenance source = letter.getProvenance();
        if (source != null) {
            return source.getTopic() + ":" + source.getPartition() + ":" + source.getOffset() + ":" + stage;
        }
        String sha = letter.getOriginalSha256() != null ? letter.getOriginalSha256() : sha256(bytesOf(letter));
        return "no-source:" + stage + ":" + (letter.getRecordId() == null ? "" : letter.getRecordId()) + ":" + sha;
    }

    @Override
    public ElasticsearchDocument serialize(DeadLetter letter) {
        byte[] original = bytesOf(letter);
        ByteArrayOutputStream out = new ByteArrayOutputStream(512 + Math.min(original.length, PREVIEW_BYTES));
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            writeTime(json, "time", letter.getTime());
            json.writeStringField("stage", letter.getStage().name().toLowerCase(Locale.ROOT));
            json.writeStringField("reason", letter.getReason());
            if (letter.getReasonCode() != null) {
                json.writeStringField("reason_code", letter.getReasonCode());
            }
            if (letter.getRecordId() != null) {
                json.writeStringField("record_id", letter.getRecordId());
            }
            KafkaProvenance source = letter.getProvenance();
            if (source != null) {
                json.writeStringField("source_topic", source.getTopic());
                json.writeNumberField("source_partition", source.getPartition());
                json.writeNumberField("source_offset", source.getOffset());
                writeTime(json, "source_timestamp", source.getTimestamp());
            }
            json.writeNumberField("original_length",
                    letter.getOriginalLength() != null ? letter.getOriginalLength() : original.length);
            json.writeNumberField("original_kept_bytes", original.length);
            json.writeStringField("original_sha256",
                    letter.getOriginalSha256() != null ? letter.getOriginalSha256() : sha256(original));
            json.writeStringField("original_preview", new String(original, 0,
                    Math.min(original.length, PREVIEW_BYTES), StandardCharsets.UTF_8));
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not write dead letter " + idOf(letter) + " as JSON.", e);
        }
        return new ElasticsearchDocument(idOf(letter), out.toByteArray());
    }

    private static byte[] bytesOf(DeadLetter letter) {
        ByteBuffer buffer = letter.getOriginalBytes().duplicate();
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM, which every JVM must have.", e);
        }
    }

    private static void writeTime(JsonGenerator json, String field, Instant time) throws IOException {
        json.writeStringField(field, DateTimeFormatter.ISO_INSTANT.format(time));
    }
}
