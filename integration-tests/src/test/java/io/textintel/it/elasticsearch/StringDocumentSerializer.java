package io.textintel.it.elasticsearch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.textintel.connectors.elasticsearch.DocumentSerializer;
import io.textintel.connectors.elasticsearch.ElasticsearchDocument;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The document serializer of the connector test suite's string records: {@code _id} is the SHA-256
 * of the record's UTF-8 bytes, so a record written twice (a replay) overwrites itself, and the
 * source is {@code {"id": <_id>, "value": <record>}}.
 *
 * <p>The id is repeated in the source so that {@link ElasticsearchIndexReader} can check every
 * document it reads back was stored under the id the serializer gave it.
 */
final class StringDocumentSerializer implements DocumentSerializer<String> {

    private static final long serialVersionUID = 1L;

    /** Field of the source that holds the record. */
    static final String VALUE_FIELD = "value";

    /** Field of the source that repeats the document's {@code _id}. */
    static final String ID_FIELD = "id";

    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public ElasticsearchDocument serialize(String record) {
        if (record == null) {
            throw new IllegalArgumentException("Record is null, expected a string.");
        }
        String id = idOf(record);
        Map<String, String> source = new LinkedHashMap<>();
        source.put(ID_FIELD, id);
        source.put(VALUE_FIELD, record);
        try {
            return new ElasticsearchDocument(id, JSON.writeValueAsBytes(source));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("Record '" + record + "' cannot be written as JSON.", e);
        }
    }

    /** The deterministic {@code _id} of {@code record}: the hex SHA-256 of its UTF-8 bytes. */
    static String idOf(String record) {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(sha256.digest(record.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM, which the Java platform requires.", e);
        }
    }
}
