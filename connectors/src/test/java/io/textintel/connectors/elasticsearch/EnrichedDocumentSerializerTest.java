package io.textintel.connectors.elasticsearch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.textintel.schemas.EnrichedDocument;
import io.textintel.schemas.KafkaProvenance;
import io.textintel.schemas.ModelRef;
import io.textintel.schemas.SummaryInfo;
import io.textintel.schemas.TopicTag;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EnrichedDocumentSerializerTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static EnrichedDocument.Builder minimal() {
        return EnrichedDocument.newBuilder()
                .setId("doc-1")
                .setText("The checkout page froze twice.")
                .setProcessingTime(Instant.parse("2025-03-01T10:15:30.250Z"));
    }

    @Test
    void writesEveryFieldInSnakeCaseWithTheDocumentIdAsId() throws Exception {
        EnrichedDocument document = minimal()
                .setSource("app-reviews")
                .setLanguage("en")
                .setEventTime(Instant.parse("2025-03-01T10:15:00Z"))
                .setAttributes(Map.of("store", "berlin"))
                .setNormalizations(List.of("removed-control-characters:text:1", "derived-id:topic-partition-offset"))
                .setEmbedding(List.of(0.6f, -0.8f, 0.0f))
                .setTopics(List.of(
                        TopicTag.newBuilder().setLabel("checkout").setScore(0.9f).build(),
                        TopicTag.newBuilder().setLabel("performance").setScore(0.25f).build()))
                .setSummary(SummaryInfo.newBuilder()
                        .setText("Checkout freezes.")
                        .setInputTokens(12)
                        .setOutputTokens(4)
                        .setLatencyMillis(85)
                        .setChunks(1)
                        .setDraftTokensProposed(8)
                        .setDraftTokensAccepted(6)
                        .setAcceptanceRate(0.75f)
                        .setVerifySteps(3)
                        .setAcceptedPerStep(2f)
                        .setMethod("extractive")
                        .setSentences(List.of(0, 2))
                        .setSummarizedTokens(10)
                        .build())
                .setModels(List.of(ModelRef.newBuilder()
                        .setTask("embed").setModelId("tiny-bert").setRevision("abc123")
                        .setInputTokens(9).setTruncated(false).setUnknownTokens(2)
                        .setHead("few-shot:0123456789abcdef").build()))
                .setProvenance(KafkaProvenance.newBuilder()
                        .setTopic("raw").setPartition(3).setOffset(42L)
                        .setTimestamp(Instant.parse("2025-03-01T09:56:40Z")).build())
                .build();

        ElasticsearchDocument serialized = new EnrichedDocumentSerializer().serialize(document);
        JsonNode json = JSON.readTree(serialized.source());

        assertThat(serialized.id()).isEqualTo("doc-1");
        assertThat(json.get("id").asText()).isEqualTo("doc-1");
        assertThat(json.get("text").asText()).isEqualTo("The checkout page froze twice.");
        assertThat(json.get("source").asText()).isEqualTo("app-reviews");
        assertThat(json.get("language").asText()).isEqualTo("en");
        assertThat(json.get("event_time").asText()).isEqualTo("2025-03-01T10:15:00Z");
        assertThat(json.get("processing_time").asText()).isEqualTo("2025-03-01T10:15:30.250Z");
        assertThat(json.at("/attributes/store").asText()).isEqualTo("berlin");
        assertThat(json.get("embedding")).extracting(JsonNode::floatValue).containsExactly(0.6f, -0.8f, 0.0f);
        assertThat(json.get("topics")).hasSize(2);
        assertThat(json.at("/topics/0/label").asText()).isEqualTo("checkout");
        assertThat(json.at("/topics/1/score").floatValue()).isEqualTo(0.25f);
        assertThat(json.get("topic_labels")).extracting(JsonNode::asText).containsExactly("checkout", "performance");
        assertThat(json.get("top_topic").asText()).isEqualTo("checkout");
        assertThat(json.get("top_topic_score").floatValue()).isEqualTo(0.9f);
        assertThat(json.get("summary").asText()).isEqualTo("Checkout freezes.");
        assertThat(json.get("summary_input_tokens").asInt()).isEqualTo(12);
        assertThat(json.get("summary_output_tokens").asInt()).isEqualTo(4);
        assertThat(json.get("summary_latency_ms").asLong()).isEqualTo(85);
        assertThat(json.get("summary_chunks").asInt()).isEqualTo(1);
        assertThat(json.get("summary_summarized_tokens").asInt()).isEqualTo(10);
        assertThat(json.get("normalizations")).extracting(JsonNode::asText)
                .containsExactly("removed-control-characters:text:1", "derived-id:topic-partition-offset");
        assertThat(json.get("summary_draft_tokens_proposed").asInt()).isEqualTo(8);
        assertThat(json.get("summary_draft_tokens_accepted").asInt()).isEqualTo(6);
        assertThat(json.get("summary_acceptance_rate").floatValue()).isEqualTo(0.75f);
        assertThat(json.get("summary_verify_steps").asInt()).isEqualTo(3);
        assertThat(json.get("summary_accepted_per_step").floatValue()).isEqualTo(2f);
        assertThat(json.at("/models/0/task").asText()).isEqualTo("embed");
        assertThat(json.at("/models/0/model_id").asText()).isEqualTo("tiny-bert");
        assertThat(json.at("/models/0/revision").asText()).isEqualTo("abc123");
        assertThat(json.at("/models/0/input_tokens").asInt()).isEqualTo(9);
        assertThat(json.at("/models/0/truncated").asBoolean()).isFalse();
        assertThat(json.at("/models/0/unknown_tokens").asInt()).isEqualTo(2);
        assertThat(json.at("/models/0/head").asText()).isEqualTo("few-shot:0123456789abcdef");
        assertThat(json.get("summary_method").asText()).isEqualTo("extractive");
        assertThat(json.get("summary_sentences")).extracting(JsonNode::asInt).containsExactly(0, 2);
        assertThat(json.at("/kafka/topic").asText()).isEqualTo("raw");
        assertThat(json.at("/kafka/partition").asInt()).isEqualTo(3);
        assertThat(json.at("/kafka/offset").asLong()).isEqualTo(42L);
        assertThat(json.at("/kafka/timestamp").asText()).isEqualTo("2025-03-01T09:56:40Z");
    }

    @Test
    void leavesOutAbsentOptionalFields() throws Exception {
        JsonNode json = JSON.readTree(new EnrichedDocumentSerializer().serialize(minimal().build()).source());

        assertThat(json.fieldNames()).toIterable().containsExactlyInAnyOrder("id", "text", "processing_time");
    }

    @Test
    void sameDocumentGivesTheSameIdAndBytes() {
        EnrichedDocument document = minimal().setEmbedding(List.of(0.1f, 0.2f)).build();
        EnrichedDocumentSerializer serializer = new EnrichedDocumentSerializer();

        assertThat(serializer.serialize(document)).isEqualTo(serializer.serialize(document));
    }

    @Test
    void escapesTextThatIsNotPlainAscii() throws Exception {
        String text = "Quote \" backslash \\ newline \n emoji \uD83D\uDE00 umlaut ü";
        JsonNode json = JSON.readTree(new EnrichedDocumentSerializer().serialize(minimal().setText(text).build()).source());

        assertThat(json.get("text").asText()).isEqualTo(text);
    }

    @Test
    void refusesNonFiniteEmbeddingValues() {
        EnrichedDocument document = minimal().setEmbedding(List.of(0.1f, Float.NaN)).build();

        assertThatThrownBy(() -> new EnrichedDocumentSerializer().serialize(document))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Embedding of document doc-1 has NaN at position 1, expected finite values.");
    }
}
