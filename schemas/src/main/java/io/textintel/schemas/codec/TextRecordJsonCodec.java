package io.textintel.schemas.codec;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.textintel.schemas.TextRecord;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A codec between UTF-8 JSON objects and {@link TextRecord}s.
 *
 * <p>Accepted input, one JSON object per payload:
 *
 * <pre>{@code
 * {
 *   "id": "f-1029" | 1029,                      a non-blank string or an integer; derived when absent
 *   "text": "The app crashes on login",         required: a non-blank string
 *   "source": "android",                        optional string
 *   "language": "en",                           optional string (BCP-47 is checked by the validator)
 *   "event_time" | "eventTime":                 optional, at most one of the two:
 *       1718000000000 | "2024-06-10T06:13:20Z"  epoch milliseconds or an ISO-8601 instant
 *   "attributes": {"plan": "pro", "stars": 2}   optional object; values as for unknown fields below
 * }
 * }</pre>
 *
 * <p>Any other top-level field is kept as an attribute under its own name, so producers need not
 * nest their metadata; the same attribute given both ways is an error. Attributes and fields whose
 * value is JSON {@code null} are treated as absent. Numbers and booleans become their JSON text
 * ({@code 2}, {@code 4.50}, {@code true}); an object or array becomes its compact JSON text
 * ({@code {"x":1}}), recorded in the record's {@code normalizations} as
 * {@code json-text-attribute:NAME}. Duplicate keys, trailing content and floating point ids are
 * rejected; nesting deeper than Jackson's limit (1000) is rejected as invalid JSON.
 *
 * <p>A record without an id (absent, {@code null} or blank) takes the id the caller derives from its
 * Kafka position ({@code topic-partition-offset}, see {@link #decode(byte[], String)}), recorded as
 * {@code derived-id:topic-partition-offset}. The position, not a hash of the content, because it
 * is stable across replays yet keeps two customers who wrote the same words apart.
 *
 * <p>When a payload is rejected, the exception carries the record's id if it could still be read
 * (a top-level {@code "id"} before the syntax error, or in an object whose other fields are wrong).
 *
 * <p>Encoding writes the record's fields under their Avro names, {@code eventTime} as an ISO-8601
 * instant at millisecond precision (Avro's {@code timestamp-millis}), and omits null fields;
 * decoding the encoded bytes gives the record back.
 *
 * <p>Thread-safe and serializable: the shared Jackson reader and writer are immutable.
 */
public final class TextRecordJsonCodec implements TextRecordDecoder, Serializable {

    private static final long serialVersionUID = 1L;

    private static final String ID = "id";
    private static final String TEXT = "text";
    private static final String SOURCE = "source";
    private static final String LANGUAGE = "language";
    private static final String EVENT_TIME = "eventTime";
    private static final String EVENT_TIME_SNAKE = "event_time";
    private static final String ATTRIBUTES = "attributes";
    private static final Set<String> KNOWN_FIELDS =
            Set.of(ID, TEXT, SOURCE, LANGUAGE, EVENT_TIME, EVENT_TIME_SNAKE, ATTRIBUTES);

    private static final JsonMapper MAPPER =
            JsonMapper.builder()
                    .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                    .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                    .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                    .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
                    .build();
    private static final ObjectReader READER = MAPPER.readerFor(JsonNode.class);

    /**
     * Decodes one JSON object; {@code derivedId} becomes the id of a record that has none.
     *
     * @param derivedId the id for a record without one, or null to reject such records
     * @throws RecordDecodeException naming the field, its value and what was expected
     */
    @Override
    public TextRecord decode(byte[] payload, String derivedId) throws RecordDecodeException {
        if (payload == null) {
            throw new RecordDecodeException(
                    "payload is null (a Kafka tombstone?), expected a JSON object");
        }
        String json;
        try {
            json = StrictUtf8.decode(payload);
        } catch (RecordDecodeException e) {
            // The id may still be readable when the malformed bytes are elsewhere, e.g. in the text.
            String id = JsonIdPeek.topLevelId(MAPPER.getFactory(), new String(payload, StandardCharsets.UTF_8));
            throw e.withRecordId(id == null || id.indexOf('\uFFFD') >= 0 ? null : id);
        }
        if (json.isBlank()) {
            throw new RecordDecodeException(
                    String.format(
                            "payload is empty (%d byte(s) of whitespace), expected a JSON object",
                            payload.length));
        }
        JsonNode root;
        try {
            root = READER.readTree(json);
        } catch (JacksonException e) {
            throw new RecordDecodeException(
                    "payload is not valid JSON: " + e.getOriginalMessage() + locationOf(e),
                    e,
                    JsonIdPeek.topLevelId(MAPPER.getFactory(), json));
        }
        if (!root.isObject()) {
            throw new RecordDecodeException(
                    String.format(
                            "payload is %s, expected a JSON object", describe(root.getNodeType())));
        }
        try {
            return toRecord((ObjectNode) root, derivedId);
        } catch (RecordDecodeException e) {
            throw e.withRecordId(readableId(root.get(ID)));
        }
    }

    /**
     * Decodes one UTF-8 JSON object that must carry its own id.
     *
     * @throws RecordDecodeException naming the field, its value and what was expected
     */
    public TextRecord decode(byte[] payload) throws RecordDecodeException {
        return decode(payload, null);
    }

    /** The id of a record that is otherwise broken, if it is a usable one. */
    private static String readableId(JsonNode node) {
        if (node != null && (node.isIntegralNumber() || (node.isTextual() && !node.textValue().isBlank()))) {
            return node.asText();
        }
        return null;
    }

    /** Encodes {@code record} as a UTF-8 JSON object that {@link #decode(byte[])} reads back. */
    public byte[] encode(TextRecord record) {
        Objects.requireNonNull(record, "record");
        ObjectNode root = MAPPER.createObjectNode();
        root.put(ID, record.getId());
        root.put(TEXT, record.getText());
        if (record.getSource() != null) {
            root.put(SOURCE, record.getSource());
        }
        if (record.getLanguage() != null) {
            root.put(LANGUAGE, record.getLanguage());
        }
        if (record.getEventTime() != null) {
            root.put(EVENT_TIME, record.getEventTime().truncatedTo(ChronoUnit.MILLIS).toString());
        }
        if (record.getAttributes() != null && !record.getAttributes().isEmpty()) {
            ObjectNode attributes = root.putObject(ATTRIBUTES);
            record.getAttributes().forEach(attributes::put);
        }
        try {
            return MAPPER.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(
                    "Jackson failed to write an in-memory JSON tree of strings. This is a bug.", e);
        }
    }

    private static TextRecord toRecord(ObjectNode root, String derivedId)
            throws RecordDecodeException {
        List<String> normalizations = new ArrayList<>();
        Map<String, String> attributes = readAttributes(root.get(ATTRIBUTES), normalizations);
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            String name = field.getKey();
            if (KNOWN_FIELDS.contains(name) || field.getValue().isNull()) {
                continue;
            }
            String value = attributeText(name, field.getValue(), normalizations);
            if (attributes.putIfAbsent(name, value) != null) {
                throw new RecordDecodeException(
                        String.format(
                                "attribute '%s' is given both as a top-level field and inside"
                                        + " 'attributes', expected one or the other",
                                name));
            }
        }
        String id = readId(root.get(ID), derivedId);
        if (!id.equals(readableId(root.get(ID)))) {
            normalizations.add(0, "derived-id:topic-partition-offset");
        }
        return TextRecord.newBuilder()
                .setId(id)
                .setText(readText(root.get(TEXT)))
                .setSource(optionalString(SOURCE, root.get(SOURCE)))
                .setLanguage(optionalString(LANGUAGE, root.get(LANGUAGE)))
                .setEventTime(readEventTime(root))
                .setAttributes(attributes)
                .setNormalizations(normalizations)
                .build();
    }

    private static String readId(JsonNode node, String derivedId) throws RecordDecodeException {
        boolean absent = node == null || node.isNull() || (node.isTextual() && node.textValue().isBlank());
        if (absent && derivedId != null && !derivedId.isBlank()) {
            return derivedId;
        }
        if (node == null || node.isNull()) {
            throw new RecordDecodeException(
                    "field 'id' is missing, expected a non-blank string or an integer");
        }
        if (node.isIntegralNumber()) {
            return node.asText();
        }
        if (node.isTextual() && !node.textValue().isBlank()) {
            return node.textValue();
        }
        throw new RecordDecodeException(
                String.format(
                        "field 'id' is %s, expected a non-blank string or an integer",
                        describeValue(node)));
    }

    private static String readText(JsonNode node) throws RecordDecodeException {
        if (node == null || node.isNull()) {
            throw new RecordDecodeException("field 'text' is missing, expected a non-blank string");
        }
        if (!node.isTextual() || node.textValue().isBlank()) {
            throw new RecordDecodeException(
                    String.format(
                            "field 'text' is %s, expected a non-blank string",
                            describeValue(node)));
        }
        return node.textValue();
    }

    private static String optionalString(String field, JsonNode node)
            throws RecordDecodeException {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw new RecordDecodeException(
                    String.format(
                            "field '%s' is %s, expected a string", field, describeValue(node)));
        }
        return node.textValue();
    }

    private static Instant readEventTime(ObjectNode root) throws RecordDecodeException {
        JsonNode camel = root.get(EVENT_TIME);
        JsonNode snake = root.get(EVENT_TIME_SNAKE);
        boolean hasCamel = camel != null && !camel.isNull();
        boolean hasSnake = snake != null && !snake.isNull();
        if (hasCamel && hasSnake) {
            throw new RecordDecodeException(
                    "fields 'eventTime' and 'event_time' are both present, expected at most one");
        }
        if (hasCamel) {
            return parseInstant(EVENT_TIME, camel);
        }
        return hasSnake ? parseInstant(EVENT_TIME_SNAKE, snake) : null;
    }

    private static Instant parseInstant(String field, JsonNode node)
            throws RecordDecodeException {
        String expected = "expected epoch milliseconds or an ISO-8601 instant";
        if (node.isIntegralNumber()) {
            if (!node.canConvertToLong()) {
                throw new RecordDecodeException(
                        String.format(
                                "field '%s' has value %s, which does not fit in 64 bits; %s",
                                field, node.asText(), expected));
            }
            return Instant.ofEpochMilli(node.longValue());
        }
        if (node.isTextual()) {
            try {
                Instant instant = Instant.parse(node.textValue().trim());
                // timestamp-millis must hold it: fail here, not in the Avro writer downstream.
                instant.toEpochMilli();
                return instant;
            } catch (DateTimeException | ArithmeticException e) {
                throw new RecordDecodeException(
                        String.format(
                                "field '%s' has value \"%s\", %s such as"
                                        + " \"2024-06-10T06:13:20Z\"",
                                field, node.textValue(), expected),
                        e);
            }
        }
        throw new RecordDecodeException(
                String.format("field '%s' is %s, %s", field, describeValue(node), expected));
    }

    private static Map<String, String> readAttributes(JsonNode node, List<String> normalizations)
            throws RecordDecodeException {
        Map<String, String> attributes = new LinkedHashMap<>();
        if (node == null || node.isNull()) {
            return attributes;
        }
        if (!node.isObject()) {
            throw new RecordDecodeException(
                    String.format(
                            "field 'attributes' is %s, expected an object",
                            describeValue(node)));
        }
        for (Map.Entry<String, JsonNode> entry : node.properties()) {
            if (!entry.getValue().isNull()) {
                attributes.put(
                        entry.getKey(),
                        attributeText(entry.getKey(), entry.getValue(), normalizations));
            }
        }
        return attributes;
    }

    /** A scalar's text, or an object's or array's compact JSON text (recorded as a normalization). */
    private static String attributeText(String name, JsonNode node, List<String> normalizations)
            throws RecordDecodeException {
        if (node.isTextual()) {
            return node.textValue();
        }
        if (node.isNumber() || node.isBoolean()) {
            return node.asText();
        }
        try {
            String json = MAPPER.writeValueAsString(node);
            normalizations.add("json-text-attribute:" + name);
            return json;
        } catch (JsonProcessingException e) {
            throw new RecordDecodeException(
                    String.format("attribute '%s' cannot be written back as JSON text: %s", name, e.getOriginalMessage()),
                    e);
        }
    }

    private static String describeValue(JsonNode node) {
        switch (node.getNodeType()) {
            case STRING:
                return node.textValue().isBlank()
                        ? "blank (\"" + node.textValue() + "\")"
                        : "a string (\"" + preview(node.textValue()) + "\")";
            case NUMBER:
                return "a number (" + node.asText() + ")";
            case BOOLEAN:
                return "a boolean (" + node.asText() + ")";
            default:
                return describe(node.getNodeType());
        }
    }

    private static String describe(JsonNodeType type) {
        switch (type) {
            case OBJECT:
                return "an object";
            case ARRAY:
                return "an array";
            case STRING:
                return "a string";
            case NUMBER:
                return "a number";
            case BOOLEAN:
                return "a boolean";
            case NULL:
                return "null";
            default:
                return type.name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private static String locationOf(JacksonException e) {
        if (e.getLocation() == null || e.getLocation().getLineNr() < 0) {
            return "";
        }
        return String.format(
                " (line %d, column %d)", e.getLocation().getLineNr(), e.getLocation().getColumnNr());
    }

    private static String preview(String value) {
        return value.length() <= 40 ? value : value.substring(0, 40) + "...";
    }
}
