package io.textintel.connectors.elasticsearch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class IndexTemplatesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode properties(IndexTemplate template) throws Exception {
        return JSON.readTree(template.json()).at("/template/mappings/properties");
    }

    @Test
    void documentsTemplateMapsTheEmbeddingForCosineKnnWithExplicitIndexOptions() throws Exception {
        IndexTemplate template = IndexTemplates.documents(384);
        JsonNode body = JSON.readTree(template.json());
        JsonNode embedding = properties(template).get("embedding");

        assertThat(template.name()).isEqualTo("textintel-documents");
        assertThat(body.get("index_patterns")).extracting(JsonNode::asText).containsExactly("textintel-documents*");
        assertThat(embedding.get("type").asText()).isEqualTo("dense_vector");
        assertThat(embedding.get("dims").asInt()).isEqualTo(384);
        assertThat(embedding.get("index").asBoolean()).isTrue();
        assertThat(embedding.get("similarity").asText()).isEqualTo("cosine");
        assertThat(embedding.at("/index_options/type").asText()).isEqualTo("bbq_hnsw");
        assertThat(IndexTemplates.documents(63).json()).contains("\"int8_hnsw\"");
        assertThat(embedding.at("/index_options/m").asInt()).isEqualTo(16);
        assertThat(embedding.at("/index_options/ef_construction").asInt()).isEqualTo(100);
        assertThat(body.at("/template/settings/number_of_shards").asInt()).isEqualTo(1);
        assertThat(body.at("/template/settings/number_of_replicas").asInt()).isEqualTo(0);
    }

    @Test
    void documentsTemplateTakesDeploymentParameters() throws Exception {
        IndexTemplate template = IndexTemplates.documents(
                "news-docs-*", 768, new VectorIndexOptions(VectorIndexOptions.Type.INT8_HNSW, 32, 200), 3, 1);
        JsonNode body = JSON.readTree(template.json());
        JsonNode embedding = properties(template).get("embedding");

        assertThat(template.name()).isEqualTo("news-docs");
        assertThat(body.get("index_patterns")).extracting(JsonNode::asText).containsExactly("news-docs-*");
        assertThat(embedding.get("dims").asInt()).isEqualTo(768);
        assertThat(embedding.at("/index_options/type").asText()).isEqualTo("int8_hnsw");
        assertThat(embedding.at("/index_options/m").asInt()).isEqualTo(32);
        assertThat(embedding.at("/index_options/ef_construction").asInt()).isEqualTo(200);
        assertThat(body.at("/template/settings/number_of_shards").asInt()).isEqualTo(3);
        assertThat(body.at("/template/settings/number_of_replicas").asInt()).isEqualTo(1);
    }

    @Test
    void documentsTemplateMapsEveryFieldTheSerializerWrites() throws Exception {
        JsonNode properties = properties(IndexTemplates.documents(384));

        assertThat(properties.at("/id/type").asText()).isEqualTo("keyword");
        assertThat(properties.at("/text/type").asText()).isEqualTo("text");
        assertThat(properties.at("/text/fields/keyword/type").asText()).isEqualTo("keyword");
        for (String keyword : new String[] {"source", "language", "topic_labels", "top_topic"}) {
            assertThat(properties.at("/" + keyword + "/type").asText()).as(keyword).isEqualTo("keyword");
        }
        assertThat(properties.at("/topics/type").asText()).isEqualTo("nested");
        assertThat(properties.at("/topics/properties/label/type").asText()).isEqualTo("keyword");
        assertThat(properties.at("/topics/properties/score/type").asText()).isEqualTo("float");
        assertThat(properties.at("/summary/type").asText()).isEqualTo("text");
        assertThat(properties.at("/attributes/type").asText()).isEqualTo("flattened");
        assertThat(properties.at("/models/properties/model_id/type").asText()).isEqualTo("keyword");
        assertThat(properties.at("/models/properties/task/type").asText()).isEqualTo("keyword");
        assertThat(properties.at("/kafka/properties/offset/type").asText()).isEqualTo("long");
        for (String date : new String[] {"event_time", "processing_time", "kafka/properties/timestamp"}) {
            assertThat(properties.at("/" + date + "/type").asText()).as(date).isEqualTo("date");
            assertThat(properties.at("/" + date + "/format").asText()).as(date)
                    .isEqualTo("strict_date_optional_time||epoch_millis");
        }
        for (String field : new String[] {"summary_input_tokens", "summary_output_tokens", "summary_latency_ms",
                "summary_chunks", "summary_draft_tokens_proposed", "summary_draft_tokens_accepted",
                "summary_acceptance_rate", "top_topic_score"}) {
            assertThat(properties.has(field)).as(field).isTrue();
        }
    }

    @Test
    void driftTemplateMapsTheDriftReportFields() throws Exception {
        IndexTemplate template = IndexTemplates.drift();
        JsonNode properties = properties(template);

        assertThat(template.name()).isEqualTo("textintel-drift");
        assertThat(properties.at("/window_start/type").asText()).isEqualTo("date");
        assertThat(properties.at("/window_end/type").asText()).isEqualTo("date");
        assertThat(properties.at("/report_time/type").asText()).isEqualTo("date");
        assertThat(properties.at("/feature/type").asText()).isEqualTo("keyword");
        assertThat(properties.at("/statistic/type").asText()).isEqualTo("keyword");
        assertThat(properties.at("/value/type").asText()).isEqualTo("double");
        assertThat(properties.at("/threshold/type").asText()).isEqualTo("double");
        assertThat(properties.at("/drifted/type").asText()).isEqualTo("boolean");
        assertThat(properties.at("/sample_size/type").asText()).isEqualTo("long");
        assertThat(properties.at("/reference_version/type").asText()).isEqualTo("keyword");
    }

    @Test
    void referenceProfileTemplateFixesTheIdentifyingFieldsAndMapsTheSummaryDynamically() throws Exception {
        IndexTemplate template = IndexTemplates.referenceProfiles("textintel-reference-profiles*", 2, 1);
        JsonNode body = JSON.readTree(template.json());
        JsonNode properties = properties(template);

        assertThat(template.name()).isEqualTo("textintel-reference-profiles");
        assertThat(body.at("/template/settings/number_of_shards").asInt()).isEqualTo(2);
        assertThat(body.at("/template/mappings/dynamic").asBoolean()).isTrue();
        assertThat(properties.at("/version/type").asText()).isEqualTo("keyword");
        assertThat(properties.at("/documents/type").asText()).isEqualTo("long");
        assertThat(properties.at("/firstEventTime/type").asText()).isEqualTo("date");
        assertThat(properties.at("/lastEventTime/type").asText()).isEqualTo("date");
    }

    @Test
    void refusesParametersElasticsearchWouldRefuse() {
        assertThatThrownBy(() -> IndexTemplates.documents(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Embedding dims is 0, expected 1 to 4096.");
        assertThatThrownBy(() -> IndexTemplates.documents("Docs*", 8, VectorIndexOptions.defaultFor(8), 1, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Index pattern 'Docs*'");
        assertThatThrownBy(() -> IndexTemplates.drift("textintel-drift*", 0, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Shards is 0, expected 1 to 1024.");
        assertThatThrownBy(() -> new VectorIndexOptions(VectorIndexOptions.Type.HNSW, 16, 8))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ef_construction is 8");
        VectorIndexOptions bbq = new VectorIndexOptions(VectorIndexOptions.Type.BBQ_HNSW, 16, 100);
        assertThatThrownBy(() -> IndexTemplates.documents("docs*", 63, bbq, 1, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("index_options type bbq_hnsw needs at least 64 embedding dims, the embedding model has 63; "
                        + "expected int8_hnsw or hnsw for this model");
    }

    @Test
    void everyTypeIsWrittenUnderItsElasticsearchName() throws Exception {
        for (VectorIndexOptions.Type type : VectorIndexOptions.Type.values()) {
            IndexTemplate template = IndexTemplates.documents("docs*", 64, new VectorIndexOptions(type, 24, 150), 1, 0);
            JsonNode options = properties(template).get("embedding").get("index_options");

            assertThat(options.get("type").asText()).isEqualTo(type.elasticsearchName());
            assertThat(options.get("m").asInt()).isEqualTo(24);
            assertThat(options.get("ef_construction").asInt()).isEqualTo(150);
            assertThat(VectorIndexOptions.Type.fromElasticsearchName(type.elasticsearchName().toUpperCase()))
                    .isEqualTo(type);
        }
        assertThatThrownBy(() -> VectorIndexOptions.Type.fromElasticsearchName("flat"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("index_options type is 'flat', expected one of [hnsw, int8_hnsw, bbq_hnsw]");
    }
}
