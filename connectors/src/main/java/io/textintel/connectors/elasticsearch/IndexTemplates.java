package io.textintel.connectors.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch.indices.PutIndexTemplateResponse;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The index templates of the documents, drift and reference-profile indices, and their installation.
 *
 * <p>The mappings live as JSON beside this class ({@code documents-index-template.json},
 * {@code drift-index-template.json}), readable as Elasticsearch shows them; the methods here set
 * what varies per deployment: the index pattern, the embedding dimensions and HNSW parameters, and
 * the shard and replica counts. Installing is idempotent: it puts the template again, which only
 * affects indices created afterwards.
 */
public final class IndexTemplates {

    /** Index pattern of the documents template unless another is given. */
    public static final String DOCUMENTS_INDEX_PATTERN = "textintel-documents*";

    /** Index pattern of the drift template unless another is given. */
    public static final String DRIFT_INDEX_PATTERN = "textintel-drift*";

    /** Most dimensions Elasticsearch 8.19 indexes in a dense_vector. */
    public static final int MAX_DIMS = 4096;

    private static final Logger LOG = LoggerFactory.getLogger(IndexTemplates.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private IndexTemplates() {}

    /**
     * The documents template for single-node clusters: one shard, no replicas,
     * {@link VectorIndexOptions#defaultFor} vectors.
     *
     * @param embeddingDims the embedding model's hidden size, e.g. 384
     */
    public static IndexTemplate documents(int embeddingDims) {
        return documents(DOCUMENTS_INDEX_PATTERN, embeddingDims, VectorIndexOptions.defaultFor(embeddingDims), 1, 0);
    }

    /**
     * The documents template.
     *
     * @param indexPattern the indices it applies to, e.g. {@code textintel-documents*}
     * @param embeddingDims the embedding model's hidden size
     * @param vectors how the embedding is indexed for kNN; its type must suit {@code embeddingDims}
     * @param shards primary shards per index
     * @param replicas replicas per shard; 0 on a single node, where replicas could never be assigned
     */
    public static IndexTemplate documents(
            String indexPattern, int embeddingDims, VectorIndexOptions vectors, int shards, int replicas) {
        Objects.requireNonNull(vectors, "vectors");
        if (embeddingDims < 1 || embeddingDims > MAX_DIMS) {
            throw new IllegalArgumentException("Embedding dims is " + embeddingDims
                    + ", expected 1 to " + MAX_DIMS + ".");
        }
        vectors.checkDims(embeddingDims);
        ObjectNode body = load("documents-index-template.json");
        applyCommon(body, indexPattern, shards, replicas);
        ObjectNode embedding = (ObjectNode) body.at("/template/mappings/properties/embedding");
        embedding.put("dims", embeddingDims);
        ObjectNode indexOptions = (ObjectNode) embedding.get("index_options");
        indexOptions.put("type", vectors.type().elasticsearchName());
        indexOptions.put("m", vectors.m());
        indexOptions.put("ef_construction", vectors.efConstruction());
        return new IndexTemplate(nameOf(indexPattern), write(body));
    }

    /** The drift template for single-node clusters: one shard, no replicas. */
    public static IndexTemplate drift() {
        return drift(DRIFT_INDEX_PATTERN, 1, 0);
    }

    /**
     * The drift template.
     *
     * @param indexPattern the indices it applies to, e.g. {@code textintel-drift*}
     * @param shards primary shards per index
     * @param replicas replicas per shard
     */
    public static IndexTemplate drift(String indexPattern, int shards, int replicas) {
        ObjectNode body = load("drift-index-template.json");
        applyCommon(body, indexPattern, shards, replicas);
        return new IndexTemplate(nameOf(indexPattern), write(body));
    }

    /**
     * The template of the drift monitor's reference profiles: a few fixed fields (version, size, time
     * range) and the profile's summary mapped dynamically, strings as keywords.
     *
     * @param indexPattern the indices it applies to, e.g. {@code textintel-reference-profiles*}
     * @param shards primary shards per index
     * @param replicas replicas per shard
     */
    public static IndexTemplate referenceProfiles(String indexPattern, int shards, int replicas) {
        ObjectNode body = load("reference-profile-index-template.json");
        applyCommon(body, indexPattern, shards, replicas);
        return new IndexTemplate(nameOf(indexPattern), write(body));
    }

    /**
     * Puts the template, replacing one of the same name.
     *
     * @throws IOException when the cluster cannot be reached or refuses the template
     */
    public static void install(ElasticsearchClient client, IndexTemplate template) throws IOException {
        PutIndexTemplateResponse response = client.indices().putIndexTemplate(request -> request
                .name(template.name())
                .withJson(new StringReader(template.json())));
        if (!response.acknowledged()) {
            throw new IOException("Index template " + template.name()
                    + " was not acknowledged by the cluster, expected acknowledged=true.");
        }
        LOG.info("Installed index template {}", template.name());
    }

    /** The template name for a pattern: the pattern without wildcards, e.g. {@code textintel-drift}. */
    static String nameOf(String indexPattern) {
        String name = indexPattern.replace("*", "");
        while (name.endsWith("-") || name.endsWith("_") || name.endsWith(".")) {
            name = name.substring(0, name.length() - 1);
        }
        if (name.isEmpty()) {
            throw new IllegalArgumentException("Index pattern '" + indexPattern
                    + "' has no fixed prefix to name its template after, expected e.g. textintel-documents*.");
        }
        return name;
    }

    private static void applyCommon(ObjectNode body, String indexPattern, int shards, int replicas) {
        Objects.requireNonNull(indexPattern, "indexPattern");
        if (indexPattern.isBlank() || !indexPattern.equals(indexPattern.toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("Index pattern '" + indexPattern
                    + "' is blank or has upper case, expected e.g. textintel-documents*.");
        }
        if (shards < 1 || shards > 1024) {
            throw new IllegalArgumentException("Shards is " + shards + ", expected 1 to 1024.");
        }
        if (replicas < 0) {
            throw new IllegalArgumentException("Replicas is " + replicas + ", expected 0 or more.");
        }
        body.putArray("index_patterns").add(indexPattern);
        ObjectNode settings = (ObjectNode) body.at("/template/settings");
        settings.put("number_of_shards", shards);
        settings.put("number_of_replicas", replicas);
    }

    private static ObjectNode load(String resource) {
        try (InputStream in = IndexTemplates.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("Resource " + resource + " is missing beside "
                        + IndexTemplates.class.getName() + ". This is a packaging bug.");
            }
            return (ObjectNode) JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read index template resource " + resource, e);
        }
    }

    private static String write(ObjectNode body) {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("Could not write an index template as JSON.", e);
        }
    }
}
