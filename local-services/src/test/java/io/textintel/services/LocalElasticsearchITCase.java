package io.textintel.services;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.Refresh;
import co.elastic.clients.elasticsearch._types.mapping.DenseVectorSimilarity;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.search.Hit;
import co.elastic.clients.json.jackson.JacksonJsonpMapper;
import co.elastic.clients.transport.rest_client.RestClientTransport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.http.HttpHost;
import org.apache.http.util.EntityUtils;
import org.elasticsearch.client.Request;
import org.elasticsearch.client.Response;
import org.elasticsearch.client.RestClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts one real local Elasticsearch 8.19 node and indexes, searches and kNN-searches through it
 * with the project's elasticsearch-java 8 client; {@link LocalElasticsearch9ITCase} runs the same on 9.x.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LocalElasticsearchITCase {

    private static final Logger LOG = LoggerFactory.getLogger(LocalElasticsearchITCase.class);

    private LocalElasticsearch elasticsearch;
    private RestClient restClient;
    private ElasticsearchClient client;

    /** The version asked of {@link LocalElasticsearch.Builder#version}. */
    String version() {
        return "8.19";
    }

    @BeforeAll
    void startNode() throws Exception {
        long start = System.nanoTime();
        elasticsearch = LocalElasticsearch.builder().version(version()).clusterName("textintel-it").start();
        LOG.info("LocalElasticsearch {} start-up took {} ms", elasticsearch.version(),
                (System.nanoTime() - start) / 1_000_000);
        restClient = RestClient.builder(HttpHost.create(elasticsearch.httpUrl())).build();
        client = new ElasticsearchClient(new RestClientTransport(restClient, new JacksonJsonpMapper()));
    }

    @AfterAll
    void stopNode() throws Exception {
        if (restClient != null) {
            restClient.close();
        }
        if (elasticsearch != null) {
            Path workDir = elasticsearch.workDir();
            List<ProcessHandle> tree = new ArrayList<>(elasticsearch.processHandle().descendants().toList());
            tree.add(elasticsearch.processHandle());
            elasticsearch.close();
            assertThat(workDir).doesNotExist();
            assertThat(tree).noneMatch(ProcessHandle::isAlive);
        }
    }

    @Test
    void nodeJvmRunsUnprivilegedWhenTestsRunAsRoot() {
        List<ProcessHandle> jvms = elasticsearch.processHandle().descendants()
                .filter(p -> p.info().command().orElse("").endsWith("/java"))
                .toList();
        assertThat(jvms).as("Elasticsearch launcher and server JVMs").isNotEmpty();
        String expectedUser = UnprivilegedUser.currentUserIsRoot()
                ? LocalElasticsearch.SYSTEM_USER
                : System.getProperty("user.name");
        assertThat(jvms).allSatisfy(jvm -> assertThat(jvm.info().user()).contains(expectedUser));
    }

    @Test
    void nodeRunsWithTheConfiguredNameAndNoSecurity() throws Exception {
        var health = client.cluster().health();
        assertThat(health.clusterName()).isEqualTo("textintel-it");
        assertThat(health.numberOfNodes()).isEqualTo(1);
        // The client cannot decode a single-node _nodes answer (no cluster.election); ask _cat instead.
        Response versions = restClient.performRequest(new Request("GET", "/_cat/nodes?h=version"));
        assertThat(EntityUtils.toString(versions.getEntity()).strip()).startsWith(version() + ".")
                .isEqualTo(elasticsearch.version());
        assertThat(elasticsearch.httpUrl()).isEqualTo("http://127.0.0.1:" + elasticsearch.httpPort());
        assertThat(elasticsearch.workDir().resolve("data")).isDirectory();
    }

    @Test
    void indexedDocumentIsFoundByFullTextSearch() throws Exception {
        client.index(i -> i.index("docs").id("1").refresh(Refresh.True)
                .document(Map.of("text", "the parcel arrived late and damaged")));
        client.index(i -> i.index("docs").id("2").refresh(Refresh.True)
                .document(Map.of("text", "great support, quick answer")));

        SearchResponse<Map> response = client.search(s -> s.index("docs")
                .query(q -> q.match(m -> m.field("text").query("damaged parcel"))), Map.class);

        assertThat(response.hits().hits()).extracting(Hit::id).containsExactly("1");
    }

    @Test
    void denseVectorKnnSearchReturnsTheNearestDocument() throws Exception {
        client.indices().create(c -> c.index("vectors").mappings(m -> m
                .properties("label", p -> p.keyword(k -> k))
                .properties("embedding", p -> p.denseVector(d -> d.dims(3).index(true).similarity(DenseVectorSimilarity.Cosine)))));
        indexVector("a", "north", List.of(0.0f, 1.0f, 0.0f));
        indexVector("b", "east", List.of(1.0f, 0.0f, 0.0f));
        indexVector("c", "up", List.of(0.0f, 0.0f, 1.0f));

        SearchResponse<Map> response = client.search(s -> s.index("vectors")
                .knn(k -> k.field("embedding").queryVector(List.of(0.9f, 0.1f, 0.0f)).k(2).numCandidates(10)),
                Map.class);

        assertThat(response.hits().hits()).hasSize(2);
        assertThat(response.hits().hits().get(0).id()).isEqualTo("b");
        assertThat(response.hits().hits().get(1).id()).isEqualTo("a");
    }

    @Test
    void nodeThatCannotStartFailsWithTheEndOfItsLog() throws Exception {
        Path workDir = Files.createTempDirectory("textintel-es-bad-");

        assertThatThrownBy(() -> LocalElasticsearch.builder().version(version()).workDir(workDir)
                        .setting("textintel.no.such.setting", "x").start())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Elasticsearch exited with code")
                .hasMessageContaining("textintel.no.such.setting");
        assertThat(workDir).doesNotExist();
    }

    private void indexVector(String id, String label, List<Float> embedding) throws Exception {
        client.index(i -> i.index("vectors").id(id).refresh(Refresh.True)
                .document(Map.of("label", label, "embedding", embedding)));
    }
}
