package io.textintel.sql.elasticsearch;

import io.textintel.connectors.elasticsearch.ElasticsearchConnection;
import io.textintel.connectors.elasticsearch.ElasticsearchSink;
import io.textintel.connectors.elasticsearch.RejectedDocuments;

import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.api.connector.sink2.CommitterInitContext;
import org.apache.flink.api.connector.sink2.CommittingSinkWriter;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SupportsCommitter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.table.data.RowData;
import org.apache.http.HttpEntity;
import org.apache.http.entity.ContentType;
import org.apache.http.entity.StringEntity;
import org.apache.http.util.EntityUtils;
import org.elasticsearch.client.Request;
import org.elasticsearch.client.ResponseException;
import org.elasticsearch.client.RestClient;

import java.io.IOException;

/**
 * The textintel Elasticsearch sink, whose writers first make sure the index exists with the declared
 * vector column mapped as {@code dense_vector} (cosine similarity, indexed for kNN); an index that
 * exists already is left as it is. Everything else is {@link ElasticsearchSink}'s.
 */
final class IndexMappingSink implements Sink<RowData>, SupportsCommitter<RejectedDocuments> {

    private static final long serialVersionUID = 1L;

    private final ElasticsearchSink<RowData> sink;
    private final ElasticsearchConnection connection;
    private final String index;
    private final String vectorColumn;
    private final int vectorDims;

    /** @param vectorColumn the column mapped as dense_vector, or null for no mapping */
    IndexMappingSink(ElasticsearchSink<RowData> sink, ElasticsearchConnection connection, String index,
            String vectorColumn, int vectorDims) {
        this.sink = sink;
        this.connection = connection;
        this.index = index;
        this.vectorColumn = vectorColumn;
        this.vectorDims = vectorDims;
    }

    @Override
    public CommittingSinkWriter<RowData, RejectedDocuments> createWriter(WriterInitContext context) throws IOException {
        if (vectorColumn != null) {
            createIndex();
        }
        return sink.createWriter(context);
    }

    private void createIndex() throws IOException {
        String mapping = String.format("{\"mappings\": {\"properties\": {\"%s\": {\"type\": \"dense_vector\","
                + " \"dims\": %d, \"index\": true, \"similarity\": \"cosine\"}}}}", vectorColumn, vectorDims);
        try (RestClient client = connection.createRestClient()) {
            Request exists = new Request("HEAD", "/" + index);
            if (client.performRequest(exists).getStatusLine().getStatusCode() == 200) {
                return;
            }
            Request create = new Request("PUT", "/" + index);
            create.setEntity(new StringEntity(mapping, ContentType.APPLICATION_JSON));
            client.performRequest(create);
        } catch (ResponseException e) {
            HttpEntity entity = e.getResponse().getEntity();
            String body = entity == null ? "" : EntityUtils.toString(entity);
            if (!body.contains("resource_already_exists_exception")) { // another writer created it meanwhile
                throw new IOException("cannot create index " + index + " with " + vectorColumn + " as dense_vector"
                        + " of " + vectorDims + " dimensions on " + connection.describeHosts() + ": " + body, e);
            }
        }
    }

    @Override
    public Committer<RejectedDocuments> createCommitter(CommitterInitContext context) throws IOException {
        return sink.createCommitter(context);
    }

    @Override
    public SimpleVersionedSerializer<RejectedDocuments> getCommittableSerializer() {
        return sink.getCommittableSerializer();
    }
}
