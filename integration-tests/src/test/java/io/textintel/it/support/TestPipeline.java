package io.textintel.it.support;

import static org.assertj.core.api.Assertions.assertThat;

import io.textintel.connectors.elasticsearch.ElasticsearchConnection;
import io.textintel.jobs.PipelineSetup;
import io.textintel.jobs.TextIntelligenceJob;
import io.textintel.jobs.config.PipelineConfig;
import io.textintel.jobs.config.PipelineConfigLoader;
import io.textintel.serving.config.EngineConfig;
import io.textintel.serving.engine.EncoderEngine;
import io.textintel.serving.tokenizer.TextTokenizer;
import io.textintel.serving.tools.TinyBertSpec;
import io.textintel.serving.tools.TinyModelGenerator;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;




import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * What the end-to-end tests share: generated models, a pipeline configuration pointing at the
 * {@link TestServices}, and helpers to produce to Kafka and read Elasticsearch back.
 */
public final class TestPipeline {

    /** The tagger's labels. */
    public static final List<String> LABELS = List.of("billing", "delivery", "app_crash", "praise", "refund");

    /** The models' hidden size, which is the embedding's dimension. */
    public static final int HIDDEN = 32;

    private static Path embedder;
    private static Path tagger;

    private TestPipeline() {}

    /** The generated embedder (sentence-transformers layout, mean pooling), made once per JVM. */
    public static synchronized Path embedder() {
        generateModels();
        return embedder;
    }

    /** The generated sequence classifier with {@link #LABELS}, made once per JVM. */
    public static synchronized Path tagger() {
        generateModels();
        return tagger;
    }

    private static void generateModels() {
        if (embedder != null) {
            return;
        }
        try {
            Path dir = Files.createTempDirectory("textintel-it-models");
            TinyBertSpec spec = TinyBertSpec.small().withSizes(HIDDEN, 2, 4, 64).withMaxPositions(256);
            embedder = TinyModelGenerator.writeBertEmbedder(dir.resolve("embedder"), spec);
            tagger = TinyModelGenerator.writeBertClassifier(dir.resolve("tagger"), spec.withSeed(7), LABELS);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot generate the test models", e);
        }
    }

    /** A lower-case suffix that keeps one test's topics and indices apart from another's. */
    public static String uniqueSuffix() {
        return UUID.randomUUID().toString().substring(0, 8).toLowerCase(Locale.ROOT);
    }

    /** The YAML every test pipeline starts from; {@link #overrides} points it at the test services. */
    public static final String BASE_YAML = """
            job-name: it-pipeline
            parallelism: 2
            kafka:
              starting-offsets: earliest
              bounded: true
            elasticsearch:
              bulk-max-actions: 50
              bulk-flush-interval: 200ms
            tasks:
              embed:
                kind: embed
              tag:
                kind: tag
                top-k: 3
            engine:
              threads: 2
              max-batch-delay: 1ms
            checkpointing:
              interval: 500ms
            """;

    /**
     * A pipeline reading {@code inputTopic} (bounded) with both tasks, writing to {@code index} and
     * {@code deadLetterTopic}.
     */
    public static PipelineConfig config(String inputTopic, String format, String deadLetterTopic, String index,
            String... overrides) {
        List<String> all = new ArrayList<>(overrides(inputTopic, format, deadLetterTopic, index));
        all.addAll(List.of(overrides));
        return PipelineConfigLoader.parse(BASE_YAML, "it-pipeline", all);
    }

    /**
     * The {@code --set} overrides of {@link #BASE_YAML} for the test services, the generated models, a
     * new consumer group and the given topics and index.
     */
    public static List<String> overrides(String inputTopic, String format, String deadLetterTopic, String index) {
        return List.of(
                "kafka.bootstrap-servers=" + TestServices.kafkaBootstrapServers(),
                "kafka.topics=[" + inputTopic + "]",
                "kafka.group-id=it-" + uniqueSuffix(),
                // Transactional ids of their own, so that jobs of different tests never fence each other.
                "kafka.transactional-id-prefix=it-" + uniqueSuffix(),
                "kafka.input-format=" + format,
                "kafka.dead-letter-topic=" + deadLetterTopic,
                "elasticsearch.hosts=[" + TestServices.elasticsearchUrl() + "]",
                "elasticsearch.index=" + index,
                "tasks.embed.model=" + embedder(),
                "tasks.tag.model=" + tagger());
    }

    /** Sets up topics and templates, then runs a bounded pipeline to its end in a local MiniCluster. */
    public static void runToEnd(PipelineConfig config) throws Exception {
        PipelineSetup.prepare(config);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(
                config.parallelism(), TextIntelligenceJob.flinkConfiguration(config));
        new TextIntelligenceJob(config).addTo(env);
        env.execute(config.jobName());
    }

