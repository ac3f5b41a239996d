package io.textintel.connectors.elasticsearch;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * A document ready to index: its {@code _id} and its JSON {@code _source} as UTF-8 bytes.
 *
 * @param id the document id, deterministic for the element it came from
 * @param source the JSON object to store, UTF-8 encoded
 */
public record ElasticsearchDocument(String id, byte[] source) {

    public ElasticsearchDocument {
        if (id == null || id.isEmpty()) {
            throw new IllegalArgumentException(
                    "Document id is '" + id + "', expected a non-empty deterministic id.");
        }
        if (id.getBytes(StandardCharsets.UTF_8).length > 512) {
            throw new IllegalArgumentException("Document id '" + id
                    + "' is longer than 512 bytes, the most Elasticsearch accepts.");
        }
        Objects.requireNonNull(source, "source");
        if (source.length == 0) {
            throw new IllegalArgumentException("Document " + id + " has an empty source, expected a JSON object.");
        }
    }

    /** The source as a string, for messages and tests. */
    public String sourceAsString() {
        return new String(source, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ElasticsearchDocument that
                && id.equals(that.id)
                && Arrays.equals(source, that.source);
    }

    @Override
    public int hashCode() {
        return 31 * id.hashCode() + Arrays.hashCode(source);
    }

    @Override
    public String toString() {
        return "ElasticsearchDocument[id=" + id + ", source=" + source.length + " bytes]";
    }
}
