package io.textintel.sql.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.textintel.operators.inference.EngineSettings;
import io.textintel.operators.inference.GenerativeSettings;
import io.textintel.operators.inference.ModelRepository;
import io.textintel.operators.inference.ModelTask;
import io.textintel.operators.inference.TaskKind;
import io.textintel.operators.inference.TaskPredictor;
import io.textintel.schemas.TopicTag;
import io.textintel.serving.tools.TinyBertSpec;
import io.textintel.serving.tools.TinyDecoderSpec;
import io.textintel.serving.tools.TinyModelGenerator;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * {@code ML_PREDICT} on textintel models in a local MiniCluster (parallelism 2): two models chained
 * (embed, then tag; and a decoder's summaries, then its generative tags), every row's prediction
 * compared with the same task run directly in the test JVM, a NULL text given a NULL prediction.
 */
class ModelPredictITCase {

    private static final List<String> LABELS = List.of("billing", "delivery", "app_crash", "praise", "refund");
    private static final int ROWS = 40;

    /** The job and the test share the JVM's engine, but rows are batched differently: summation order may differ. */
    private static final float TOLERANCE = 1e-5f;

    private static final EngineSettings ENGINE = new EngineSettings("cpu", 1, null, null, Duration.ofMillis(2), null);

    @TempDir
    static Path models;

    private static Path embedder;
    private static Path tagger;

    @BeforeAll
    static void generateModels() throws Exception {
        embedder = TinyModelGenerator.writeBertEmbedder(models.resolve("embedder"), TinyBertSpec.small());
        tagger = TinyModelGenerator.writeBertClassifier(models.resolve("tagger"), TinyBertSpec.small().withSeed(7),
                LABELS);
    }

    private static String text(int i) {
        return "message " + i + (i % 2 == 0 ? " about a parcel that arrived late" : " about a double charge");
    }

    @Test
    void everyRowGetsThePredictionOfItsText() throws Exception {
        Configuration flink = new Configuration();
        flink.set(CoreOptions.DEFAULT_PARALLELISM, 2);
        TableEnvironment tables = TableEnvironment.create(
                EnvironmentSettings.newInstance().inStreamingMode().withConfiguration(flink).build());
        String values = IntStream.range(0, ROWS).mapToObj(i -> "('r" + i + "', '" + text(i) + "')")
                .collect(Collectors.joining(", "));
        tables.executeSql("CREATE TEMPORARY VIEW feedback AS SELECT * FROM (VALUES " + values
                + ", ('no-text', CAST(NULL AS STRING))) AS t(id, text)");
        String engine = ", 'engine.backend' = 'cpu', 'engine.threads' = '1', 'engine.max-batch-delay' = '2 ms')";
        tables.executeSql("CREATE MODEL embedder INPUT (text STRING) OUTPUT (embedding ARRAY<FLOAT>) WITH ("
                + "'provider' = 'textintel', 'task' = 'embed', 'model' = '" + embedder + "'" + engine);
        tables.executeSql("CREATE MODEL tagger INPUT (text STRING) OUTPUT (tags ARRAY<ROW<label STRING, score FLOAT>>)"
                + " WITH ('provider' = 'textintel', 'task' = 'tag', 'top-k' = '2', 'model' = '" + tagger + "'" + engine);
        tables.executeSql("CREATE TEMPORARY VIEW embedded AS"
                + " SELECT * FROM ML_PREDICT(TABLE feedback, MODEL embedder, DESCRIPTOR(text))");

        Map<String, Row> rows = new HashMap<>();
        try (CloseableIterator<Row> result = tables.executeSql("SELECT id, embedding, tags"
                + " FROM ML_PREDICT(TABLE embedded, MODEL tagger, DESCRIPTOR(text))").collect()) {
            result.forEachRemaining(row -> rows.put((String) row.getField("id"), row));
        }

        assertThat(rows).hasSize(ROWS + 1);
        assertThat(rows.get("no-text").getField("embedding")).isNull();
        assertThat(rows.get("no-text").getField("tags")).isNull();
        try (TaskPredictor embed = TaskPredictor.open(ModelTask.embed("embedder", embedder.toString(), null),
                        ModelRepository.defaults(), ENGINE);
                TaskPredictor tag = TaskPredictor.open(ModelTask.tag("tagger", tagger.toString(), null, 2, 0f),
                        ModelRepository.defaults(), ENGINE)) {
            for (int i = 0; i < ROWS; i++) {
                Row row = rows.get("r" + i);
                float[] expected = embed.predict(text(i)).get(60, TimeUnit.SECONDS).embedding();
                Float[] embedding = (Float[]) row.getField("embedding");
                assertThat(embedding).as("embedding of row %d", i).hasSize(expected.length);
                for (int d = 0; d < expected.length; d++) {
                    assertThat(embedding[d]).isCloseTo(expected[d], within(TOLERANCE));
                }
                List<TopicTag> topics = tag.predict(text(i)).get(60, TimeUnit.SECONDS).topics();
                Row[] tags = (Row[]) row.getField("tags");
                List<String> labels = new ArrayList<>();
                for (int t = 0; t < tags.length; t++) {
                    labels.add((String) tags[t].getField("label"));
                    assertThat((Float) tags[t].getField("score")).isCloseTo(topics.get(t).getScore(), within(TOLERANCE));
                }
                assertThat(labels).as("tags of row %d, highest score first", i)
                        .containsExactlyElementsOf(topics.stream().map(topic -> topic.getLabel().toString()).toList());
            }
        }
    }

    /**
     * The decoder tasks through {@code ML_PREDICT}: generative summaries chained with generative
     * tags on one instruction checkpoint; every row's summary is the task's greedy summary of its
     * text and its tags the task's labels and scores, as run directly.
     */
    @Test
    void everyRowGetsTheSummaryAndGenerativeTagsOfItsText() throws Exception {
        Path decoder = TinyModelGenerator.writeDecoder(models.resolve("decoder"), TinyDecoderSpec.llama());
        int rows = 12;
        Configuration flink = new Configuration();
        flink.set(CoreOptions.DEFAULT_PARALLELISM, 2);
        TableEnvironment tables = TableEnvironment.create(
                EnvironmentSettings.newInstance().inStreamingMode().withConfiguration(flink).build());
        String values = IntStream.range(0, rows).mapToObj(i -> "('r" + i + "', '" + text(i) + "')")
                .collect(Collectors.joining(", "));
        tables.executeSql("CREATE TEMPORARY VIEW feedback AS SELECT * FROM (VALUES " + values + ") AS t(id, text)");
        String engine = ", 'engine.backend' = 'cpu', 'engine.threads' = '1')";
        tables.executeSql("CREATE MODEL summarizer INPUT (text STRING) OUTPUT (summary STRING) WITH ("
                + "'provider' = 'textintel', 'task' = 'summarize', 'max-summary-tokens' = '8', 'model' = '" + decoder
                + "'" + engine);
        tables.executeSql("CREATE MODEL topics INPUT (text STRING) OUTPUT (tags ARRAY<ROW<label STRING, score FLOAT>>)"
                + " WITH ('provider' = 'textintel', 'task' = 'tag', 'mode' = 'generative', 'top-k' = '2',"
                + " 'labels' = '" + String.join(";", LABELS) + "', 'model' = '" + decoder + "'" + engine);
        tables.executeSql("CREATE TEMPORARY VIEW summarized AS"
                + " SELECT * FROM ML_PREDICT(TABLE feedback, MODEL summarizer, DESCRIPTOR(text))");

        Map<String, Row> results = new HashMap<>();
        try (CloseableIterator<Row> result = tables.executeSql("SELECT id, summary, tags"
                + " FROM ML_PREDICT(TABLE summarized, MODEL topics, DESCRIPTOR(text))").collect()) {
            result.forEachRemaining(row -> results.put((String) row.getField("id"), row));
        }

        assertThat(results).hasSize(rows);
        assertThat(results.values()).as("summaries with text, not empty answers compared")
                .anySatisfy(row -> assertThat((String) row.getField("summary")).isNotBlank());
        assertThat(results.values()).allSatisfy(row -> assertThat((Row[]) row.getField("tags")).hasSize(2));
        EngineSettings cpu = new EngineSettings("cpu", 1, null, null, null, null);
        try (TaskPredictor summarize = TaskPredictor.open(new ModelTask("summarizer", TaskKind.SUMMARIZE,
                        decoder.toString(), null, 0, 1, 0f, GenerativeSettings.summary(8)), ModelRepository.defaults(),
                        cpu);
                TaskPredictor tag = TaskPredictor.open(new ModelTask("topics", TaskKind.GENERATIVE_TAG,
                        decoder.toString(), null, 0, 2, 0f, GenerativeSettings.tagging(LABELS, false)),
                        ModelRepository.defaults(), cpu)) {
            for (int i = 0; i < rows; i++) {
                Row row = results.get("r" + i);
                assertThat((String) row.getField("summary")).as("summary of row %d", i)
                        .isEqualTo(summarize.predict(text(i)).get(60, TimeUnit.SECONDS).summary());
                List<TopicTag> topics = tag.predict(text(i)).get(60, TimeUnit.SECONDS).topics();
                Row[] tags = (Row[]) row.getField("tags");
                assertThat(tags).as("generative tags of row %d", i).hasSize(topics.size());
                for (int t = 0; t < tags.length; t++) {
                    assertThat((String) tags[t].getField("label")).isEqualTo(topics.get(t).getLabel().toString());
                    assertThat((Float) tags[t].getField("score")).isCloseTo(topics.get(t).getScore(), within(TOLERANCE));
                }
            }
        }
    }
}