    /** Produces each value to {@code topic} (no key) and waits for the broker's acknowledgement. */
    public static void produce(String topic, List<byte[]> values) {
        produce(TestServices.kafkaBootstrapServers(), topic, values);
    }

    /** Produces each value to {@code topic} of the given brokers and waits for their acknowledgement. */
    public static void produce(String bootstrapServers, String topic, List<byte[]> values) {
        Map<String, Object> props = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (byte[] value : values) {
                producer.send(new ProducerRecord<>(topic, value));
            }
            producer.flush();
        }
    }

    /**
     * Produces value {@code i} to partition {@code i % partitions} of {@code topic} (no key), so that every
     * partition carries the records' order, and waits for the broker's acknowledgement.
     */
    public static void produceRoundRobin(String topic, int partitions, List<byte[]> values) {
        Map<String, Object> props = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestServices.kafkaBootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < values.size(); i++) {
                producer.send(new ProducerRecord<>(topic, i % partitions, null, values.get(i)));
            }
            producer.flush();
        }
    }

    /** A client of the test Elasticsearch; the caller closes it. */
    public static ElasticsearchClient elasticsearch() {
        return ElasticsearchConnection.of(TestServices.elasticsearchUrl()).createClient();
    }

    /** Every document of {@code index} by id, after a refresh. */
    public static Map<String, Map<String, Object>> documents(String index) throws IOException {
        return documents(TestServices.elasticsearchUrl(), index);
    }

    /**
     * Every document of {@code index} on the node at {@code elasticsearchUrl} by id, after a refresh,
     * embeddings included: Elasticsearch 9 leaves {@code dense_vector} fields out of {@code _source}
     * unless the search asks for them with {@code exclude_vectors: false}, a key 8.x does not know.
     */
    @SuppressWarnings("unchecked")
    public static Map<String, Map<String, Object>> documents(String elasticsearchUrl, String index) throws IOException {
        try {
            HttpClient http = HttpClient.newHttpClient();
            send(http, HttpRequest.newBuilder(URI.create(elasticsearchUrl + "/" + index + "/_refresh"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build());
            String version = send(http, HttpRequest.newBuilder(URI.create(elasticsearchUrl + "/_cat/nodes?h=version"))
                    .GET().build()).strip();
            String body = Integer.parseInt(version.split("\\.")[0]) >= 9
                    ? "{\"size\": 10000, \"_source\": {\"exclude_vectors\": false}}" : "{\"size\": 10000}";
            String answer = send(http, HttpRequest.newBuilder(URI.create(elasticsearchUrl + "/" + index + "/_search"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build());
            Map<String, Map<String, Object>> byId = new LinkedHashMap<>();
            for (JsonNode hit : SEARCH_JSON.readTree(answer).at("/hits/hits")) {
                byId.put(hit.get("_id").asText(), SEARCH_JSON.convertValue(hit.get("_source"), Map.class));
            }
            return byId;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while reading " + index, e);
        }
    }

    private static final ObjectMapper SEARCH_JSON = new ObjectMapper();

    private static String send(HttpClient http, HttpRequest request) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException(request.method() + " " + request.uri() + " answered " + response.statusCode()
                    + ": " + response.body());
        }
        return response.body();
    }

    /**
     * Waits until {@code index} holds at least {@code atLeast} documents, and returns how many it held
     * then; fails after {@code timeout}. The index may not exist yet: its first bulk request creates it.
     */
    public static int awaitDocuments(String index, int atLeast, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        int seen = 0;
        while (System.nanoTime() < deadline) {
            try {
                seen = documents(index).size();
            } catch (IOException e) {
                seen = 0; // no such index yet (404), or the node is away
            }
            if (seen >= atLeast) {
                return seen;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("expected " + atLeast + " documents in " + index + " within " + timeout
                + ", saw " + seen);
    }

    /**
     * Waits until {@code job} is RUNNING again after a failure; it must never reach a terminal state
     * on the way.
     */
    public static void awaitRunning(JobClient job, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Thread.sleep(200); // a lost TaskManager is noticed asynchronously
        JobStatus status = job.getJobStatus().get();
        while (status != JobStatus.RUNNING && System.nanoTime() < deadline) {
            assertThat(status.isGloballyTerminalState()).as("job status %s", status).isFalse();
            Thread.sleep(100);
            status = job.getJobStatus().get();
        }
        assertThat(status).as("job status after recovery").isEqualTo(JobStatus.RUNNING);
    }

    /** The embedding the pipeline's embedder gives {@code text}, computed here in the test JVM. */
    public static float[] embed(String text) throws Exception {
        try (TextTokenizer tokenizer = TextTokenizer.load(embedder(), Integer.MAX_VALUE);
                EncoderEngine engine = EncoderEngine.open(embedder(), EngineConfig.defaults())) {
            return engine.embed(tokenizer.encode(text).ids()).get();
        }
    }
}
