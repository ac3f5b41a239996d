package io.textintel.connectors.elasticsearch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ElasticsearchConnectionTlsTest {

    private static final String FINGERPRINT = "AB:CD:EF:01:23:45:67:89:ab:cd:ef:01:23:45:67:89"
            + ":ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89";

    private static Path testCa() throws URISyntaxException {
        return Path.of(ElasticsearchConnectionTlsTest.class.getResource("/tls/test-ca.crt").toURI());
    }

    @Test
    void aCaFileIsReadOnceAndTravelsWithTheConnection() throws Exception {
        ElasticsearchConnection connection = ElasticsearchConnection.of("https://es:9200")
                .withTls(ElasticsearchConnection.Tls.caCertificateFile(testCa()));

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(connection);
        }
        Object copy;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            copy = in.readObject();
        }

        assertThat(copy).isEqualTo(connection);
        String pem = Files.readString(testCa());
        assertThat(connection.tls()).isInstanceOfSatisfying(ElasticsearchConnection.Tls.CaCertificate.class,
                ca -> assertThat(ca.pem()).isEqualTo(pem));
        assertThat(connection.tls().toString()).isEqualTo("CaCertificate[" + testCa() + "]");
        connection.createRestClient().close();
    }

    @Test
    void aFingerprintIsNormalisedToLowerCaseHexWithoutColons() throws Exception {
        ElasticsearchConnection.Tls tls = ElasticsearchConnection.Tls.caFingerprint(FINGERPRINT);

        assertThat(((ElasticsearchConnection.Tls.CaFingerprint) tls).fingerprint())
                .isEqualTo("abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789");
        ElasticsearchConnection.of("https://es:9200").withTls(tls).createRestClient().close();
    }

    @Test
    void refusesBadTrustSettingsNamingWhatIsWrong(@TempDir Path dir) throws Exception {
        Path notPem = dir.resolve("not.crt");
        Files.writeString(notPem, "hello");

        assertThatThrownBy(() -> ElasticsearchConnection.Tls.caFingerprint("abc"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'abc'").hasMessageContaining("64 hex digits");
        assertThatThrownBy(() -> ElasticsearchConnection.Tls.caCertificateFile(dir.resolve("missing.crt")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("missing.crt").hasMessageContaining("cannot be read");
        assertThatThrownBy(() -> ElasticsearchConnection.Tls.caCertificateFile(notPem))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("holds no readable certificate");
        assertThatThrownBy(() -> ElasticsearchConnection.Tls.of(testCa().toString(), FINGERPRINT))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Both a CA certificate file and a CA fingerprint are set, expected one of them.");
    }

    @Test
    void theConfigurationKeysChooseTheTrust() throws Exception {
        Configuration config = new Configuration();
        config.setString("elasticsearch.hosts", "https://es:9200");
        assertThat(ElasticsearchConnection.fromConfiguration(config).tls())
                .isEqualTo(ElasticsearchConnection.Tls.systemTrust());

        config.setString("elasticsearch.ca-fingerprint", FINGERPRINT);
        assertThat(ElasticsearchConnection.fromConfiguration(config).tls())
                .isInstanceOf(ElasticsearchConnection.Tls.CaFingerprint.class);

        Configuration withFile = new Configuration();
        withFile.setString("elasticsearch.hosts", "https://es:9200");
        withFile.setString("elasticsearch.ca-certificate", testCa().toString());
        assertThat(ElasticsearchConnection.fromConfiguration(withFile).tls())
                .isInstanceOf(ElasticsearchConnection.Tls.CaCertificate.class);
    }

    @Test
    void basicAuthAndApiKeyNeverPrintTheirSecrets() {
        assertThat(ElasticsearchConnection.Auth.basic("writer", "pw-123").toString())
                .isEqualTo("Basic[username=writer, password=***]");
        assertThat(ElasticsearchConnection.Auth.apiKey("a2V5OnNlY3JldA==").toString()).isEqualTo("ApiKey[***]");
        assertThat(ElasticsearchConnection.Auth.apiKey("a2V5OnNlY3JldA==").headers()[0].getValue())
                .isEqualTo("ApiKey a2V5OnNlY3JldA==");
    }
}
