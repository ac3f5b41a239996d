package io.textintel.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.textintel.connectors.elasticsearch.ElasticsearchAccessException;
import io.textintel.connectors.elasticsearch.ElasticsearchConnection;
import io.textintel.it.support.CapturingMetricReporter;
import io.textintel.it.support.TestPipeline;
import io.textintel.jobs.AvroTopic;
import io.textintel.jobs.PipelineSetup;
import io.textintel.jobs.TextIntelligenceJob;
import io.textintel.jobs.config.PipelineConfig;
import io.textintel.jobs.config.PipelineConfigLoader;
import io.textintel.schemas.DeadLetter;
import io.textintel.services.LocalElasticsearch;
import io.textintel.services.LocalKafka;

import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.http.entity.ContentType;
import org.apache.http.nio.entity.NStringEntity;
import org.apache.http.util.EntityUtils;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.elasticsearch.client.Request;
import org.elasticsearch.client.Response;
import org.elasticsearch.client.RestClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.HexFormat;
import java.util.concurrent.ExecutionException;
import javax.net.ssl.SSLHandshakeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import java.util.concurrent.TimeUnit;

/**
 * The pipeline against an Elasticsearch node with security on (HTTPS with a private CA, users,
 * roles, API keys) and a Kafka broker whose only listener is SASL_SSL with SCRAM-SHA-512, its
 * secrets given as {@code ${env:TEXTINTEL_IT_KAFKA_PASSWORD}} (set by failsafe) and
 * {@code ${file:...}} references.
 *
 * <p>The Elasticsearch user holds only the privileges the README's role lists. Roles and users are
 * in the file realm: the distribution on Maven Central lacks the module the native realm's index
 * needs, so API keys (stored there) cannot be tested here. The servers run as local processes in
 * every environment (the shared, unsecured {@code TestServices} are not used); one node and one
 * broker serve all test methods. One test takes a privilege from a role of its own while its job
 * runs ({@link LocalElasticsearch#updateRole}; the node re-reads {@code roles.yml} every second here).
 */
class SecuredPipelineITCase {

    private static final Logger LOG = LoggerFactory.getLogger(SecuredPipelineITCase.class);

    /** The variable failsafe sets (integration-tests/pom.xml); the pipeline's Kafka user has it as password. */
    private static final String KAFKA_PASSWORD_VARIABLE = "TEXTINTEL_IT_KAFKA_PASSWORD";
    private static final String KAFKA_USER = "textintel-pipeline";
    private static final String WRITER_ROLE = "textintel-writer";
    private static final String PARTIAL_ROLE = "textintel-partial";
    /** A role of its own for the revocation test, so that taking a privilege away touches no other test. */
    private static final String REVOCABLE_ROLE = "textintel-revocable";
    private static final String REVOCABLE_USER = "textintel-revocable";
    /** Metrics of the documents' writer: its operator is named {@code elasticsearch} (the drift one's differs). */
    private static final Predicate<String> DOCUMENT_WRITERS = id -> List.of(id.split("\\.")).contains("elasticsearch");
    private static final int N = 12;

    private static LocalElasticsearch elasticsearch;
    private static LocalKafka kafka;
    private static Path secrets;
    private static String writerPassword;
    private static String partialPassword;
    private static String revocablePassword;

    @BeforeAll
    static void startSecuredServices() throws Exception {
        long start = System.nanoTime();
        writerPassword = randomSecret();
        partialPassword = randomSecret();
        revocablePassword = randomSecret();
        CompletableFuture<LocalElasticsearch> es = CompletableFuture.supplyAsync(() -> {
            try {
                // Exactly the role the README documents, on this test's index prefixes; and one lacking privileges.
                return LocalElasticsearch.builder().clusterName("textintel-secured").security(true)
                        .role(WRITER_ROLE, roleJson(true, true))
                        .role(PARTIAL_ROLE, roleJson(false, false))
                        .role(REVOCABLE_ROLE, revocableRoleJson(true))
                        .user("textintel-writer", writerPassword, WRITER_ROLE)
                        .user("textintel-partial", partialPassword, PARTIAL_ROLE)
                        .user(REVOCABLE_USER, revocablePassword, REVOCABLE_ROLE)
                        // roles.yml re-read every second (default 5 s): the revocation test waits less.
                        .setting("resource.reload.interval.high", "1s")
                        .start();
            } catch (Exception e) {
                throw new IllegalStateException("secured Elasticsearch did not start", e);
            }
        });
        kafka = LocalKafka.builder().workDir(Files.createTempDirectory("textintel-it-kafka-scram-"))
                .saslScram(true).start();
        elasticsearch = es.join();
        LOG.info("Secured services up in {} ms: Kafka SASL_SSL {}, Elasticsearch {}",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), kafka.bootstrapServers(),
                elasticsearch.httpUrl());

