package io.textintel.connectors.elasticsearch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.textintel.schemas.DriftReport;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class DriftReportSerializerTest {

    private static DriftReport.Builder report() {
        return DriftReport.newBuilder()
                .setWindowStart(Instant.parse("2025-03-01T10:00:00Z"))
                .setWindowEnd(Instant.parse("2025-03-01T10:05:00Z"))
                .setFeature("embedding")
                .setStatistic("cosine_centroid")
                .setValue(0.125)
                .setThreshold(0.1)
                .setDrifted(true)
                .setSampleSize(512)
                .setReferenceVersion("ref-2025-02")
                .setReportTime(Instant.parse("2025-03-01T10:05:01.5Z"));
    }

    @Test
    void writesTheFieldsOfTheDriftTemplate() throws Exception {
        ElasticsearchDocument document = new DriftReportSerializer().serialize(report().build());
        JsonNode json = new ObjectMapper().readTree(document.source());

        assertThat(document.id()).isEqualTo("embedding:cosine_centroid:1740823200000:1740823500000:ref-2025-02");
        assertThat(json.get("window_start").asText()).isEqualTo("2025-03-01T10:00:00Z");
        assertThat(json.get("window_end").asText()).isEqualTo("2025-03-01T10:05:00Z");
        assertThat(json.get("feature").asText()).isEqualTo("embedding");
        assertThat(json.get("statistic").asText()).isEqualTo("cosine_centroid");
        assertThat(json.get("value").asDouble()).isEqualTo(0.125);
        assertThat(json.get("threshold").asDouble()).isEqualTo(0.1);
        assertThat(json.get("drifted").asBoolean()).isTrue();
        assertThat(json.get("sample_size").asLong()).isEqualTo(512);
        assertThat(json.get("reference_version").asText()).isEqualTo("ref-2025-02");
        assertThat(json.get("report_time").asText()).isEqualTo("2025-03-01T10:05:01.500Z");
    }

    @Test
    void leavesOutANonFiniteValueInsteadOfWritingInvalidJson() throws Exception {
        JsonNode json = new ObjectMapper().readTree(
                new DriftReportSerializer().serialize(report().setValue(Double.NaN).build()).source());

        assertThat(json.has("value")).isFalse();
        assertThat(json.get("threshold").asDouble()).isEqualTo(0.1);
    }

    @Test
    void aReportOfAnotherWindowGetsAnotherId() {
        DriftReport first = report().build();
        DriftReport next = report()
                .setWindowStart(Instant.parse("2025-03-01T10:05:00Z"))
                .setWindowEnd(Instant.parse("2025-03-01T10:10:00Z"))
                .build();

        assertThat(DriftReportSerializer.idOf(first)).isNotEqualTo(DriftReportSerializer.idOf(next));
    }
}
