package io.textintel.sql.elasticsearch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.textintel.connectors.elasticsearch.ElasticsearchDocument;

import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.data.GenericArrayData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.factories.DynamicTableSinkFactory;
import org.apache.flink.table.factories.FactoryUtil;
import org.apache.flink.table.types.logical.RowType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The {@code textintel-elasticsearch} table sink: its options and schema checked when planned, its documents. */
class ElasticsearchTableFactoryTest {

    private static final String COLUMNS = "id STRING, text STRING, embedding ARRAY<FLOAT>";

    private TableEnvironment tables;

    @BeforeEach
    void createInput() {
        tables = TableEnvironment.create(EnvironmentSettings.inStreamingMode());
        tables.executeSql("CREATE TEMPORARY VIEW feedback AS SELECT * FROM (VALUES ('a', 'late parcel',"
                + " ARRAY[CAST(0.5 AS FLOAT)])) AS t(id, text, embedding)");
    }

    private String plan(String columns, String options) {
        tables.executeSql("CREATE TABLE docs (" + columns + ") WITH ('connector' = 'textintel-elasticsearch',"
                + " 'hosts' = 'http://127.0.0.1:1', 'index' = 'docs'" + options + ")");
        return tables.explainSql("INSERT INTO docs SELECT * FROM feedback");
    }

    @Test
    void theConnectorIsFoundByItsIdentifierAndATableWithAKeyIsPlanned() {
        assertThat(FactoryUtil.discoverFactory(getClass().getClassLoader(), DynamicTableSinkFactory.class,
                "textintel-elasticsearch")).isInstanceOf(ElasticsearchTableFactory.class);
        assertThat(plan(COLUMNS + ", PRIMARY KEY (id) NOT ENFORCED",
                ", 'dense-vector.column' = 'embedding', 'dense-vector.dims' = '1', 'bulk.max-actions' = '10'"))
                .contains("Sink(table=[default_catalog.default_database.docs]");
    }

    @Test
    void aTableWithoutPrimaryKeyIsRefused() {
        assertThatThrownBy(() -> plan(COLUMNS, "")).hasStackTraceContaining("table default_catalog.default_database"
                + ".docs has no PRIMARY KEY, expected one: its columns make each document's _id");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        ", 'dense-vector.column' = 'text', 'dense-vector.dims' = '1'|option 'dense-vector.column' names column 'text',"
                + " which is STRING, expected an ARRAY<FLOAT> column",
        ", 'dense-vector.column' = 'vector', 'dense-vector.dims' = '1'|option 'dense-vector.column' names column"
                + " 'vector', which the table does not have",
        ", 'dense-vector.column' = 'embedding'|option 'dense-vector.dims' is missing, expected the vector's dimension",
        ", 'dense-vector.dims' = '384'|option 'dense-vector.dims' is set without 'dense-vector.column'",
        ", 'dead-letter.topic' = 'rejected'|option 'dead-letter.topic' is set alone, expected 'dead-letter.topic' and 'dead-letter.bootstrap-servers' together",
        ", 'username' = 'elastic'|option 'username' is set alone, expected 'username' and 'password' together",
        ", 'bulk.max-actions' = 'many'|Could not parse value 'many' for key 'bulk.max-actions'",
        ", 'bulk.interval' = 'soon'|Could not parse value 'soon' for key 'bulk.interval'",
        ", 'retry.max-duration' = 'long'|Could not parse value 'long' for key 'retry.max-duration'",
        ", 'shards' = '2'|Unsupported options:\n\nshards",
    })
    void aBadOptionIsRefusedWithAMessageNamingIt(String options, String message) {
        assertThatThrownBy(() -> plan(COLUMNS + ", PRIMARY KEY (id) NOT ENFORCED", options))
                .hasStackTraceContaining(message);
    }

    @Test
    void aRowIsADocumentWithItsKeyAsIdAndItsColumnsAsJson() {
        RowType type = (RowType) DataTypes.ROW(
                DataTypes.FIELD("source", DataTypes.STRING()),
                DataTypes.FIELD("id", DataTypes.STRING()),
                DataTypes.FIELD("embedding", DataTypes.ARRAY(DataTypes.FLOAT())),
                DataTypes.FIELD("tags", DataTypes.ARRAY(DataTypes.ROW(
                        DataTypes.FIELD("label", DataTypes.STRING()), DataTypes.FIELD("score", DataTypes.FLOAT())))),
                DataTypes.FIELD("summary", DataTypes.STRING())).getLogicalType();
        RowDocumentSerializer serializer = new RowDocumentSerializer(type, new int[] {0, 1});
        ElasticsearchDocument document = serializer.serialize(GenericRowData.of(StringData.fromString("web"),
                StringData.fromString("r1"), new GenericArrayData(new float[] {0.5f, -0.25f}),
                new GenericArrayData(new Object[] {GenericRowData.of(StringData.fromString("billing"), 0.75f)}),
                null));
        assertThat(document.id()).isEqualTo("web_r1");
        assertThat(document.sourceAsString()).isEqualTo("{\"source\":\"web\",\"id\":\"r1\",\"embedding\":[0.5,-0.25],"
                + "\"tags\":[{\"label\":\"billing\",\"score\":0.75}]}");
        assertThatThrownBy(() -> serializer.serialize(GenericRowData.of(StringData.fromString("web"), null, null,
                null, null))).hasMessage("primary key column id is NULL, expected a value: it makes the document's _id");
    }
}
