package io.textintel.services;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A local node with security on: HTTPS only, with a certificate only the generated CA vouches for,
 * and no answer without valid credentials.
 */
class SecuredLocalElasticsearchITCase {

    private static final Logger LOG = LoggerFactory.getLogger(SecuredLocalElasticsearchITCase.class);

    private static LocalElasticsearch elasticsearch;

    @BeforeAll
    static void startNode() throws Exception {
        long start = System.nanoTime();
        elasticsearch = LocalElasticsearch.builder().clusterName("textintel-secured-it").security(true).start();
        LOG.info("Secured LocalElasticsearch start-up took {} ms", (System.nanoTime() - start) / 1_000_000);
    }

    @AfterAll
    static void stopNode() throws Exception {
        if (elasticsearch != null) {
            elasticsearch.close();
        }
    }

    private static HttpResponse<String> get(HttpClient client, String path, String user, String password)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(elasticsearch.httpUrl() + path))
                .timeout(Duration.ofSeconds(10));
        if (user != null) {
            request.header("Authorization", "Basic " + Base64.getEncoder()
                    .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theAdminIsAuthenticatedOverTlsTrustingOnlyTheGeneratedCa() throws Exception {
        assertThat(elasticsearch.httpUrl()).startsWith("https://127.0.0.1:");
        HttpClient trusting = HttpClient.newBuilder().sslContext(elasticsearch.certificates().sslContext()).build();
        HttpResponse<String> me = get(trusting, "/_security/_authenticate", elasticsearch.adminUser(),
                elasticsearch.adminPassword());
        assertThat(me.statusCode()).isEqualTo(200);
        assertThat(me.body()).contains("\"username\":\"" + elasticsearch.adminUser() + "\"").contains("superuser");
    }

    @Test
    void requestsWithoutOrWithWrongCredentialsAreRefused() throws Exception {
        HttpClient trusting = HttpClient.newBuilder().sslContext(elasticsearch.certificates().sslContext()).build();
        assertThat(get(trusting, "/_cluster/health", null, null).statusCode()).isEqualTo(401);
        assertThat(get(trusting, "/_cluster/health", elasticsearch.adminUser(), "wrong").statusCode()).isEqualTo(401);
    }

    @Test
    void aClientTrustingOnlyTheJvmDefaultsRejectsTheCertificate() {
        HttpClient defaults = HttpClient.newHttpClient();
        assertThatThrownBy(() -> get(defaults, "/", null, null)).isInstanceOf(SSLHandshakeException.class);
    }

    @Test
    void theFingerprintIsTheSha256OfTheCaCertificate() throws Exception {
        java.security.cert.Certificate ca;
        try (var in = java.nio.file.Files.newInputStream(elasticsearch.certificates().caCertificate())) {
            ca = java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        String expected = java.util.HexFormat.of().formatHex(
                java.security.MessageDigest.getInstance("SHA-256").digest(ca.getEncoded()));
        assertThat(elasticsearch.certificates().caFingerprint()).isEqualTo(expected).hasSize(64);
    }
}
