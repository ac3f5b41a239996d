package io.textintel.connectors.elasticsearch;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.textintel.schemas.EnrichedDocument;
import io.textintel.schemas.KafkaProvenance;
import io.textintel.schemas.ModelRef;
import io.textintel.schemas.SummaryInfo;
import io.textintel.schemas.TopicTag;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;

/**
 * The document serializer of {@link EnrichedDocument}: snake_case JSON laid out for the documents
 * index template of {@link IndexTemplates}, with the document id as {@code _id}.
 *
 * <p>Besides the nested {@code topics} (label and score together), it writes {@code topic_labels}
 * and {@code top_topic} as plain keywords, because Kibana aggregates those without nested queries.
 * Summary statistics are flattened into {@code summary_*} fields so they chart directly; the
 * record's {@code normalizations} (what the pipeline repaired or derived) are keywords. Times are
 * ISO-8601 instants in UTC ({@code strict_date_optional_time} in the template). Optional fields
 * that are absent are left out rather than written as null.
 */
public final class EnrichedDocumentSerializer implements DocumentSerializer<EnrichedDocument> {

    private static final long serialVersionUID = 1L;

    private static final JsonFactory JSON = new JsonFactory();

    @Override
    public ElasticsearchDocument serialize(EnrichedDocument document) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(estimateSize(document));
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("id", document.getId());
            json.writeStringField("text", document.getText());
            writeOptionalString(json, "source", document.getSource());
            writeOptionalString(json, "language", document.getLanguage());
            writeOptionalTime(json, "event_time", document.getEventTime());
            writeAttributes(json, document.getAttributes());
            writeNormalizations(json, document.getNormalizations());
            writeEmbedding(json, document.getId(), document.getEmbedding());
            writeTopics(json, document.getTopics());
            writeSummary(json, document.getSummary());
            writeModels(json, document.getModels());
            writeProvenance(json, document.getProvenance());
            writeOptionalTime(json, "processing_time", document.getProcessingTime());
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not write document " + document.getId() + " as JSON.", e);
        }
        return new ElasticsearchDocument(document.getId(), out.toByteArray());
    }

    private static void writeAttributes(JsonGenerator json, Map<String, String> attributes) throws IOException {
        if (attributes == null || attributes.isEmpty()) {
            return;
        }
        json.writeObjectFieldStart("attributes");
        for (Map.Entry<String, String> attribute : attributes.entrySet()) {
            json.writeStringField(attribute.getKey(), attribute.getValue());
        }
        json.writeEndObject();
    }

    /** What the pipeline changed on the way in; left out when nothing was. */
    private static void writeNormalizations(JsonGenerator json, List<String> normalizations) throws IOException {
        if (normalizations == null || normalizations.isEmpty()) {
            return;
        }
        json.writeArrayFieldStart("normalizations");
        for (String normalization : normalizations) {
            json.writeString(normalization);
        }
        json.writeEndArray();
    }

    private static void writeEmbedding(JsonGenerator json, String id, List<Float> embedding) throws IOException {
        if (embedding == null) {
            return;
        }
        json.writeArrayFieldStart("embedding");
        for (int i = 0; i < embedding.size(); i++) {
            float value = embedding.get(i);
            if (!Float.isFinite(value)) {
                throw new IllegalArgumentException(String.format(
                        "Embedding of document %s has %s at position %d, expected finite values.",
                        id, value, i));
            }
            json.writeNumber(value);
        }
        json.writeEndArray();
    }

    private static void writeTopics(JsonGenerator json, List<TopicTag> topics) throws IOException {
        if (topics == null || topics.isEmpty()) {
            return;
        }
        json.writeArrayFieldStart("topics");
        for (TopicTag topic : topics) {
            json.writeStartObject();
            json.writeStringField("label", topic.getLabel());
            json.writeNumberField("score", topic.getScore());
            json.writeEndObject();
        }
        json.writeEndArray();
        json.writeArrayFieldStart("topic_labels");
        for (TopicTag topic : topics) {
            json.writeString(topic.getLabel());
        }
        json.writeEndArray();
        // Topics arrive highest score first; the first one is the document's main topic.
        json.writeStringField("top_topic", topics.get(0).getLabel());
        json.writeNumberField("top_topic_score", topics.get(0).getScore());
    }

    private static void writeSummary(JsonGenerator json, SummaryInfo summary) throws IOException {
        if (summary == null) {
            return;
        }
        json.writeStringField("summary", summary.getText());
        json.writeNumberField("summary_input_tokens", summary.getInputTokens());
        json.writeNumberField("summary_output_tokens", summary.getOutputTokens());
        json.writeNumberField("summary_latency_ms", summary.getLatencyMillis());
        json.writeNumberField("summary_chunks", summary.getChunks());
        if (summary.getSummarizedTokens() != null) {
            json.writeNumberField("summary_summarized_tokens", summary.getSummarizedTokens());
        }
        json.writeNumberField("summary_draft_tokens_proposed", summary.getDraftTokensProposed());
        json.writeNumberField("summary_draft_tokens_accepted", summary.getDraftTokensAccepted());
        if (summary.getAcceptanceRate() != null) {
            json.writeNumberField("summary_acceptance_rate", summary.getAcceptanceRate());
        }
        json.writeNumberField("summary_verify_steps", summary.getVerifySteps());
        if (summary.getAcceptedPerStep() != null) {
            json.writeNumberField("summary_accepted_per_step", summary.getAcceptedPerStep());
        }
        writeOptionalString(json, "summary_method", summary.getMethod());
        if (summary.getSentences() != null && !summary.getSentences().isEmpty()) {
            json.writeArrayFieldStart("summary_sentences");
            for (int sentence : summary.getSentences()) {
                json.writeNumber(sentence);
            }
            json.writeEndArray();
        }
    }

    private static void writeModels(JsonGenerator json, List<ModelRef> models) throws IOException {
        if (models == null || models.isEmpty()) {
            return;
        }
        json.writeArrayFieldStart("models");
        for (ModelRef model : models) {
            json.writeStartObject();
            json.writeStringField("task", model.getTask());
            json.writeStringField("model_id", model.getModelId());
            writeOptionalString(json, "revision", model.getRevision());
            json.writeNumberField("input_tokens", model.getInputTokens());
            json.writeBooleanField("truncated", model.getTruncated());
            json.writeNumberField("unknown_tokens", model.getUnknownTokens());
            writeOptionalString(json, "head", model.getHead());
            json.writeEndObject();
        }
        json.writeEndArray();
    }

    private static void writeProvenance(JsonGenerator json, KafkaProvenance provenance) throws IOException {
        if (provenance == null) {
            return;
        }
        json.writeObjectFieldStart("kafka");
        json.writeStringField("topic", provenance.getTopic());
        json.writeNumberField("partition", provenance.getPartition());
        json.writeNumberField("offset", provenance.getOffset());
        writeOptionalTime(json, "timestamp", provenance.getTimestamp());
        json.writeEndObject();
    }

    private static void writeOptionalString(JsonGenerator json, String field, String value) throws IOException {
        if (value != null) {
            json.writeStringField(field, value);
        }
    }

    private static void writeOptionalTime(JsonGenerator json, String field, Instant time) throws IOException {
        if (time != null) {
            json.writeStringField(field, DateTimeFormatter.ISO_INSTANT.format(time));
        }
    }

    private static int estimateSize(EnrichedDocument document) {
        int embedding = document.getEmbedding() == null ? 0 : document.getEmbedding().size() * 14;
        return 512 + 2 * document.getText().length() + embedding;
    }
}