        String kafkaPassword = System.getenv(KAFKA_PASSWORD_VARIABLE);
        assertThat(kafkaPassword).as("environment variable %s, which failsafe sets (integration-tests/pom.xml)",
                KAFKA_PASSWORD_VARIABLE).isNotBlank();
        try (Admin admin = Admin.create(kafkaClient(kafka.clientProperties()))) {
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(KAFKA_USER,
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192), kafkaPassword)))
                    .all().get(30, TimeUnit.SECONDS);
        }

        secrets = Files.createTempDirectory("textintel-it-secrets-");
        Files.writeString(secrets.resolve("es-password"), writerPassword + "\n");
        Files.writeString(secrets.resolve("es-partial-password"), partialPassword);
        Files.writeString(secrets.resolve("es-revocable-password"), revocablePassword);
    }

    @AfterAll
    static void stopSecuredServices() throws Exception {
        if (kafka != null) {
            kafka.close();
        }
        if (elasticsearch != null) {
            elasticsearch.close();
        }
    }

    /** The README's least-privilege role for indices starting {@code sec-}, optionally without a privilege. */
    private static String roleJson(boolean templates, boolean driftIndex) {
        return """
                {
                  "cluster": [%s],
                  "indices": [
                    {"names": ["sec-docs-*", "sec-dead-letters-*", "sec-profiles-*"%s], "privileges": ["create_index", "index"]}
                  ]
                }""".formatted(templates ? "\"manage_index_templates\"" : "",
                driftIndex ? ", \"sec-drift-*\"" : "");
    }

    /**
     * The README's role, with or without the {@code index} privilege on the documents indices
     * ({@code create_index} stays, so the index exists but cannot be written).
     */
    private static String revocableRoleJson(boolean indexDocuments) {
        return """
                {
                  "cluster": ["manage_index_templates"],
                  "indices": [
                    {"names": ["sec-docs-*"], "privileges": [%s]},
                    {"names": ["sec-dead-letters-*", "sec-profiles-*", "sec-drift-*"], "privileges": ["create_index", "index"]}
                  ]
                }""".formatted(indexDocuments ? "\"create_index\", \"index\"" : "\"create_index\"");
    }

    @Test
    void indexesOverTlsWithALeastPrivilegeUserAndReadsAndWritesKafkaOverSaslScramPrintingNoSecret()
            throws Exception {
        String suffix = TestPipeline.uniqueSuffix();
        Path config = writeConfig(suffix, """
                  username: textintel-writer
                  password: ${file:es-password}
                  ca-certificate: %s
                """.formatted(elasticsearch.certificates().caCertificate()));
        produce("in-" + suffix, records(suffix, "not json at all"));

        StringWriter log = new StringWriter();
        PipelineConfig pipeline;
        try (LogCapture ignored = LogCapture.start(log)) {
            pipeline = PipelineConfigLoader.load(config, List.of());
            LOG.info("Secured pipeline configuration: {}", pipeline);
            TestPipeline.runToEnd(pipeline);
        }

        assertThat(pipeline.elasticsearch().password()).as("password from ${file:}").isEqualTo(writerPassword);
        Map<String, String> documents = documentSources("sec-docs-" + suffix);
        assertThat(documents.keySet()).hasSize(N);
        List<DeadLetter> letters = AvroTopic.deadLetters(kafka.bootstrapServers(), "dlq-" + suffix,
                pipelineKafkaProperties(), Duration.ofSeconds(30));
        assertThat(letters).hasSize(1);
        assertThat(StandardCharsets.UTF_8.decode(letters.get(0).getOriginalBytes()).toString())
                .isEqualTo("not json at all");

        String captured = log.toString();
        assertThat(captured).as("captured log").contains("Secured pipeline configuration")
                .contains("holds the privileges the pipeline needs");
        List<String> secretValues = List.of(writerPassword, System.getenv(KAFKA_PASSWORD_VARIABLE),
                partialPassword, elasticsearch.adminPassword(), kafka.clientPassword());
        for (String secret : secretValues) {
            assertThat(captured).as("captured log (%d chars)", captured.length()).doesNotContain(secret);
            assertThat(documents.values()).as("indexed documents").noneMatch(source -> source.contains(secret));
            assertThat(letters).as("dead letters").noneMatch(letter -> letter.toString().contains(secret));
        }
    }

    /**
     * The {@code index} privilege on the documents index is taken from the running job's role and
     * given back: meanwhile the writer holds the refused documents (403) and retries them, the job
     * keeps running (its restart strategy is off, so any failure would be final), nothing is
     * dead-lettered and one ERROR names the index and the privilege; afterwards every record is
     * indexed exactly once.
     */
    @Test
    void aPrivilegeRevokedMidStreamHoldsTheDocumentsWithoutRestartOrDeadLetterAndResumesWhenRestored()
            throws Exception {
        long testStart = System.nanoTime();
        String suffix = TestPipeline.uniqueSuffix();
        String index = "sec-docs-" + suffix;
        String topic = "in-" + suffix;
        int before = 20;
        int during = 30;
        Path config = writeConfig(suffix, """
                  username: %s
                  password: ${file:es-revocable-password}
                  ca-certificate: %s
                """.formatted(REVOCABLE_USER, elasticsearch.certificates().caCertificate()));
        // Unbounded; a refused batch is tried again every 0.5 to 1 s.
        PipelineConfig pipeline = PipelineConfigLoader.load(config,
                List.of("kafka.bounded=false", "elasticsearch.retry.max-backoff=1s"));
        // The start-up privilege check passes: the role is whole until the job has indexed something.
        PipelineSetup.prepare(pipeline);
        send(topic, records(suffix, 0, before)); // the topic is created by the setup

        StringWriter log = new StringWriter();
        JobClient job = null;
        try (LogCapture ignored = LogCapture.start(log)) {
            job = start(pipeline);
            awaitDocuments(index, before, Duration.ofSeconds(60));
            assertThat(CapturingMetricReporter.count("numBlockedDocuments", DOCUMENT_WRITERS))
                    .as("document writers reporting numBlockedDocuments").isEqualTo(pipeline.parallelism());
            long blockedBefore = CapturingMetricReporter.sum("numBlockedDocuments", DOCUMENT_WRITERS);

            long revokedAt = System.nanoTime();
            elasticsearch.updateRole(REVOCABLE_ROLE, revocableRoleJson(false));
            awaitIndexPrivilege(index, false, Duration.ofSeconds(30));
            long revocationMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - revokedAt);
            send(topic, records(suffix, before, before + during));

            String refusal = "Elasticsearch refuses writes to index " + index + ": status 403";
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (CapturingMetricReporter.sum("numBlockedDocuments", DOCUMENT_WRITERS) <= blockedBefore
                    || !log.toString().contains(refusal)) {
                assertThat(System.nanoTime()).as("time to the first refusal, logged").isLessThan(deadline);
                assertThat(job.getJobStatus().get()).as("job status while refused").isEqualTo(JobStatus.RUNNING);
                Thread.sleep(200);
            }
            long blockedFirst = CapturingMetricReporter.sum("numBlockedDocuments", DOCUMENT_WRITERS);
            // Held for a few retries: each one is refused again, and none is dead-lettered.
            long heldUntil = System.nanoTime() + Duration.ofSeconds(4).toNanos();
            while (System.nanoTime() < heldUntil) {
                assertThat(job.getJobStatus().get()).as("job status while refused").isEqualTo(JobStatus.RUNNING);
                Thread.sleep(200);
            }
            long blockedHeld = CapturingMetricReporter.sum("numBlockedDocuments", DOCUMENT_WRITERS);
            List<DeadLetter> lettersWhileRefused = AvroTopic.deadLetters(kafka.bootstrapServers(), "dlq-" + suffix,
                    pipelineKafkaProperties(), Duration.ofSeconds(30));
            int indexedWhileRefused = documentSources(index).size();
            String refusalLine = log.toString().lines().filter(line -> line.contains(refusal)).findFirst()
                    .orElseThrow();

            assertThat(blockedFirst).as("documents refused (403) after the revocation").isGreaterThan(blockedBefore);
            assertThat(blockedHeld).as("refused again on retry").isGreaterThan(blockedFirst);
            assertThat(lettersWhileRefused).as("dead letters while refused").isEmpty();
            assertThat(indexedWhileRefused).as("documents indexed while refused").isEqualTo(before);
            assertThat(refusalLine).startsWith("ERROR ")
                    .contains("unauthorized for user [" + REVOCABLE_USER + "]", index,
                            "granted by the index privileges [", ",index,")
                    .contains("none is dead-lettered").doesNotContain(revocablePassword);
            assertThat(log.toString().lines().filter(line -> line.contains(refusal)).count())
                    .as("ERROR lines about %s (at most one a minute)", index).isEqualTo(1);

            long restoredAt = System.nanoTime();
            elasticsearch.updateRole(REVOCABLE_ROLE, revocableRoleJson(true));
            awaitIndexPrivilege(index, true, Duration.ofSeconds(30));
            long restorationMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restoredAt);
            awaitDocuments(index, before + during, Duration.ofSeconds(60));
            long resumeMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restoredAt);

            assertThat(job.getJobStatus().get()).as("job status after the privilege is back")
                    .isEqualTo(JobStatus.RUNNING);
            Set<String> expected = new TreeSet<>();
            for (int i = 0; i < before + during; i++) {
                expected.add("s-" + suffix + "-" + i);
            }
            assertThat(new TreeSet<>(documentSources(index).keySet())).isEqualTo(expected);
            assertThat(new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(adminRequest("GET", "/" + index + "/_count", null)).path("count").asLong())
                    .as("documents in %s", index).isEqualTo(before + during);
            assertThat(AvroTopic.deadLetters(kafka.bootstrapServers(), "dlq-" + suffix, pipelineKafkaProperties(),
                    Duration.ofSeconds(30))).as("dead letters at the end").isEmpty();
            assertThat(CapturingMetricReporter.sum("numRejectedDocuments", DOCUMENT_WRITERS)).isZero();
            LOG.info("Privilege revoked mid-stream: {} documents indexed before, revocation in force after {} ms,"
                            + " {} records produced while revoked, {} document refusals (403, retries counted) and 0"
                            + " dead letters meanwhile, privilege back in force after {} ms, all {} documents indexed"
                            + " exactly once"
                            + " {} ms after the role was restored, job restarts 0 (restart strategy off), test {} ms;"
                            + " logged: {}",
                    before, revocationMillis, during, blockedHeld - blockedBefore, restorationMillis,
                    before + during, resumeMillis, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - testStart),
                    refusalLine);
        } finally {
            if (job != null) {
                job.cancel().get();
            }
            // Whole again for whoever comes next, whatever happened above.
            elasticsearch.updateRole(REVOCABLE_ROLE, revocableRoleJson(true));
        }
    }

    @Test
    void setupTrustsTheCaByFingerprintAndInstallsTheTemplatesWithTheLeastPrivilegeRole() throws Exception {
        String suffix = TestPipeline.uniqueSuffix();
        Path config = writeConfig(suffix, """
                  username: textintel-writer
                  password: ${file:es-password}
                  ca-fingerprint: "%s"
                """.formatted(elasticsearch.certificates().caFingerprint()));

        PipelineSetup.Result result = PipelineSetup.prepare(PipelineConfigLoader.load(config, List.of()), true);

        assertThat(result.templates()).hasSize(4);
        for (String template : result.templates()) {
            assertThat(adminRequest("GET", "/_index_template/" + template, null)).contains("sec-");
        }
    }

    @Test
    void aWrongPasswordFailsAtStartWithAClearMessageAndCreatesNothing() throws Exception {
        String suffix = TestPipeline.uniqueSuffix();
        String wrong = randomSecret();
        Files.writeString(secrets.resolve("wrong-" + suffix), wrong);
        Path config = writeConfig(suffix, """
                  username: textintel-writer
                  password: ${file:wrong-%s}
                  ca-certificate: %s
                """.formatted(suffix, elasticsearch.certificates().caCertificate()));
        PipelineConfig pipeline = PipelineConfigLoader.load(config, List.of());

        assertThatThrownBy(() -> PipelineSetup.prepare(pipeline))
                .isInstanceOfSatisfying(ElasticsearchAccessException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ElasticsearchAccessException.Kind.AUTHENTICATION);
                    assertThat(e.getMessage()).contains("refused the credentials", "textintel-writer", "HTTP 401",
                            "elasticsearch.password").doesNotContain(wrong);
                    LOG.info("Wrong password: {}", e.getMessage());
                });
        try (Admin admin = Admin.create(kafkaClient(pipelineKafkaProperties()))) {
            assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).doesNotContain("dlq-" + suffix);
        }
    }

    @Test
    void aRoleMissingPrivilegesFailsThePrivilegeCheckListingThem() throws Exception {
        String suffix = TestPipeline.uniqueSuffix();
        Path config = writeConfig(suffix, """
                  username: textintel-partial
                  password: ${file:es-partial-password}
                  ca-certificate: %s
                """.formatted(elasticsearch.certificates().caCertificate()));
        PipelineConfig pipeline = PipelineConfigLoader.load(config, List.of());

        assertThatThrownBy(() -> PipelineSetup.prepare(pipeline))
                .isInstanceOfSatisfying(ElasticsearchAccessException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ElasticsearchAccessException.Kind.MISSING_PRIVILEGES);
                    assertThat(e.getMessage()).contains("textintel-partial", "cluster: manage_index_templates",
                            "index 'sec-drift-" + suffix + "*'", "create_index").doesNotContain(partialPassword)
                            .doesNotContain("sec-docs-");
                    LOG.info("Missing privileges: {}", e.getMessage());
                });
        // The Flink entry point checks too, before it submits, for what the job needs: not the template privilege.
        assertThatThrownBy(() -> TextIntelligenceJob.main(new String[] {"--config", config.toString()}))
                .isInstanceOfSatisfying(ElasticsearchAccessException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ElasticsearchAccessException.Kind.MISSING_PRIVILEGES);
                    assertThat(e.getMessage()).contains("textintel-partial", "index 'sec-drift-" + suffix + "*'")
                            .doesNotContain("manage_index_templates");
                    LOG.info("Missing privileges at submission: {}", e.getMessage());
                });
    }

    @Test
    void elasticsearchRefusesClientsThatDoNotTrustItsCaOrBringNoCredentials() throws Exception {
        HttpRequest health = HttpRequest.newBuilder(URI.create(elasticsearch.httpUrl() + "/_cluster/health"))
                .timeout(Duration.ofSeconds(10)).build();
        assertThatThrownBy(() -> HttpClient.newHttpClient().send(health, HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(SSLHandshakeException.class);
        HttpClient trusting = HttpClient.newBuilder().sslContext(elasticsearch.certificates().sslContext()).build();
        assertThat(trusting.send(health, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
        Certificate ca;
        try (var in = Files.newInputStream(elasticsearch.certificates().caCertificate())) {
            ca = CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        assertThat(elasticsearch.certificates().caFingerprint()).isEqualTo(
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(ca.getEncoded())));
    }

    @Test
    void kafkaRefusesAWrongScramPasswordAndPlaintextClients() {
        try (Admin admin = Admin.create(kafkaClient(kafka.clientProperties(KAFKA_USER, "wrong")))) {
            assertThatThrownBy(() -> admin.listTopics().names().get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(SaslAuthenticationException.class);
        }
        Map<String, Object> plaintext = kafkaClient(Map.of());
        plaintext.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5_000);
        plaintext.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 4_000);
        try (Admin admin = Admin.create(plaintext)) {
            assertThatThrownBy(() -> admin.listTopics().names().get(20, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class);
        }
    }

    /** A pipeline configuration file in the secrets folder, with {@code elasticsearchAuth} under elasticsearch. */
    private static Path writeConfig(String suffix, String elasticsearchAuth) throws Exception {
        String yaml = """
                job-name: it-secured
                parallelism: 1
                kafka:
                  bootstrap-servers: %s
                  topics: [in-%s]
                  group-id: it-secured-%s
                  starting-offsets: earliest
                  bounded: true
                  dead-letter-topic: dlq-%s
                  properties:
                    security.protocol: SASL_SSL
                    sasl.mechanism: SCRAM-SHA-512
                    sasl.jaas.config: >-
                      org.apache.kafka.common.security.scram.ScramLoginModule required
                      username="%s" password="${env:%s}";
                    ssl.truststore.type: PEM
                    ssl.truststore.location: %s
                elasticsearch:
                  hosts: [%s]
                  index: sec-docs-%s
                  dead-letter-index: sec-dead-letters-%s
                  bulk-max-actions: 50
                  bulk-flush-interval: 200ms
                %sdrift:
                  index: sec-drift-%s
                  profile-index: sec-profiles-%s
                  topic: sec-drift-%s
                tasks:
                  embed:
                    kind: embed
                    model: %s
                engine:
                  threads: 2
                  max-batch-delay: 1ms
                checkpointing:
                  interval: 500ms
                """.formatted(kafka.bootstrapServers(), suffix, suffix, suffix, KAFKA_USER, KAFKA_PASSWORD_VARIABLE,
                kafka.certificates().caCertificate(), elasticsearch.httpUrl(), suffix, suffix, elasticsearchAuth,
                suffix, suffix, suffix, TestPipeline.embedder());
        Path file = secrets.resolve("pipeline-" + suffix + ".yaml");
        Files.writeString(file, yaml);
        return file;
    }

    private static List<byte[]> records(String suffix, String... malformed) {
        List<byte[]> records = records(suffix, 0, N);
        for (String bad : malformed) {
            records.add(bad.getBytes(StandardCharsets.UTF_8));
        }
        return records;
    }

    /** Valid records {@code s-<suffix>-from} up to {@code to}, exclusive. */
    private static List<byte[]> records(String suffix, int from, int to) {
        List<byte[]> records = new ArrayList<>();
        for (int i = from; i < to; i++) {
            records.add(("{\"id\":\"s-" + suffix + "-" + i + "\",\"text\":\"secured delivery feedback number " + i
                    + "\"}").getBytes(StandardCharsets.UTF_8));
        }
        return records;
    }

    /** Creates the topic and produces the values as the pipeline's Kafka user. */
    private static void produce(String topic, List<byte[]> values) throws Exception {
        kafka.createTopics(1, topic);
        send(topic, values);
    }

    /** Produces the values to an existing topic as the pipeline's Kafka user. */
    private static void send(String topic, List<byte[]> values) throws Exception {
        Map<String, Object> props = kafkaClient(pipelineKafkaProperties());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (byte[] value : values) {
                producer.send(new ProducerRecord<>(topic, value)).get(30, TimeUnit.SECONDS);
            }
        }
    }

    private static Map<String, String> pipelineKafkaProperties() {
        return kafka.clientProperties(KAFKA_USER, System.getenv(KAFKA_PASSWORD_VARIABLE));
    }

    private static Map<String, Object> kafkaClient(Map<String, String> security) {
        Map<String, Object> props = new HashMap<>(security);
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        return props;
    }

    /** Starts the job with its restart strategy off, so that any failure fails it for good. */
    private static JobClient start(PipelineConfig config) throws Exception {
        org.apache.flink.configuration.Configuration flink =
                CapturingMetricReporter.install(TextIntelligenceJob.flinkConfiguration(config));
        flink.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(config.parallelism(), flink);
        new TextIntelligenceJob(config).addTo(env);
        return env.executeAsync(config.jobName());
    }

    /** Waits until {@code index} holds {@code count} documents, read as the admin; never more. */
    private static void awaitDocuments(String index, int count, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        int seen = 0;
        while (System.nanoTime() < deadline) {
            try {
                seen = documentSources(index).size();
            } catch (org.elasticsearch.client.ResponseException e) {
                seen = 0; // the index is created by the first bulk request
            }
            assertThat(seen).as("documents in %s", index).isLessThanOrEqualTo(count);
            if (seen == count) {
                return;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("expected " + count + " documents in " + index + " within " + timeout + ", saw " + seen);
    }

    /**
     * Waits until the node, asked as the revocable user ({@code _has_privileges}), grants or denies
     * the {@code index} privilege on {@code index}: the moment it has re-read {@code roles.yml}.
     */
    private static void awaitIndexPrivilege(String index, boolean granted, Duration timeout) throws Exception {
        ElasticsearchConnection user = ElasticsearchConnection.of(elasticsearch.httpUrl())
                .withAuth(ElasticsearchConnection.Auth.basic(REVOCABLE_USER, revocablePassword))
                .withTls(ElasticsearchConnection.Tls.caCertificateFile(elasticsearch.certificates().caCertificate()));
        String body = "{\"index\": [{\"names\": [\"" + index + "\"], \"privileges\": [\"index\"]}]}";
        long deadline = System.nanoTime() + timeout.toNanos();
        try (RestClient client = user.createRestClient()) {
            while (true) {
                Request request = new Request("POST", "/_security/user/_has_privileges");
                request.setEntity(new NStringEntity(body, ContentType.APPLICATION_JSON));
                boolean has = new com.fasterxml.jackson.databind.ObjectMapper()
                        .readTree(EntityUtils.toString(client.performRequest(request).getEntity()))
                        .path("has_all_requested").asBoolean();
                if (has == granted) {
                    return;
                }
                assertThat(System.nanoTime()).as("time until the node %s the index privilege on %s",
                        granted ? "grants" : "denies", index).isLessThan(deadline);
                Thread.sleep(100);
            }
        }
    }

    private static ElasticsearchConnection adminConnection() {
        return ElasticsearchConnection.of(elasticsearch.httpUrl())
                .withAuth(ElasticsearchConnection.Auth.basic(elasticsearch.adminUser(), elasticsearch.adminPassword()))
                .withTls(ElasticsearchConnection.Tls.caCertificateFile(elasticsearch.certificates().caCertificate()));
    }

    private static String adminRequest(String method, String path, String json) throws Exception {
        try (RestClient client = adminConnection().createRestClient()) {
            Request request = new Request(method, path);
            if (json != null) {
                request.setEntity(new NStringEntity(json, ContentType.APPLICATION_JSON));
            }
            Response response = client.performRequest(request);
            return EntityUtils.toString(response.getEntity());
        }
    }

    /** Every document's JSON source in {@code index}, by id, read as the admin. */
    private static Map<String, String> documentSources(String index) throws Exception {
        adminRequest("POST", "/" + index + "/_refresh", null);
        var hits = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(adminRequest("GET", "/" + index + "/_search?size=1000", null)).path("hits").path("hits");
        Map<String, String> sources = new HashMap<>();
        hits.forEach(hit -> sources.put(hit.path("_id").asText(), hit.path("_source").toString()));
        return sources;
    }

    private static String randomSecret() {
        byte[] random = new byte[15];
        new SecureRandom().nextBytes(random);
        return "s3cr3t-" + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    }

    /**
     * Everything logged at INFO and above (Kafka client configurations, Flink, textintel) while open,
     * into a writer, besides the console.
     */
    private static final class LogCapture implements AutoCloseable {
        private static final List<String> LOGGERS = List.of("org.apache.kafka", "org.apache.flink", "co.elastic.clients",
                "org.elasticsearch", "org.apache.http", "io.textintel");

        private final LoggerContext context;
        private final WriterAppender appender;
        private final Map<String, Level> levels = new HashMap<>();

        private LogCapture(LoggerContext context, WriterAppender appender) {
            this.context = context;
            this.appender = appender;
        }

        static LogCapture start(StringWriter writer) {
            LoggerContext context = (LoggerContext) LogManager.getContext(false);
            Configuration configuration = context.getConfiguration();
            WriterAppender appender = WriterAppender.newBuilder()
                    .setName("secret-capture")
                    .setTarget(writer)
                    .setLayout(PatternLayout.newBuilder().withPattern("%p %c - %m%n%ex").build())
                    .build();
            appender.start();
            LogCapture capture = new LogCapture(context, appender);
            for (String name : LOGGERS) {
                LoggerConfig logger = configuration.getLoggerConfig(name);
                capture.levels.put(name, logger.getLevel());
                logger.setLevel(Level.INFO);
            }
            // On the root only: these loggers are additive, so their events reach it, each once.
            configuration.getRootLogger().addAppender(appender, Level.INFO, null);
            context.updateLoggers();
            return capture;
        }

        @Override
        public void close() {
            Configuration configuration = context.getConfiguration();
            for (String name : LOGGERS) {
                configuration.getLoggerConfig(name).setLevel(levels.get(name));
            }
            configuration.getRootLogger().removeAppender(appender.getName());
            context.updateLoggers();
            appender.stop();
        }
    }
}
