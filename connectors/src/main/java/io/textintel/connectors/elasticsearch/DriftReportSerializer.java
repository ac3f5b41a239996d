package io.textintel.connectors.elasticsearch;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.textintel.schemas.DriftReport;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.format.DateTimeFormatter;

/**
 * The document serializer of {@link DriftReport}: snake_case JSON for the drift index template of
 * {@link IndexTemplates}.
 *
 * <p>The id joins what identifies a report (feature, statistic, window and reference version), so a
 * window replayed after a failure overwrites its report. A non-finite value or threshold (a
 * statistic on an empty window) is left out of the source instead of being written as invalid JSON.
 */
public final class DriftReportSerializer implements DocumentSerializer<DriftReport> {

    private static final long serialVersionUID = 1L;

    private static final JsonFactory JSON = new JsonFactory();

    /** The deterministic document id of a report. */
    public static String idOf(DriftReport report) {
        return String.join(":",
                report.getFeature(),
                report.getStatistic(),
                Long.toString(report.getWindowStart().toEpochMilli()),
                Long.toString(report.getWindowEnd().toEpochMilli()),
                report.getReferenceVersion());
    }

    @Override
    public ElasticsearchDocument serialize(DriftReport report) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(384);
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            writeTime(json, "window_start", report.getWindowStart());
            writeTime(json, "window_end", report.getWindowEnd());
            json.writeStringField("feature", report.getFeature());
            json.writeStringField("statistic", report.getStatistic());
            writeFinite(json, "value", report.getValue());
            writeFinite(json, "threshold", report.getThreshold());
            json.writeBooleanField("drifted", report.getDrifted());
            json.writeNumberField("sample_size", report.getSampleSize());
            json.writeStringField("reference_version", report.getReferenceVersion());
            writeTime(json, "report_time", report.getReportTime());
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not write drift report " + idOf(report) + " as JSON.", e);
        }
        return new ElasticsearchDocument(idOf(report), out.toByteArray());
    }

    private static void writeTime(JsonGenerator json, String field, Instant time) throws IOException {
        json.writeStringField(field, DateTimeFormatter.ISO_INSTANT.format(time));
    }

    private static void writeFinite(JsonGenerator json, String field, double value) throws IOException {
        if (Double.isFinite(value)) {
            json.writeNumberField(field, value);
        }
    }
}
