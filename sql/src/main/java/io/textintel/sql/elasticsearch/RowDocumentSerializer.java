package io.textintel.sql.elasticsearch;

import io.textintel.connectors.elasticsearch.DocumentSerializer;
import io.textintel.connectors.elasticsearch.ElasticsearchDocument;

import org.apache.flink.formats.common.TimestampFormat;
import org.apache.flink.formats.json.JsonFormatOptions;
import org.apache.flink.formats.json.JsonRowDataSerializationSchema;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.logical.RowType;

import java.util.List;

/**
 * A table row as an Elasticsearch document: the {@code _id} is the primary key's values joined by
 * {@code _} (deterministic, so a replayed or updated row overwrites its document), the source is the
 * row as JSON (Flink's JSON format: ISO-8601 timestamps, NULL fields left out).
 */
final class RowDocumentSerializer implements DocumentSerializer<RowData> {

    private static final long serialVersionUID = 1L;

    private final RowType rowType;
    private final int[] keyFields;
    private final RowData.FieldGetter[] keyGetters;

    private transient JsonRowDataSerializationSchema json;

    RowDocumentSerializer(RowType rowType, int[] keyFields) {
        if (keyFields.length == 0) {
            throw new IllegalArgumentException("the primary key has no columns, expected at least one");
        }
        this.rowType = rowType;
        this.keyFields = keyFields.clone();
        this.keyGetters = new RowData.FieldGetter[keyFields.length];
        for (int i = 0; i < keyFields.length; i++) {
            keyGetters[i] = RowData.createFieldGetter(rowType.getTypeAt(keyFields[i]), keyFields[i]);
        }
    }

    @Override
    public ElasticsearchDocument serialize(RowData row) {
        StringBuilder id = new StringBuilder();
        List<String> names = rowType.getFieldNames();
        for (int i = 0; i < keyFields.length; i++) {
            Object value = keyGetters[i].getFieldOrNull(row);
            if (value == null) {
                throw new IllegalArgumentException("primary key column " + names.get(keyFields[i])
                        + " is NULL, expected a value: it makes the document's _id");
            }
            if (i > 0) {
                id.append('_');
            }
            id.append(value);
        }
        return new ElasticsearchDocument(id.toString(), json().serialize(row));
    }

    private JsonRowDataSerializationSchema json() {
        if (json == null) {
            json = new JsonRowDataSerializationSchema(rowType, TimestampFormat.ISO_8601,
                    JsonFormatOptions.MapNullKeyMode.FAIL, "null", true, true);
            try {
                // The schema's open makes its object mapper; it reads nothing of the context.
                json.open(null);
            } catch (Exception e) {
                throw new IllegalStateException("cannot open Flink's JSON serializer for " + rowType, e);
            }
        }
        return json;
    }
}
