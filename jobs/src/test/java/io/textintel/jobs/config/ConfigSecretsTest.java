package io.textintel.jobs.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ${env:}} and {@code ${file:}} references, and the masking of secrets in configuration records. */
class ConfigSecretsTest {

    private static final String YAML = """
            kafka:
              bootstrap-servers: broker:9093
              topics: [feedback]
              properties:
                security.protocol: SASL_SSL
                sasl.mechanism: SCRAM-SHA-512
                sasl.jaas.config: >-
                  org.apache.kafka.common.security.scram.ScramLoginModule required
                  username="textintel" password="${env:KAFKA_PASSWORD}";
                ssl.truststore.location: /etc/ca.pem
                ssl.keystore.password: ${file:keystore-password}
            elasticsearch:
              hosts: [https://es:9200]
              username: writer
              password: ${file:es-password}
            tasks:
              embed:
                kind: embed
                model: org/embedder
            """;

    private static final Map<String, String> ENV = Map.of("KAFKA_PASSWORD", "kafka-s3cret");

    private static PipelineConfig parse(String yaml, Map<String, String> env, Path dir) {
        return PipelineConfigLoader.parse(yaml, "test.yaml", List.of(), env::get, dir);
    }

    @Test
    void referencesAreResolvedWholeAndInsideValuesWithFilesRelativeToTheConfig(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("es-password"), "es-s3cret\n");
        Files.writeString(dir.resolve("keystore-password"), "ks-s3cret");

        PipelineConfig config = parse(YAML, ENV, dir);

        assertThat(config.elasticsearch().password()).isEqualTo("es-s3cret");
        assertThat(config.kafka().properties())
                .containsEntry("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required"
                        + " username=\"textintel\" password=\"kafka-s3cret\";")
                .containsEntry("ssl.keystore.password", "ks-s3cret");
    }

    @Test
    void loadResolvesFilesNextToTheConfigurationFile(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("es-password"), "es-s3cret\r\n");
        Files.writeString(dir.resolve("keystore-password"), "ks");
        Path file = dir.resolve("pipeline.yaml");
        Files.writeString(file, YAML.replace("${env:KAFKA_PASSWORD}", "plain"));

        PipelineConfig config = PipelineConfigLoader.load(file, List.of("elasticsearch.username=${file:keystore-password}"));

        assertThat(config.elasticsearch().password()).isEqualTo("es-s3cret");
        assertThat(config.elasticsearch().username()).as("override resolved too").isEqualTo("ks");
    }

    @Test
    void missingVariablesAndFilesAreAllReportedWithTheirKeysAndNoValue(@TempDir Path dir) {
        assertThatThrownBy(() -> parse(YAML, Map.of(), dir))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).containsExactly(
                        "kafka.properties.sasl.jaas.config: environment variable KAFKA_PASSWORD is not set,"
                                + " expected it to hold the value",
                        "kafka.properties.ssl.keystore.password: file " + dir.resolve("keystore-password")
                                + " cannot be read (NoSuchFileException), expected a readable file holding the value",
                        "elasticsearch.password: file " + dir.resolve("es-password")
                                + " cannot be read (NoSuchFileException), expected a readable file holding the value"));
    }

    @Test
    void aDoubledDollarIsALiteralReference(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("es-password"), "x");
        Files.writeString(dir.resolve("keystore-password"), "y");

        PipelineConfig config = parse(YAML.replace("username: writer", "username: $${env:NOT_RESOLVED}"), ENV, dir);

        assertThat(config.elasticsearch().username()).isEqualTo("${env:NOT_RESOLVED}");
    }

    @Test
    void toStringMasksPasswordsApiKeysAndSecretKafkaProperties(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("es-password"), "es-s3cret");
        Files.writeString(dir.resolve("keystore-password"), "ks-s3cret");
        PipelineConfig config = parse(YAML, ENV, dir);
        PipelineConfig withKey = parse(YAML.replace("username: writer\n  password: ${file:es-password}",
                "api-key: a2V5OmFwaS1zM2NyZXQ="), ENV, dir);

        String printed = config.toString() + withKey;

        assertThat(printed).doesNotContain("es-s3cret", "kafka-s3cret", "ks-s3cret", "a2V5OmFwaS1zM2NyZXQ=")
                .contains("password=***", "apiKey=***", "sasl.jaas.config=***", "ssl.keystore.password=***")
                .contains("username=writer", "security.protocol=SASL_SSL", "ssl.truststore.location=/etc/ca.pem");
    }

    @Test
    void kafkaSecretsAreKnownFromKafkasOwnDefinitionsAndFromTheirNames() {
        assertThat(List.of("sasl.jaas.config", "ssl.key.password", "ssl.keystore.password", "ssl.truststore.password",
                "ssl.keystore.key", "sasl.oauthbearer.client.credentials.client.secret", "basic.auth.user.info"))
                .allMatch(Secrets::isSecretKafkaProperty);
        assertThat(List.of("security.protocol", "sasl.mechanism", "ssl.truststore.location", "max.request.size",
                "ssl.truststore.type")).noneMatch(Secrets::isSecretKafkaProperty);
    }

    @Test
    void bothTrustOptionsOrHalfTheCredentialsAreRefused(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("es-password"), "x");
        Files.writeString(dir.resolve("keystore-password"), "y");
        String both = YAML.replace("username: writer", "username: writer\n  api-key: abc\n  ca-certificate: /x.pem\n"
                + "  ca-fingerprint: ab");

        assertThatThrownBy(() -> parse(both, ENV, dir))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).contains(
                        "elasticsearch.api-key is set together with elasticsearch.username, expected one of them",
                        "elasticsearch.ca-fingerprint is set together with elasticsearch.ca-certificate, expected one of them"));
        String missingCa = YAML.replace("username: writer", "username: writer\n  ca-certificate: " + dir.resolve("no.pem"));
        assertThatThrownBy(() -> parse(missingCa, ENV, dir))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).singleElement()
                        .asString().startsWith("elasticsearch.ca-certificate: CA certificate file").contains("no.pem"));
    }
}
