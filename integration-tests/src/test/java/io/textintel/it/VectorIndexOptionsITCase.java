package io.textintel.it;

import static org.assertj.core.api.Assertions.assertThat;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch.core.BulkRequest;
import co.elastic.clients.elasticsearch.core.BulkResponse;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.search.Hit;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.textintel.connectors.elasticsearch.IndexTemplate;
import io.textintel.connectors.elasticsearch.IndexTemplates;
import io.textintel.connectors.elasticsearch.VectorIndexOptions;
import io.textintel.it.support.TestPipeline;
import io.textintel.it.support.TestServices;
import io.textintel.jobs.demo.DemoData;
import io.textintel.operators.inference.ModelRepository;
import io.textintel.serving.config.EngineConfig;
import io.textintel.serving.engine.EncoderEngine;
import io.textintel.serving.tokenizer.TextTokenizer;
import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every {@code index_options} type the project writes, on the Elasticsearch the test services run
 * (8.19, or 9.x in the {@code elasticsearch-9} failsafe run): the node accepts the documents template
 * of each, and approximate kNN over the demo's real all-MiniLM-L6-v2 embeddings (384 dims) is
 * measured against exact search.
 *
 * <p>Corpus: the 969 demo feedback messages; queries: the 96 labelled examples, written apart from
 * the corpus. Exact top 10: cosine against every document (see {@link #exactTopK}). Recall@10: the share of the exact top 10 that approximate kNN with
 * k=10 returns, at num_candidates 15 (Elasticsearch's default for k=10, 1.5 k) and 100. Sizes: the
 * store after a force-merge to one segment, and the {@code embedding} field's vector bytes from the
 * disk-usage API (float vectors plus the quantized copy and the graph). The table is logged and
 * quoted in the README.
 */
class VectorIndexOptionsITCase {

    private static final Logger LOG = LoggerFactory.getLogger(VectorIndexOptionsITCase.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MODEL = "maven:all-minilm-l6-v2";
    private static final int K = 10;
    private static final int[] NUM_CANDIDATES = {15, 100};

    private static List<String> ids;
    private static List<float[]> corpus;
    private static List<float[]> queries;
    private static ElasticsearchClient client;
    private static final Map<String, String> TABLE = new LinkedHashMap<>();

    @BeforeAll
    static void embedTheDemo() throws Exception {
        ids = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        for (String line : DemoData.feedback()) {
            JsonNode record = JSON.readTree(line);
            ids.add(record.get("id").asText());
            texts.add(record.get("text").asText());
        }
        List<String> queryTexts = new ArrayList<>();
        for (String line : DemoData.examples().split("\n")) {
            if (!line.isBlank()) {
                queryTexts.add(JSON.readTree(line).get("text").asText());
            }
        }
        Path model = ModelRepository.defaults().resolve("embed", MODEL, null).directory();
        long start = System.nanoTime();
        try (TextTokenizer tokenizer = TextTokenizer.load(model, 128);
                EncoderEngine engine = EncoderEngine.open(model, EngineConfig.defaults())) {
            corpus = embed(tokenizer, engine, texts);
            queries = embed(tokenizer, engine, queryTexts);
        }
        LOG.info("Embedded {} documents and {} queries with {} ({} dims) in {} ms", corpus.size(), queries.size(),
                MODEL, corpus.get(0).length, (System.nanoTime() - start) / 1_000_000);
        client = TestPipeline.elasticsearch();
    }

    @AfterAll
    static void logTheTable() throws Exception {
        if (client != null) {
            client.close();
        }
        StringBuilder table = new StringBuilder(String.format(
                "index_options on Elasticsearch %s, %d docs x %d queries (%s, 384 dims):%n  %-10s %9s %9s %11s %14s",
                TestServices.elasticsearchVersion(), corpus.size(), queries.size(), MODEL, "type",
                "R@10 nc15", "R@10 nc100", "store", "vector bytes"));
        TABLE.forEach((type, row) -> table.append(String.format("%n  %-10s %s", type, row)));
        LOG.info("{}", table);
    }

    @Test
    void everyTypeIsAcceptedAndApproximateKnnFindsTheExactNeighbours() throws Exception {
        int dims = corpus.get(0).length;
        assertThat(dims).isEqualTo(384);
        List<Set<String>> exact = null;
        for (VectorIndexOptions.Type type : VectorIndexOptions.Type.values()) {
            String index = "textintel-vio-" + type.elasticsearchName().replace('_', '-');
            VectorIndexOptions options = new VectorIndexOptions(type, VectorIndexOptions.DEFAULT_M,
                    VectorIndexOptions.DEFAULT_EF_CONSTRUCTION);
            IndexTemplate template = IndexTemplates.documents(index + "*", dims, options, 1, 0);
            IndexTemplates.install(client, template);
            indexCorpus(index);

            JsonNode mapping = JSON.readTree(http("GET", "/" + index + "/_mapping/field/embedding"));
            JsonNode embedding = mapping.at("/" + index + "/mappings/embedding/mapping/embedding");
            assertThat(embedding.at("/index_options/type").asText()).isEqualTo(type.elasticsearchName());
            assertThat(embedding.get("dims").asInt()).isEqualTo(dims);

            if (exact == null) {
                exact = exactTopK();
            }
            double[] recall = new double[NUM_CANDIDATES.length];
            for (int c = 0; c < NUM_CANDIDATES.length; c++) {
                recall[c] = recall(index, exact, NUM_CANDIDATES[c]);
            }
            http("POST", "/" + index + "/_forcemerge?max_num_segments=1");
            long store = JSON.readTree(http("GET", "/" + index + "/_stats/store"))
                    .at("/indices/" + index + "/primaries/store/size_in_bytes").asLong();
            long vectorBytes = JSON.readTree(http("POST", "/" + index + "/_disk_usage?run_expensive_tasks=true"))
                    .at("/" + index + "/fields/embedding/knn_vectors_in_bytes").asLong();
            TABLE.put(type.elasticsearchName(), String.format("%9.3f %9.3f %9.1f KB %11.1f KB", recall[0], recall[1],
                    store / 1024.0, vectorBytes / 1024.0));
            LOG.info("{} on Elasticsearch {}: recall@10 {} at num_candidates 15, {} at 100; store {} B, vectors {} B",
                    type.elasticsearchName(), TestServices.elasticsearchVersion(), recall[0], recall[1], store,
                    vectorBytes);

            // A floor well below what each type reaches on this corpus, so that only a broken mapping
            // or search (wrong similarity, vectors not indexed) fails it, not the order of HNSW inserts.
            assertThat(recall[1]).as("recall@10 of %s at num_candidates 100", type).isGreaterThanOrEqualTo(0.8);
            assertThat(vectorBytes).as("vector bytes of %s", type).isPositive();
        }
    }

    @Test
    void bbqNeedsTheDimsTheTemplateChecks() throws Exception {
        int min = VectorIndexOptions.Type.BBQ_MIN_DIMS;
        assertThat(createBbqIndex("textintel-vio-bbq-min", min)).as("bbq_hnsw with %d dims", min).isTrue();
        assertThat(createBbqIndex("textintel-vio-bbq-below", min - 1)).as("bbq_hnsw with %d dims", min - 1).isFalse();
    }

    private static boolean createBbqIndex(String index, int dims) throws Exception {
        String body = """
                {"mappings": {"properties": {"embedding": {"type": "dense_vector", "dims": %d, "index": true,
                  "similarity": "cosine", "index_options": {"type": "bbq_hnsw"}}}}}""".formatted(dims);
        try {
            client.indices().create(c -> c.index(index).withJson(new StringReader(body)));
            return true;
        } catch (ElasticsearchException e) {
            LOG.info("Elasticsearch {} refuses bbq_hnsw with {} dims: {}", TestServices.elasticsearchVersion(), dims,
                    e.getMessage());
            assertThat(e.status()).isEqualTo(400);
            return false;
        }
    }

    private static List<float[]> embed(TextTokenizer tokenizer, EncoderEngine engine, List<String> texts) {
        List<CompletableFuture<float[]>> pending = new ArrayList<>();
        for (String text : texts) {
            pending.add(engine.embed(tokenizer.encode(text).ids()));
        }
        return pending.stream().map(CompletableFuture::join).toList();
    }

    private static void indexCorpus(String index) throws Exception {
        BulkRequest.Builder bulk = new BulkRequest.Builder().refresh(co.elastic.clients.elasticsearch._types.Refresh.True);
        for (int i = 0; i < corpus.size(); i++) {
            Map<String, Object> document = Map.of("id", ids.get(i), "embedding", toList(corpus.get(i)));
            String id = ids.get(i);
            bulk.operations(op -> op.index(x -> x.index(index).id(id).document(document)));
        }
        BulkResponse response = client.bulk(bulk.build());
        assertThat(response.errors()).as("bulk errors: %s", response.items().stream()
                .filter(item -> item.error() != null).limit(3).map(item -> item.error().reason()).toList()).isFalse();
    }

    /**
     * The exact top {@value #K} of every query: cosine against every document, here in the test
     * (the integ-test distribution has no painless for a {@code script_score} brute force), checked
     * against Elasticsearch's own brute force, a {@code flat} index.
     */
    private static List<Set<String>> exactTopK() throws Exception {
        List<Set<String>> exact = new ArrayList<>();
        for (float[] query : queries) {
            Integer[] order = new Integer[corpus.size()];
            double[] score = new double[corpus.size()];
            for (int d = 0; d < corpus.size(); d++) {
                order[d] = d;
                score[d] = cosine(query, corpus.get(d));
            }
            java.util.Arrays.sort(order, (a, b) -> Double.compare(score[b], score[a]));
            Set<String> top = new HashSet<>();
            for (int i = 0; i < K; i++) {
                top.add(ids.get(order[i]));
            }
            exact.add(top);
        }
        String flat = "textintel-vio-flat";
        client.indices().create(c -> c.index(flat).withJson(new StringReader("""
                {"mappings": {"properties": {"embedding": {"type": "dense_vector", "dims": %d, "index": true,
                  "similarity": "cosine", "index_options": {"type": "flat"}}}}}""".formatted(corpus.get(0).length))));
        indexCorpus(flat);
        // Ties in float32 scores may swap the 10th and 11th neighbour; anything lower is a wrong exact path.
        assertThat(recall(flat, exact, 100)).as("flat index against the brute force here").isGreaterThanOrEqualTo(0.99);
        return exact;
    }

    private static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }

    private static double recall(String index, List<Set<String>> exact, int numCandidates) throws Exception {
        int found = 0;
        for (int q = 0; q < queries.size(); q++) {
            List<Float> vector = toList(queries.get(q));
            SearchResponse<Void> response = client.search(s -> s.index(index).size(K).source(src -> src.fetch(false))
                    .knn(k -> k.field("embedding").queryVector(vector).k(K).numCandidates(numCandidates)), Void.class);
            Set<String> approximate = ids(response);
            for (String id : exact.get(q)) {
                if (approximate.contains(id)) {
                    found++;
                }
            }
        }
        return found / (double) (queries.size() * K);
    }

    private static Set<String> ids(SearchResponse<Void> response) {
        Set<String> found = new HashSet<>();
        for (Hit<Void> hit : response.hits().hits()) {
            found.add(hit.id());
        }
        return found;
    }

    private static List<Float> toList(float[] vector) {
        List<Float> list = new ArrayList<>(vector.length);
        for (float v : vector) {
            list.add(v);
        }
        return list;
    }

    private static String http(String method, String path) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(TestServices.elasticsearchUrl() + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).build();
        HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("%s %s: %s", method, path, response.body()).isEqualTo(200);
        return response.body();
    }
}
