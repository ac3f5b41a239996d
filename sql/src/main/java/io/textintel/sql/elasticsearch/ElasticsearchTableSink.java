package io.textintel.sql.elasticsearch;

import io.textintel.connectors.elasticsearch.ElasticsearchConnection;
import io.textintel.connectors.elasticsearch.ElasticsearchSink;

import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.table.connector.sink.DynamicTableSink;
import org.apache.flink.table.connector.sink.SinkV2Provider;
import org.apache.flink.table.data.RowData;
import org.apache.flink.types.RowKind;

/**
 * The {@code textintel-elasticsearch} table sink: an upsert sink by primary key (INSERT and
 * UPDATE_AFTER rows index the document of their key; a changelog with DELETEs is refused by the
 * planner), on the DataStream {@link ElasticsearchSink}, so with its bulk requests, retries,
 * back-pressure and flush before every checkpoint.
 */
final class ElasticsearchTableSink implements DynamicTableSink {

    private final ElasticsearchSink<RowData> sink;
    private final ElasticsearchConnection connection;
    private final String index;
    private final String vectorColumn;
    private final int vectorDims;

    ElasticsearchTableSink(ElasticsearchSink<RowData> sink, ElasticsearchConnection connection, String index,
            String vectorColumn, int vectorDims) {
        this.sink = sink;
        this.connection = connection;
        this.index = index;
        this.vectorColumn = vectorColumn;
        this.vectorDims = vectorDims;
    }

    @Override
    public ChangelogMode getChangelogMode(ChangelogMode requestedMode) {
        return ChangelogMode.newBuilder().addContainedKind(RowKind.INSERT).addContainedKind(RowKind.UPDATE_AFTER)
                .build();
    }

    @Override
    public SinkRuntimeProvider getSinkRuntimeProvider(Context context) {
        return SinkV2Provider.of(new IndexMappingSink(sink, connection, index, vectorColumn, vectorDims));
    }

    @Override
    public DynamicTableSink copy() {
        return new ElasticsearchTableSink(sink, connection, index, vectorColumn, vectorDims);
    }

    @Override
    public String asSummaryString() {
        return "textintel-elasticsearch(" + index + ")";
    }
}
