package io.textintel.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.textintel.connectors.elasticsearch.IndexTemplates;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Checks the Kibana saved objects against the index templates the project installs (built by
 * {@link IndexTemplates}, not copied): every field an object names exists in its data view's index
 * with a type its use needs, and every reference between objects resolves. Kibana itself cannot run
 * here, so this is what stands in for importing the file; it prints what it counted.
 */
class KibanaSavedObjectsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> NUMERIC = Set.of(
            "long", "integer", "short", "byte", "double", "float", "half_float", "scaled_float", "unsigned_long");
    private static final Set<String> AGGREGATABLE = union(NUMERIC, Set.of("keyword", "boolean", "date", "ip"));
    private static final Pattern KQL_FIELD = Pattern.compile("([A-Za-z_][\\w.]*)\\s*(?::|>=|<=|>|<)");
    private static final Pattern SCRIPT_FIELD = Pattern.compile("doc\\['([^']+)'\\]");

    private static List<ObjectNode> objects;
    /** Data view id to field name to Elasticsearch type (mapped and runtime). */
    private static final Map<String, Map<String, String>> FIELDS = new HashMap<>();
    private static int fieldsChecked;
    private static int referencesChecked;

    @BeforeAll
    static void load() throws IOException {
        objects = KibanaSavedObjects.load();
        Map<String, String> documents = mappedFields(IndexTemplates.documents(384).json());
        Map<String, String> drift = mappedFields(IndexTemplates.drift().json());
        Map<String, String> deadLetters = mappedFields(IndexTemplates.deadLetters().json());
        for (ObjectNode object : objects) {
            if (!object.path("type").asText().equals("index-pattern")) {
                continue;
            }
            String title = object.at("/attributes/title").asText();
            Map<String, String> fields = new HashMap<>(
                    title.equals(IndexTemplates.DOCUMENTS_INDEX_PATTERN) ? documents
                            : title.equals(IndexTemplates.DRIFT_INDEX_PATTERN) ? drift
                            : title.equals(IndexTemplates.DEAD_LETTERS_INDEX_PATTERN) ? deadLetters
                            : Map.of());
            assertThat(fields).as("data view %s has title %s, expected an index pattern of a template",
                    object.get("id"), title).isNotEmpty();
            JsonNode runtime = JSON.readTree(object.at("/attributes/runtimeFieldMap").asText());
            for (Iterator<Map.Entry<String, JsonNode>> it = runtime.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                Matcher used = SCRIPT_FIELD.matcher(field.getValue().at("/script/source").asText());
                int uses = 0;
                while (used.find()) {
                    assertThat(fields).as("runtime field %s reads %s", field.getKey(), used.group(1))
                            .containsKey(used.group(1));
                    assertThat(fields.get(used.group(1))).isIn(AGGREGATABLE);
                    uses++;
                    fieldsChecked++;
                }
                assertThat(uses).as("runtime field %s reads document fields", field.getKey()).isPositive();
                fields.put(field.getKey(), field.getValue().path("type").asText());
            }
            FIELDS.put(object.get("id").asText(), fields);
        }
    }

    @Test
    void idsAreUniqueAndEveryReferenceResolves() {
        Set<String> ids = new HashSet<>();
        for (ObjectNode object : objects) {
            assertThat(ids.add(object.get("type").asText() + " " + object.get("id").asText()))
                    .as("duplicate %s %s", object.get("type"), object.get("id")).isTrue();
            assertThat(object.path("coreMigrationVersion").asText()).isEqualTo("8.8.0");
        }
        for (ObjectNode object : objects) {
            Set<String> names = new HashSet<>();
            for (JsonNode reference : object.get("references")) {
                assertThat(ids).as("reference %s of %s", reference, object.get("id"))
                        .contains(reference.get("type").asText() + " " + reference.get("id").asText());
                assertThat(names.add(reference.get("name").asText())).isTrue();
                referencesChecked++;
            }
            switch (object.get("type").asText()) {
                case "search" -> assertThat(names).contains(
                        searchSource(object).get("indexRefName").asText());
                case "lens" -> object.at("/attributes/state/datasourceStates/formBased/layers").fieldNames()
                        .forEachRemaining(layer -> assertThat(names).contains("indexpattern-datasource-layer-" + layer));
                case "dashboard" -> {
                    for (JsonNode panel : json(object.at("/attributes/panelsJSON").asText())) {
                        String name = panel.get("panelIndex").asText() + ":" + panel.get("panelRefName").asText();
                        assertThat(names).as("panel reference %s", name).contains(name);
                        referencesChecked++;
                    }
                }
                default -> { }
            }
        }
        System.out.printf("Kibana saved objects: %d objects (%s), %d references resolved%n", objects.size(),
                objects.stream().map(o -> o.get("type").asText()).distinct().toList(), referencesChecked);
    }

    @Test
    void everyFieldExistsInTheTemplatesWithAUsableType() {
        for (ObjectNode object : objects) {
            String id = object.get("id").asText();
            JsonNode attributes = object.get("attributes");
            switch (object.get("type").asText()) {
                case "index-pattern" -> {
                    Map<String, String> fields = FIELDS.get(id);
                    expect(fields, attributes.get("timeFieldName").asText(), Set.of("date"), id);
                    json(attributes.get("fieldAttrs").asText()).fieldNames()
                            .forEachRemaining(field -> expect(fields, field, null, id));
                    json(attributes.get("sourceFilters").asText())
                            .forEach(filter -> expect(fields, filter.get("value").asText(), null, id));
                }
                case "search" -> {
                    Map<String, String> fields = dataViewOf(object);
                    attributes.get("columns").forEach(column -> expect(fields, column.asText(), null, id));
                    attributes.get("sort").forEach(sort -> expect(fields, sort.get(0).asText(), AGGREGATABLE, id));
                    kqlFields(fields, searchSource(object).at("/query/query").asText(), id);
                }
                case "lens" -> checkLens(object, dataViewOf(object));
                default -> { }
            }
        }
        System.out.printf("Kibana saved objects: %d field uses checked against the index templates%n", fieldsChecked);
    }

    @Test
    void deadLettersAreCountedByStageAndReasonCode() {
        ObjectNode lens = objects.stream().filter(o -> o.get("id").asText().equals("textintel-dead-letters-by-stage"))
                .findFirst().orElseThrow(() -> new AssertionError("no lens textintel-dead-letters-by-stage"));
        List<JsonNode> breakdowns = new ArrayList<>();
        lens.at("/attributes/state/datasourceStates/formBased/layers/layer1/columns").forEach(column -> {
            if (column.get("operationType").asText().equals("terms")) {
                breakdowns.add(column);
            }
        });

        assertThat(breakdowns).hasSize(1);
        assertThat(breakdowns.get(0).get("sourceField").asText()).isEqualTo("stage");
        assertThat(breakdowns.get(0).at("/params/secondaryFields")).extracting(JsonNode::asText)
                .containsExactly("reason_code");
        assertThat(FIELDS.get(KibanaSavedObjects.DEAD_LETTERS_DATA_VIEW)).containsEntry("reason_code", "keyword");
    }

    @Test
    void dataViewsFollowTheConfiguredIndices() throws IOException {
        Map<String, String> titles = new HashMap<>();
        for (String line : new String(KibanaSavedObjects.forIndices("feedback", "feedback-drift", "feedback-dead-letters"), java.nio.charset.StandardCharsets.UTF_8)
                .split("\n")) {
            JsonNode object = JSON.readTree(line);
            if (object.get("type").asText().equals("index-pattern")) {
                titles.put(object.get("id").asText(), object.at("/attributes/title").asText());
            }
        }
        assertThat(titles).containsExactlyInAnyOrderEntriesOf(Map.of(
                KibanaSavedObjects.DOCUMENTS_DATA_VIEW, "feedback*", KibanaSavedObjects.DRIFT_DATA_VIEW, "feedback-drift*",
                KibanaSavedObjects.DEAD_LETTERS_DATA_VIEW, "feedback-dead-letters*"));
    }

    private void checkLens(ObjectNode lens, Map<String, String> fields) {
        String id = lens.get("id").asText();
        JsonNode state = lens.at("/attributes/state");
        kqlFields(fields, state.at("/query/query").asText(), id);
        Set<String> columnIds = new HashSet<>();
        for (JsonNode layer : state.at("/datasourceStates/formBased/layers")) {
            for (Iterator<Map.Entry<String, JsonNode>> it = layer.get("columns").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> entry = it.next();
                columnIds.add(entry.getKey());
                JsonNode column = entry.getValue();
                String field = column.get("sourceField").asText();
                String operation = column.get("operationType").asText();
                switch (operation) {
                    case "count" -> {
                        if (!field.equals("___records___")) {
                            expect(fields, field, AGGREGATABLE, id);
                        }
                    }
                    case "date_histogram" -> expect(fields, field, Set.of("date"), id);
                    case "terms" -> {
                        expect(fields, field, AGGREGATABLE, id);
                        column.at("/params/secondaryFields").forEach(secondary ->
                                expect(fields, secondary.asText(), AGGREGATABLE, id));
                    }
                    case "average", "sum", "min", "max", "median", "percentile", "standard_deviation" -> {
                        expect(fields, field, NUMERIC, id);
                        assertThat(column.get("dataType").asText()).isEqualTo("number");
                    }
                    case "last_value" -> {
                        expect(fields, field, AGGREGATABLE, id);
                        expect(fields, column.at("/params/sortField").asText(), Set.of("date"), id);
                    }
                    default -> throw new AssertionError("Lens " + id + " uses operation " + operation
                            + ", which this check does not know; add its field rule here.");
                }
                if (column.has("filter")) {
                    kqlFields(fields, column.at("/filter/query").asText(), id);
                }
            }
            layer.get("columnOrder").forEach(c -> assertThat(columnIds).contains(c.asText()));
        }
        List<String> used = new ArrayList<>();
        JsonNode visualization = state.get("visualization");
        visualization.path("layers").forEach(layer -> {
            layer.path("accessors").forEach(a -> used.add(a.asText()));
            if (layer.has("xAccessor")) used.add(layer.get("xAccessor").asText());
            if (layer.has("splitAccessor")) used.add(layer.get("splitAccessor").asText());
        });
        visualization.path("columns").forEach(c -> used.add(c.get("columnId").asText()));
        assertThat(used).as("columns lens %s shows", id).isNotEmpty();
        assertThat(columnIds).as("lens %s columns", id).containsAll(used);
    }

    private static Map<String, String> dataViewOf(ObjectNode object) {
        for (JsonNode reference : object.get("references")) {
            if (reference.get("type").asText().equals("index-pattern")) {
                return FIELDS.get(reference.get("id").asText());
            }
        }
        throw new AssertionError(object.get("id") + " references no data view");
    }

    private static void kqlFields(Map<String, String> fields, String query, String id) {
        Matcher matcher = KQL_FIELD.matcher(query);
        while (matcher.find()) {
            expect(fields, matcher.group(1), null, id);
        }
    }

    private static void expect(Map<String, String> fields, String field, Set<String> types, String id) {
        assertThat(fields).as("%s names field %s", id, field).containsKey(field);
        if (types != null) {
            assertThat(fields.get(field)).as("%s uses %s (type %s)", id, field, fields.get(field)).isIn(types);
        }
        fieldsChecked++;
    }

    private static JsonNode searchSource(ObjectNode search) {
        return json(search.at("/attributes/kibanaSavedObjectMeta/searchSourceJSON").asText());
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }

    /** Field path (dotted, through object and nested properties and multi-fields) to its mapped type. */
    private static Map<String, String> mappedFields(String template) throws IOException {
        Map<String, String> fields = new HashMap<>();
        collect(JSON.readTree(template).at("/template/mappings/properties"), "", fields);
        return fields;
    }

    private static void collect(JsonNode properties, String prefix, Map<String, String> fields) {
        properties.fields().forEachRemaining(entry -> {
            String name = prefix + entry.getKey();
            JsonNode mapping = entry.getValue();
            fields.put(name, mapping.path("type").asText("object"));
            if (mapping.has("properties")) {
                collect(mapping.get("properties"), name + ".", fields);
            }
            if (mapping.has("fields")) {
                collect(mapping.get("fields"), name + ".", fields);
            }
        });
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new HashSet<>(a);
        all.addAll(b);
        return Set.copyOf(all);
    }
}
