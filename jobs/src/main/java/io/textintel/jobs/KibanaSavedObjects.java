package io.textintel.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.textintel.connectors.elasticsearch.ElasticsearchConnection;
import io.textintel.connectors.kibana.SavedObjectsImport;
import io.textintel.jobs.config.PipelineConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * textintel's Kibana saved objects ({@value #RESOURCE}): data views of the documents and drift
 * indices, two saved searches, the Lens visualizations and the overview dashboard, and their
 * import with the pipeline's Elasticsearch credentials.
 *
 * <p>The file names the default indices; {@link #forPipeline} points the data views at the indices
 * a configuration writes to, so a renamed index still shows on the dashboard. Dead letters have no
 * data view: they are Avro records on a Kafka topic and never indexed in Elasticsearch.
 */
public final class KibanaSavedObjects {

    /** The classpath resource of the saved objects. */
    public static final String RESOURCE = "/kibana/textintel.ndjson";

    /** Id of the documents data view. */
    public static final String DOCUMENTS_DATA_VIEW = "textintel-documents";

    /** Id of the drift-reports data view. */
    public static final String DRIFT_DATA_VIEW = "textintel-drift";

    /** Id of the dashboard. */
    public static final String DASHBOARD = "textintel-overview";

    private static final ObjectMapper JSON = new ObjectMapper();

    private KibanaSavedObjects() {}

    /** The saved objects as the resource holds them, one JSON object per element. */
    public static List<ObjectNode> load() {
        List<ObjectNode> objects = new ArrayList<>();
        try (InputStream in = KibanaSavedObjects.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("Resource " + RESOURCE + " is missing. This is a packaging bug.");
            }
            BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                if (!line.isBlank()) {
                    objects.add((ObjectNode) JSON.readTree(line));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read " + RESOURCE, e);
        }
        return objects;
    }

    /**
     * The saved objects with the data views' index patterns set to the indices the configuration
     * writes to ({@code elasticsearch.index*} and {@code drift.index*}), as NDJSON.
     */
    public static byte[] forPipeline(PipelineConfig config) {
        return forIndices(config.elasticsearch().index(), config.drift().index());
    }

    /** The saved objects with the data views on {@code documentsIndex*} and {@code driftIndex*}, as NDJSON. */
    static byte[] forIndices(String documentsIndex, String driftIndex) {
        StringBuilder ndjson = new StringBuilder();
        for (ObjectNode object : load()) {
            String id = object.path("id").asText();
            if (object.path("type").asText().equals("index-pattern")) {
                ObjectNode attributes = (ObjectNode) object.get("attributes");
                if (id.equals(DOCUMENTS_DATA_VIEW)) {
                    attributes.put("title", documentsIndex + "*");
                } else if (id.equals(DRIFT_DATA_VIEW)) {
                    attributes.put("title", driftIndex + "*");
                }
            }
            ndjson.append(write(object)).append('\n');
        }
        return ndjson.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Imports the saved objects into Kibana at {@code kibanaUrl}, replacing earlier versions, with
     * the Elasticsearch credentials of the configuration and, unless {@code caCertificate} names
     * Kibana's own CA file, the Elasticsearch connection's trusted certificates.
     *
     * @param space the Kibana space id, or null for the default space
     * @throws io.textintel.connectors.kibana.KibanaImportException naming each object Kibana refused
     */
    public static SavedObjectsImport.ImportResult importInto(
            String kibanaUrl, String space, String caCertificate, PipelineConfig config) throws IOException {
        ElasticsearchConnection es = config.elasticsearch().connection();
        SavedObjectsImport request = SavedObjectsImport.builder()
                .kibanaUrl(kibanaUrl)
                .auth(es.auth())
                .tls(caCertificate == null ? es.tls() : ElasticsearchConnection.Tls.of(caCertificate, null))
                .space(space)
                .build();
        return request.run("textintel.ndjson", forPipeline(config));
    }

    private static String write(JsonNode object) {
        try {
            return JSON.writeValueAsString(object);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not write saved object " + object.path("id").asText(), e);
        }
    }
}
