package io.textintel.connectors.elasticsearch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The check against a fake cluster that answers {@code _has_privileges} as told. */
class ElasticsearchAccessCheckTest {

    private HttpServer server;
    private final AtomicInteger status = new AtomicInteger(200);
    private final AtomicReference<String> body = new AtomicReference<>();
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final List<String> authorizations = new CopyOnWriteArrayList<>();

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            authorizations.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
            requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath() + " "
                    + new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            byte[] answer = body.get().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.getResponseHeaders().add("X-Elastic-Product", "Elasticsearch");
            exchange.sendResponseHeaders(status.get(), answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    private ElasticsearchConnection connection(ElasticsearchConnection.Auth auth) {
        return ElasticsearchConnection.of("http://127.0.0.1:" + server.getAddress().getPort()).withAuth(auth);
    }

    private static ElasticsearchAccessCheck check() {
        return ElasticsearchAccessCheck.builder()
                .clusterPrivileges("manage_index_templates")
                .indexPrivileges(List.of("docs*", "drift*"), "create_index", "index")
                .build();
    }

    @Test
    void passesWhenEveryPrivilegeIsHeldAndAsksForExactlyThem() throws Exception {
        body.set("""
                {"username":"writer","has_all_requested":true,
                 "cluster":{"manage_index_templates":true},
                 "index":{"docs*":{"create_index":true,"index":true},"drift*":{"create_index":true,"index":true}},
                 "application":{}}""");

        check().run(connection(ElasticsearchConnection.Auth.basic("writer", "pw")));

        assertThat(requests).hasSize(1);
        assertThat(requests.get(0)).startsWith("POST /_security/user/_has_privileges ")
                .contains("manage_index_templates", "docs*", "drift*", "create_index");
    }

    @Test
    void anApiKeyGoesOnTheWireAsTheApiKeyAuthorizationHeader() throws Exception {
        body.set("""
                {"username":"api-key-owner","has_all_requested":true,
                 "cluster":{"manage_index_templates":true},
                 "index":{"docs*":{"create_index":true,"index":true},"drift*":{"create_index":true,"index":true}},
                 "application":{}}""");

        check().run(connection(ElasticsearchConnection.Auth.apiKey("a2V5OnNlY3JldA==")));
        assertThat(authorizations).containsExactly("ApiKey a2V5OnNlY3JldA==");
    }

    @Test
    void listsEveryMissingPrivilege() {
        body.set("""
                {"username":"writer","has_all_requested":false,
                 "cluster":{"manage_index_templates":false},
                 "index":{"docs*":{"create_index":true,"index":true},"drift*":{"create_index":false,"index":false}},
                 "application":{}}""");

        assertThatThrownBy(() -> check().run(connection(ElasticsearchConnection.Auth.basic("writer", "pw-secret"))))
                .isInstanceOfSatisfying(ElasticsearchAccessException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ElasticsearchAccessException.Kind.MISSING_PRIVILEGES);
                    assertThat(e.getMessage())
                            .contains("user 'writer'", "cluster: manage_index_templates",
                                    "index 'drift*': create_index, index")
                            .doesNotContain("docs*").doesNotContain("pw-secret");
                });
    }

    @Test
    void aRefusedPasswordIsAnAuthenticationFailureThatNamesTheKeysNotTheSecret() {
        status.set(401);
        body.set("""
                {"error":{"root_cause":[{"type":"security_exception","reason":"unable to authenticate user [writer]"}],
                 "type":"security_exception","reason":"unable to authenticate user [writer]"},"status":401}""");

        assertThatThrownBy(() -> check().run(connection(ElasticsearchConnection.Auth.basic("writer", "pw-secret"))))
                .isInstanceOfSatisfying(ElasticsearchAccessException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ElasticsearchAccessException.Kind.AUTHENTICATION);
                    assertThat(e.getMessage()).contains("refused the credentials", "HTTP 401",
                            "unable to authenticate user [writer]", "elasticsearch.password")
                            .doesNotContain("pw-secret");
                });
    }

    @Test
    void noCredentialsMeansNoCheck() throws Exception {
        body.set("{}");

        check().run(connection(ElasticsearchConnection.Auth.none()));

        assertThat(requests).isEmpty();
    }

    @Test
    void anUnreachableClusterSaysSo() {
        ElasticsearchConnection closed = connection(ElasticsearchConnection.Auth.basic("writer", "pw"));
        server.stop(0);

        assertThatThrownBy(() -> check().run(closed))
                .isInstanceOfSatisfying(ElasticsearchAccessException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ElasticsearchAccessException.Kind.UNREACHABLE);
                    assertThat(e.getMessage()).contains("cannot be reached", "elasticsearch.hosts");
                });
    }
}
