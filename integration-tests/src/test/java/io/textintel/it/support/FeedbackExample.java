package io.textintel.it.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.textintel.operators.inference.EngineSettings;
import io.textintel.operators.inference.ModelRepository;
import io.textintel.operators.inference.ModelTask;
import io.textintel.operators.inference.TaskKind;
import io.textintel.operators.inference.TaskPredictor;
import io.textintel.operators.inference.ZeroShotSettings;
import io.textintel.schemas.TopicTag;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

/**
 * The example SQL script ({@code sql/examples/feedback.sql}) on topics and an index of one test's own:
 * the feedback records on Kafka, the script rewritten for them, and the check of what it indexed.
 *
 * <p>The script is the repository's, but for its endpoints, names and model: the generated test
 * embedder ({@value TestPipeline#HIDDEN} dimensions) stands for MiniLM, both models run on the CPU
 * with one thread, and (unless asked otherwise) the Kafka source is bounded at the latest offset so
 * that the job ends. Every record must be indexed under its id with the embedding and tags its text
 * gets from the same tasks run directly in the test JVM, and the index must map the embedding as a
 * dense_vector.
 */
public final class FeedbackExample {

    private static final Path SCRIPT = Path.of("..", "sql", "examples", "feedback.sql");
    private static final int RECORDS = 12;
    private static final List<String> LABELS = List.of("billing", "delivery", "app_crash", "praise", "refund");

    /** The job and the test run the same model and text, batched differently: summation order may differ. */
    private static final float TOLERANCE = 1e-5f;

    private final String suffix;
    private final String topic;
    private final String rejected;
    private final String index;

    private FeedbackExample(String suffix) {
        this.suffix = suffix;
        this.topic = "sql-feedback-" + suffix;
        this.rejected = "sql-rejected-" + suffix;
        this.index = "sql-feedback-" + suffix;
    }

    private static String text(int i) {
        return switch (i % 3) {
            case 0 -> "feedback " + i + ": the parcel arrived late and the box was damaged";
            case 1 -> "feedback " + i + ": I was charged twice for my subscription, please refund";
            default -> "feedback " + i + ": the app crashes when I open the search page";
        };
    }

    /**
     * Creates the input topic (2 partitions) and the dead-letter topic, and produces the feedback
     * records and one unparseable value to the input topic.
     */
    public static FeedbackExample produce() {
        FeedbackExample example = new FeedbackExample(TestPipeline.uniqueSuffix());
        TestServices.createTopics(2, example.topic, example.rejected);
        List<byte[]> values = new ArrayList<>();
        for (int i = 0; i < RECORDS; i++) {
            values.add(("{\"id\": \"fb-" + i + "\", \"text\": \"" + text(i) + "\", \"source\": \"app\"}")
                    .getBytes(StandardCharsets.UTF_8));
        }
        values.add("{not json".getBytes(StandardCharsets.UTF_8));
        TestPipeline.produceRoundRobin(example.topic, 2, values);
        return example;
    }

    /** The index the script writes to. */
    public String index() {
        return index;
    }

    /** The number of feedback records, each of which must become a document. */
    public int records() {
        return RECORDS;
    }

    /** The example script on this example's topics, index, services and the test embedder, bounded. */
    public String script() throws Exception {
        return replace(unboundedScript(), "'scan.startup.mode' = 'earliest-offset'",
                "'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset'");
    }

