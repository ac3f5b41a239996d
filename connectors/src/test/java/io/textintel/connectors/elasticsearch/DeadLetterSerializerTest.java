package io.textintel.connectors.elasticsearch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.textintel.schemas.DeadLetter;
import io.textintel.schemas.DeadLetterReason;
import io.textintel.schemas.KafkaProvenance;
import io.textintel.schemas.PipelineStage;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class DeadLetterSerializerTest {

    static DeadLetter.Builder letter() {
        return DeadLetter.newBuilder()
                .setOriginalBytes(ByteBuffer.wrap("{\"id\":\"r1\",\"text\":".getBytes(StandardCharsets.UTF_8)))
                .setStage(PipelineStage.DECODE)
                .setReason("JSON ends inside an object at offset 18, expected a complete document")
                .setReasonCode(DeadLetterReason.UNDECODABLE.code())
                .setRecordId("r1")
                .setProvenance(new KafkaProvenance("feedback", 3, 1234L, Instant.parse("2026-12-01T09:00:00Z")))
                .setTime(Instant.parse("2026-12-01T09:00:01.5Z"))
                .setOriginalLength(70_000L)
                .setOriginalSha256("ab".repeat(32));
    }

    @Test
    void writesTheFieldsOfTheDeadLettersTemplate() throws Exception {
        ElasticsearchDocument document = new DeadLetterSerializer().serialize(letter().build());
        JsonNode json = new ObjectMapper().readTree(document.source());

        assertThat(document.id()).isEqualTo("feedback:3:1234:DECODE");
        assertThat(json.get("time").asText()).isEqualTo("2026-12-01T09:00:01.500Z");
        assertThat(json.get("stage").asText()).isEqualTo("decode");
        assertThat(json.get("reason").asText()).startsWith("JSON ends inside an object");
        assertThat(json.get("reason_code").asText()).isEqualTo("undecodable");
        assertThat(json.get("record_id").asText()).isEqualTo("r1");
        assertThat(json.get("source_topic").asText()).isEqualTo("feedback");
        assertThat(json.get("source_partition").asInt()).isEqualTo(3);
        assertThat(json.get("source_offset").asLong()).isEqualTo(1234L);
        assertThat(json.get("source_timestamp").asText()).isEqualTo("2026-12-01T09:00:00Z");
        assertThat(json.get("original_length").asLong()).isEqualTo(70_000L);
        assertThat(json.get("original_kept_bytes").asInt()).isEqualTo(18);
        assertThat(json.get("original_sha256").asText()).isEqualTo("ab".repeat(32));
        assertThat(json.get("original_preview").asText()).isEqualTo("{\"id\":\"r1\",\"text\":");
    }

    @Test
    void aDeadLetterWithoutAReasonCodeHasNoReasonCodeField() throws Exception {
        JsonNode json = new ObjectMapper().readTree(
                new DeadLetterSerializer().serialize(letter().setReasonCode(null).build()).source());

        assertThat(json.has("reason_code")).isFalse();
        assertThat(json.get("stage").asText()).isEqualTo("decode");
    }

    @Test
    void everyFieldItWritesIsMappedByTheDeadLettersTemplate() throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        JsonNode properties = mapper.readTree(IndexTemplates.deadLetters().json()).at("/template/mappings/properties");
        JsonNode json = mapper.readTree(new DeadLetterSerializer().serialize(letter().build()).source());

        json.fieldNames().forEachRemaining(field -> assertThat(properties.has(field)).as("field %s", field).isTrue());
        assertThat(properties.at("/reason_code/type").asText()).isEqualTo("keyword");
    }

    @Test
    void idIsTheSameOnReplayAndDiffersByStageAndOffset() {
        DeadLetter first = letter().build();
        DeadLetter replayed = letter().setTime(Instant.parse("2026-12-01T10:30:00Z"))
                .setReason("JSON ends inside an object at offset 18 (replayed)").build();
        DeadLetter laterStage = letter().setStage(PipelineStage.INFERENCE).build();
        DeadLetter nextOffset = letter()
                .setProvenance(new KafkaProvenance("feedback", 3, 1235L, Instant.parse("2026-12-01T09:00:00Z")))
                .build();

        assertThat(DeadLetterSerializer.idOf(replayed)).isEqualTo(DeadLetterSerializer.idOf(first));
        assertThat(DeadLetterSerializer.idOf(laterStage)).isEqualTo("feedback:3:1234:INFERENCE");
        assertThat(DeadLetterSerializer.idOf(nextOffset)).isNotEqualTo(DeadLetterSerializer.idOf(first));
    }

    @Test
    void withoutProvenanceTheIdComesFromTheInputAndOnlyAPreviewIsWritten() throws Exception {
        byte[] big = new byte[5000];
        java.util.Arrays.fill(big, (byte) 'x');
        DeadLetter letter = letter().setProvenance(null).setOriginalSha256(null).setOriginalLength(null)
                .setOriginalBytes(ByteBuffer.wrap(big)).build();
        DeadLetter again = letter().setProvenance(null).setOriginalSha256(null).setOriginalLength(null)
                .setOriginalBytes(ByteBuffer.wrap(big.clone())).setTime(Instant.parse("2026-12-02T00:00:00Z")).build();

        ElasticsearchDocument document = new DeadLetterSerializer().serialize(letter);
        JsonNode json = new ObjectMapper().readTree(document.source());

        assertThat(document.id()).startsWith("no-source:DECODE:r1:").hasSize("no-source:DECODE:r1:".length() + 64);
        assertThat(DeadLetterSerializer.idOf(again)).isEqualTo(document.id());
        assertThat(json.has("source_topic")).isFalse();
        assertThat(json.get("original_length").asLong()).isEqualTo(5000);
        assertThat(json.get("original_preview").asText()).hasSize(DeadLetterSerializer.PREVIEW_BYTES);
        assertThat(json.get("original_sha256").asText()).isEqualTo(document.id().substring(document.id().length() - 64));
    }
}
