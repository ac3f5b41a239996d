package io.textintel.connectors.kibana;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.textintel.connectors.elasticsearch.ElasticsearchConnection.Auth;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The import request against a local HTTP server that checks it as Kibana's saved-objects import API
 * documents it: {@code POST /api/saved_objects/_import?overwrite=true}, header {@code kbn-xsrf},
 * {@code multipart/form-data} with the NDJSON as the {@code file} field of a {@code *.ndjson} file.
 */
class SavedObjectsImportTest {

    private static final byte[] NDJSON = ("{\"id\":\"a\",\"type\":\"index-pattern\",\"attributes\":{\"title\":\"x*\"}}\n"
            + "{\"id\":\"b\",\"type\":\"dashboard\",\"attributes\":{\"title\":\"d\"}}\n").getBytes(StandardCharsets.UTF_8);

    private HttpServer server;
    private final Map<String, String> seen = new ConcurrentHashMap<>();
    private volatile byte[] seenBody;
    private volatile int status = 200;
    private volatile String answer;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            seen.put("method", exchange.getRequestMethod());
            seen.put("path", exchange.getRequestURI().getPath());
            seen.put("query", String.valueOf(exchange.getRequestURI().getQuery()));
            exchange.getRequestHeaders().forEach((name, values) -> seen.put(name.toLowerCase(), values.get(0)));
            seenBody = exchange.getRequestBody().readAllBytes();
            byte[] response = answer.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, response.length);
            exchange.getResponseBody().write(response);
            exchange.close();
        });
        server.start();
        answer = "{\"success\":true,\"successCount\":2,\"successResults\":["
                + "{\"type\":\"index-pattern\",\"id\":\"a\",\"meta\":{\"title\":\"x*\"}},"
                + "{\"type\":\"dashboard\",\"id\":\"b\",\"meta\":{\"title\":\"d\"}}]}";
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Test
    void postsTheFileAsKibanasImportApiDocumentsIt() throws IOException {
        SavedObjectsImport.ImportResult result = SavedObjectsImport.builder().kibanaUrl(url() + "/").build()
                .run("textintel.ndjson", NDJSON);

        assertThat(seen).containsEntry("method", "POST")
                .containsEntry("path", "/api/saved_objects/_import")
                .containsEntry("query", "overwrite=true")
                .containsEntry("kbn-xsrf", "true")
                .doesNotContainKey("authorization");
        Matcher boundary = Pattern.compile("^multipart/form-data; ?boundary=(\\S+)$").matcher(seen.get("content-type"));
        assertThat(boundary.matches()).as("content type %s", seen.get("content-type")).isTrue();
        String body = new String(seenBody, StandardCharsets.UTF_8);
        String b = boundary.group(1);
        assertThat(body).startsWith("--" + b + "\r\n")
                .contains("Content-Disposition: form-data; name=\"file\"; filename=\"textintel.ndjson\"\r\n")
                .contains("\r\n\r\n" + new String(NDJSON, StandardCharsets.UTF_8) + "\r\n--" + b + "--\r\n");
        assertThat(body.split("--" + b, -1)).as("one part between the boundaries").hasSize(3);
        assertThat(result.successCount()).isEqualTo(2);
        assertThat(result.imported()).containsExactly("index-pattern a", "dashboard b");
    }

    @Test
    void sendsAnApiKeyAsTheElasticsearchConnectionDoes() throws IOException {
        SavedObjectsImport.builder().kibanaUrl(url()).auth(Auth.apiKey("a2V5OnNlY3JldA==")).build()
                .run("textintel.ndjson", NDJSON);

        assertThat(seen).containsEntry("authorization", "ApiKey a2V5OnNlY3JldA==").containsEntry("kbn-xsrf", "true");
    }

    @Test
    void sendsBasicCredentialsWithTheFirstRequest() throws IOException {
        SavedObjectsImport.builder().kibanaUrl(url()).auth(Auth.basic("elastic", "pässword")).build()
                .run("textintel.ndjson", NDJSON);

        String expected = Base64.getEncoder().encodeToString("elastic:pässword".getBytes(StandardCharsets.UTF_8));
        assertThat(seen).containsEntry("authorization", "Basic " + expected);
    }

    @Test
    void importsIntoASpace() throws IOException {
        SavedObjectsImport.builder().kibanaUrl(url()).space("team-a").build().run("textintel.ndjson", NDJSON);

        assertThat(seen).containsEntry("path", "/s/team-a/api/saved_objects/_import");
    }

    @Test
    void namesEveryObjectKibanaRefused() {
        answer = "{\"success\":false,\"successCount\":1,\"successResults\":[{\"type\":\"index-pattern\",\"id\":\"a\"}],"
                + "\"errors\":[{\"id\":\"b\",\"type\":\"dashboard\",\"meta\":{\"title\":\"d\"},"
                + "\"error\":{\"type\":\"missing_references\",\"references\":[{\"type\":\"lens\",\"id\":\"gone\"}]}},"
                + "{\"id\":\"c\",\"type\":\"lens\",\"title\":\"v\",\"error\":{\"type\":\"unknown\","
                + "\"message\":\"Document \\\"c\\\" has property \\\"lens\\\" which belongs to a more recent version\"}}]}";

        assertThatThrownBy(() -> SavedObjectsImport.builder().kibanaUrl(url()).build().run("textintel.ndjson", NDJSON))
                .isInstanceOfSatisfying(KibanaImportException.class, e -> assertThat(e.failures()).containsExactly(
                        "dashboard b (d): missing_references, missing [lens gone]",
                        "lens c (v): unknown, Document \"c\" has property \"lens\" which belongs to a more recent version"))
                .hasMessageContaining("did not import 2 saved object(s)");
    }

    @Test
    void reportsARefusedRequestWithKibanasMessage() {
        status = 403;
        answer = "{\"statusCode\":403,\"error\":\"Forbidden\",\"message\":\"Unable to bulk_create index-pattern\"}";

        assertThatThrownBy(() -> SavedObjectsImport.builder().kibanaUrl(url()).auth(Auth.basic("u", "p")).build()
                        .run("textintel.ndjson", NDJSON))
                .isInstanceOf(KibanaImportException.class)
                .hasMessageContaining("answered 403: Unable to bulk_create index-pattern")
                .hasMessageContaining("credentials");
    }

    @Test
    void rejectsAnAnswerThatIsNotTheImportApis() {
        answer = "<html>proxy login</html>";

        assertThatThrownBy(() -> SavedObjectsImport.builder().kibanaUrl(url()).build().run("textintel.ndjson", NDJSON))
                .isInstanceOf(IOException.class)
                .isNotInstanceOf(KibanaImportException.class)
                .hasMessageContaining("expected the saved-objects import API's JSON");
    }

    @Test
    void checksItsSettings() {
        assertThatThrownBy(() -> SavedObjectsImport.builder().build())
                .hasMessageContaining("Kibana URL is not set");
        assertThatThrownBy(() -> SavedObjectsImport.builder().kibanaUrl("kibana:5601").build())
                .hasMessageContaining("is not an http or https URL");
        assertThatThrownBy(() -> SavedObjectsImport.builder().kibanaUrl("http://k:5601").space("Team A").build())
                .hasMessageContaining("space id is 'Team A'");
        assertThatThrownBy(() -> SavedObjectsImport.builder().kibanaUrl(url()).build().run("objects.json", NDJSON))
                .hasMessageContaining("ending in .ndjson");
        assertThat(SavedObjectsImport.builder().kibanaUrl("http://k:5601/base").space("default").build().endpoint())
                .hasToString("http://k:5601/base/api/saved_objects/_import?overwrite=true");
    }
}