    /** {@link #script()} with the Kafka source unbounded, as in the repository: the job runs until cancelled. */
    public String unboundedScript() throws Exception {
        String script = Files.readString(SCRIPT);
        String embedder = TestPipeline.embedder().toString();
        String cpu = "'engine.backend' = 'cpu', 'engine.threads' = '1'";
        script = replace(script, "'topic' = 'feedback'", "'topic' = '" + topic + "'");
        script = replace(script, "'localhost:9092'", "'" + TestServices.kafkaBootstrapServers() + "'");
        script = replace(script, "'http://localhost:9200'", "'" + TestServices.elasticsearchUrl() + "'");
        script = replace(script, "'index' = 'feedback-sql'", "'index' = '" + index + "'");
        script = replace(script, "'feedback-sql-rejected'", "'" + rejected + "'");
        script = replace(script, "'textintel-sql'", "'textintel-sql-" + suffix + "'");
        script = replace(script, "'maven:all-minilm-l6-v2'", "'" + embedder + "'");
        script = replace(script, "'dense-vector.dims' = '384'", "'dense-vector.dims' = '" + TestPipeline.HIDDEN + "'");
        script = replace(script, "'top-k' = '2'", "'top-k' = '2', " + cpu);
        return replace(script, "'model' = '" + embedder + "'\n  );", "'model' = '" + embedder + "', " + cpu + "\n  );");
    }

    /** Checks the index: every record once with its text, source, embedding and tags; the mapping. */
    public void verify() throws Exception {
        Map<String, Map<String, Object>> documents = TestPipeline.documents(index);
        assertThat(documents.keySet()).as("one document per record, under its id; the unparseable one left out")
                .containsExactlyInAnyOrderElementsOf(IntStream.range(0, RECORDS).mapToObj(i -> "fb-" + i).toList());
        EngineSettings engine = new EngineSettings("cpu", 1, null, null, null, null);
        ModelTask embedTask = ModelTask.embed("feedback_embedder", TestPipeline.embedder().toString(), null);
        ModelTask tagTask = new ModelTask("feedback_tagger", TaskKind.ZERO_SHOT_TAG, TestPipeline.embedder().toString(),
                null, 0, 2, 0f, ZeroShotSettings.ofLabels(LABELS));
        try (TaskPredictor embedder = TaskPredictor.open(embedTask, ModelRepository.defaults(), engine);
                TaskPredictor tagger = TaskPredictor.open(tagTask, ModelRepository.defaults(), engine)) {
            for (int i = 0; i < RECORDS; i++) {
                Map<String, Object> document = documents.get("fb-" + i);
                assertThat(document).containsEntry("text", text(i)).containsEntry("source", "app");
                float[] expected = embedder.predict(text(i)).get(60, TimeUnit.SECONDS).embedding();
                @SuppressWarnings("unchecked")
                List<Number> embedding = (List<Number>) document.get("embedding");
                assertThat(embedding).as("embedding of fb-%d", i).hasSize(expected.length);
                for (int d = 0; d < expected.length; d++) {
                    assertThat(embedding.get(d).floatValue()).isCloseTo(expected[d], within(TOLERANCE));
                }
                List<TopicTag> topics = tagger.predict(text(i)).get(60, TimeUnit.SECONDS).topics();
                @SuppressWarnings("unchecked")
                List<Map<String, Object>> tags = (List<Map<String, Object>>) document.get("tags");
                assertThat(tags).as("tags of fb-%d, highest score first", i).hasSize(topics.size());
                for (int t = 0; t < tags.size(); t++) {
                    assertThat(tags.get(t).get("label")).isEqualTo(topics.get(t).getLabel().toString());
                    assertThat(((Number) tags.get(t).get("score")).floatValue())
                            .isCloseTo(topics.get(t).getScore(), within(TOLERANCE));
                }
            }
        }
        JsonNode mapping = mapping().at("/" + index + "/mappings/properties/embedding");
        assertThat(mapping.path("type").asText()).isEqualTo("dense_vector");
        assertThat(mapping.path("dims").asInt()).isEqualTo(TestPipeline.HIDDEN);
    }

    /** {@code script} with {@code literal} replaced, which must be there: a changed example fails here, visibly. */
    private static String replace(String script, String literal, String replacement) {
        assertThat(script).as("the example script").contains(literal);
        return script.replace(literal, replacement);
    }

    private JsonNode mapping() throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(TestServices.elasticsearchUrl() + "/" + index + "/_mapping")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("GET %s/_mapping: %s", index, response.body()).isEqualTo(200);
        return new ObjectMapper().readTree(response.body());
    }
}
