package io.textintel.sql.elasticsearch;

import static io.textintel.sql.elasticsearch.ElasticsearchTableOptions.*;

import io.textintel.connectors.deadletter.KafkaRejectedDocumentHandler;
import io.textintel.connectors.elasticsearch.ElasticsearchConnection;
import io.textintel.connectors.elasticsearch.ElasticsearchSink;
import io.textintel.connectors.elasticsearch.ElasticsearchSinkBuilder;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.catalog.Column;
import org.apache.flink.table.catalog.ResolvedSchema;
import org.apache.flink.table.catalog.UniqueConstraint;
import org.apache.flink.table.connector.sink.DynamicTableSink;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.factories.DynamicTableSinkFactory;
import org.apache.flink.table.factories.FactoryUtil;
import org.apache.flink.table.types.logical.ArrayType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.LogicalTypeRoot;
import org.apache.flink.table.types.logical.RowType;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code 'connector' = 'textintel-elasticsearch'}: textintel's Elasticsearch sink as a table sink.
 * The table needs a PRIMARY KEY (the document {@code _id}); {@code dense-vector.column} names an
 * {@code ARRAY<FLOAT>} column to map as {@code dense_vector}; with {@code dead-letter.topic}, rows
 * Elasticsearch rejects for good go to Kafka as dead letters (at least once) instead of failing the job.
 */
public final class ElasticsearchTableFactory implements DynamicTableSinkFactory {

    public static final String IDENTIFIER = "textintel-elasticsearch";

    @Override
    public String factoryIdentifier() {
        return IDENTIFIER;
    }

    @Override
    public Set<ConfigOption<?>> requiredOptions() {
        return Set.of(HOSTS, INDEX);
    }

    @Override
    public Set<ConfigOption<?>> optionalOptions() {
        return Set.of(USERNAME, PASSWORD, API_KEY, VECTOR_COLUMN, VECTOR_DIMS, DEAD_LETTER_TOPIC,
                DEAD_LETTER_BOOTSTRAP_SERVERS, BULK_MAX_ACTIONS, BULK_MAX_SIZE, BULK_INTERVAL, RETRY_INITIAL_BACKOFF,
                RETRY_MAX_BACKOFF, RETRY_MAX_DURATION);
    }

    @Override
    public DynamicTableSink createDynamicTableSink(Context context) {
        FactoryUtil.TableFactoryHelper helper = FactoryUtil.createTableFactoryHelper(this, context);
        helper.validate();
        ReadableConfig options = helper.getOptions();
        String table = context.getObjectIdentifier().asSummaryString();
        ResolvedSchema schema = context.getCatalogTable().getResolvedSchema();
        int[] key = primaryKey(table, schema);
        RowType rowType = (RowType) schema.toPhysicalRowDataType().getLogicalType();
        String vectorColumn = vectorColumn(table, schema, options);
        try {
            ElasticsearchConnection connection = connection(options);
            ElasticsearchSinkBuilder<RowData> builder = ElasticsearchSink.<RowData>builder()
                    .setConnection(connection)
                    .setIndex(options.get(INDEX))
                    .setDocumentSerializer(new RowDocumentSerializer(rowType, key))
                    .setBulkFlushMaxActions(options.get(BULK_MAX_ACTIONS))
                    .setBulkFlushMaxBytes(options.get(BULK_MAX_SIZE).getBytes())
                    .setBulkFlushInterval(options.get(BULK_INTERVAL))
                    .setRetryPolicy(options.get(RETRY_INITIAL_BACKOFF), options.get(RETRY_MAX_BACKOFF),
                            options.get(RETRY_MAX_DURATION));
            deadLetters(table, options, builder);
            return new ElasticsearchTableSink(builder.build(), connection, options.get(INDEX), vectorColumn,
                    vectorColumn == null ? 0 : options.get(VECTOR_DIMS));
        } catch (IllegalArgumentException e) {
            throw new ValidationException("table " + table + ": " + e.getMessage(), e);
        }
    }

    private static int[] primaryKey(String table, ResolvedSchema schema) {
        Optional<UniqueConstraint> key = schema.getPrimaryKey();
        if (key.isEmpty()) {
            throw new ValidationException("table " + table + " has no PRIMARY KEY, expected one: its columns make"
                    + " each document's _id, so that a replayed row overwrites its document");
        }
        List<String> names = schema.getColumnNames();
        return key.get().getColumns().stream().mapToInt(names::indexOf).toArray();
    }

    private static String vectorColumn(String table, ResolvedSchema schema, ReadableConfig options) {
        String column = options.get(VECTOR_COLUMN);
        Optional<Integer> dims = options.getOptional(VECTOR_DIMS);
        if (column == null) {
            if (dims.isPresent()) {
                throw new ValidationException("table " + table + ": option '" + VECTOR_DIMS.key() + "' is set without '"
                        + VECTOR_COLUMN.key() + "', expected both or neither");
            }
            return null;
        }
        Optional<Column> declared = schema.getColumn(column);
        LogicalType type = declared.map(c -> c.getDataType().getLogicalType()).orElse(null);
        if (!(type instanceof ArrayType array && array.getElementType().is(LogicalTypeRoot.FLOAT))) {
            throw new ValidationException("table " + table + ": option '" + VECTOR_COLUMN.key() + "' names column '"
                    + column + "', which " + (type == null ? "the table does not have" : "is " + type.asSummaryString())
                    + ", expected an ARRAY<FLOAT> column");
        }
        if (dims.isEmpty() || dims.get() < 1 || dims.get() > 4096) {
            throw new ValidationException("table " + table + ": option '" + VECTOR_DIMS.key() + "' is "
                    + dims.map(String::valueOf).orElse("missing") + ", expected the vector's dimension (1 to 4096)");
        }
        return column;
    }

    private static ElasticsearchConnection connection(ReadableConfig options) {
        ElasticsearchConnection connection = ElasticsearchConnection.of(options.get(HOSTS).toArray(String[]::new));
        String username = options.get(USERNAME);
        String apiKey = options.get(API_KEY);
        if (username != null && apiKey != null) {
            throw new IllegalArgumentException("options 'username' and 'api-key' are both set, expected one");
        }
        if ((username == null) != (options.get(PASSWORD) == null)) {
            throw new IllegalArgumentException("option '" + (username == null ? "password" : "username")
                    + "' is set alone, expected 'username' and 'password' together");
        }
        if (username != null) {
            return connection.withAuth(ElasticsearchConnection.Auth.basic(username, options.get(PASSWORD)));
        }
        return apiKey == null ? connection : connection.withAuth(ElasticsearchConnection.Auth.apiKey(apiKey));
    }

    private static void deadLetters(String table, ReadableConfig options, ElasticsearchSinkBuilder<RowData> builder) {
        String topic = options.get(DEAD_LETTER_TOPIC);
        String servers = options.get(DEAD_LETTER_BOOTSTRAP_SERVERS);
        if (topic == null && servers == null) {
            return;
        }
        if (topic == null || servers == null) {
            throw new ValidationException("table " + table + ": option '"
                    + (topic == null ? DEAD_LETTER_BOOTSTRAP_SERVERS.key() : DEAD_LETTER_TOPIC.key())
                    + "' is set alone, expected '" + DEAD_LETTER_TOPIC.key() + "' and '"
                    + DEAD_LETTER_BOOTSTRAP_SERVERS.key() + "' together");
        }
        builder.setRejectedDocumentHandler(KafkaRejectedDocumentHandler.factory(servers, topic, Map.of()));
    }
}
