package io.textintel.sql.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.ExplainDetail;
import org.apache.flink.table.api.TableEnvironment;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Every option of a textintel model is checked when the model is planned, and each problem says
 * which model and option it is about and what was expected. Planning opens no model, so the model
 * directory need not exist.
 */
class ModelOptionsTest {

    private static final String EMBED = "'task' = 'embed', 'model' = '/nowhere/m'";
    private static final String TAG = "'task' = 'tag', 'model' = '/nowhere/m'";
    private static final String ZERO_SHOT = "'task' = 'tag', 'mode' = 'zero-shot', 'model' = '/nowhere/m'";
    private static final String SUMMARIZE = "'task' = 'summarize', 'model' = '/nowhere/m'";
    private static final String EXTRACTIVE = "'task' = 'summarize', 'mode' = 'extractive', 'model' = '/nowhere/m'";

    private static final String EMBEDDING = "embedding ARRAY<FLOAT>";
    private static final String TAGS = "tags ARRAY<ROW<label STRING, score FLOAT>>";
    private static final String SUMMARY = "summary STRING";

    @TempDir
    Path dir;

    private TableEnvironment tables;

    @BeforeEach
    void createInput() {
        tables = TableEnvironment.create(EnvironmentSettings.inStreamingMode());
        tables.executeSql("CREATE TEMPORARY VIEW feedback AS SELECT * FROM (VALUES ('a', 'late parcel'))"
                + " AS t(id, text)");
    }

    static Stream<Arguments> badOptions() {
        return Stream.of(
                Arguments.of(EMBEDDING, "'model' = '/nowhere/m'", "Missing required options are:\n\ntask"),
                Arguments.of(EMBEDDING, "'task' = 'embed'", "Missing required options are:\n\nmodel"),
                Arguments.of(EMBEDDING, "'task' = 'classify', 'model' = '/m'",
                        "model 'm': option 'task': task kind 'classify' is not known, expected one of: embed, tag,"
                                + " summarize"),
                Arguments.of(TAGS, TAG + ", 'mode' = 'semantic'",
                        "model 'm': option 'mode': tag mode 'semantic' is not known"),
                Arguments.of(EMBEDDING, EMBED + ", 'mode' = 'zero-shot'",
                        "model 'm': option 'mode': mode 'zero-shot' is set for task kind 'embed'"),
                Arguments.of(EMBEDDING, "'task' = 'embed', 'model' = ' '",
                        "model 'm': option 'model' is missing, expected a Hugging Face model id"),
                Arguments.of(EMBEDDING, EMBED + ", 'max-length' = '1'",
                        "model 'm': option 'max-length' is 1, expected 0 (the model's limit) or at least 2"),
                Arguments.of(EMBEDDING, EMBED + ", 'max-length' = 'long'",
                        "Could not parse value 'long' for key 'max-length'"),
                Arguments.of(SUMMARY, SUMMARIZE + ", 'prefix' = 'query: '",
                        "model 'm': option 'prefix' is set for task 'summarize', expected it only for embed"),
                Arguments.of(TAGS, TAG + ", 'top-k' = '0'", "model 'm': option 'top-k' is 0, expected 1 or more"),
                Arguments.of(TAGS, TAG + ", 'min-score' = '1.5'",
                        "model 'm': option 'min-score' is 1.5, expected a score in [0, 1]"),
                Arguments.of(TAGS, ZERO_SHOT, "model 'm': option 'labels' is missing, expected the labels"),
                Arguments.of(TAGS, ZERO_SHOT + ", 'labels' = 'billing;billing'",
                        "model 'm': option 'labels': labels contain 'billing' twice, expected distinct labels"),
                Arguments.of(EMBEDDING, EMBED + ", 'labels' = 'a;b'",
                        "model 'm': option 'labels' is set for task 'embed', expected it only for tag zero-shot,"
                                + " tag few-shot, tag generative"),
                Arguments.of(EMBEDDING, EMBED + ", 'multi-label' = 'true'",
                        "model 'm': option 'multi-label' is set for task 'embed'"),
                Arguments.of(TAGS, ZERO_SHOT + ", 'labels' = 'a;b', 'multi-label' = 'perhaps'",
                        "Could not parse value 'perhaps' for key 'multi-label'"),
                Arguments.of(TAGS, "'task' = 'tag', 'mode' = 'few-shot', 'model' = '/nowhere/m'",
                        "model 'm': option 'examples' is missing, expected a labelled example file"),
                Arguments.of(TAGS, "'task' = 'tag', 'mode' = 'few-shot', 'model' = '/nowhere/m',"
                                + " 'examples' = '/nowhere/examples.jsonl'",
                        "model 'm': option 'examples' names /nowhere/examples.jsonl, which does not exist"),
                Arguments.of(TAGS, TAG + ", 'examples' = '/nowhere/examples.jsonl'",
                        "model 'm': option 'examples' is set for task 'tag', expected it only for tag few-shot"),
                Arguments.of(TAGS, ZERO_SHOT + ", 'labels' = 'a;b', 'temperature' = '0'",
                        "model 'm': option 'temperature': temperature is 0.0, expected a number > 0"),
                Arguments.of(SUMMARY, SUMMARIZE + ", 'max-summary-tokens' = '0'",
                        "model 'm': option 'max-summary-tokens' is 0, expected 1 or more"),
                Arguments.of(SUMMARY, EXTRACTIVE + ", 'max-sentences' = '0'",
                        "model 'm': option 'max-sentences' is 0, expected 1 or more"),
                Arguments.of(SUMMARY, SUMMARIZE + ", 'max-sentences' = '2'",
                        "model 'm': option 'max-sentences' is set for task 'summarize', expected it only for"
                                + " summarize extractive"),
                Arguments.of(EMBEDDING, EMBED + ", 'hub.offline' = 'sometimes'",
                        "Could not parse value 'sometimes' for key 'hub.offline'"),
                Arguments.of(EMBEDDING, EMBED + ", 'engine.backend' = 'tpu'",
                        "model 'm': option 'engine.backend' is 'tpu', expected one of auto, cuda, cpu, cpu-reference"),
                Arguments.of(EMBEDDING, EMBED + ", 'engine.threads' = '0'",
                        "model 'm': option 'engine.threads' is 0, expected 1 or more"),
                Arguments.of(EMBEDDING, EMBED + ", 'engine.max-batch-size' = '0'",
                        "model 'm': option 'engine.max-batch-size' is 0, expected 1 or more"),
                Arguments.of(EMBEDDING, EMBED + ", 'engine.max-batch-tokens' = '0'",
                        "model 'm': option 'engine.max-batch-tokens' is 0, expected 1 or more"),
                Arguments.of(EMBEDDING, EMBED + ", 'engine.max-batch-delay' = 'soon'",
                        "Could not parse value 'soon' for key 'engine.max-batch-delay'"),
                Arguments.of(EMBEDDING, EMBED + ", 'engine.max-queued-requests' = '0'",
                        "model 'm': option 'engine.max-queued-requests' is 0, expected 1 or more"),
                Arguments.of(SUMMARY, SUMMARIZE + ", 'engine.kv-cache-blocks' = '0'",
                        "model 'm': option 'engine.kv-cache-blocks' is 0, expected 1 or more"),
                Arguments.of(SUMMARY, SUMMARIZE + ", 'engine.kv-block-size' = '0'",
                        "model 'm': option 'engine.kv-block-size' is 0, expected 1 or more"),
                Arguments.of(EMBEDDING, EMBED + ", 'engine.gpu-index' = '-1'",
                        "model 'm': option 'engine.gpu-index' is -1, expected a device number, 0 or more"),
                Arguments.of(EMBEDDING, EMBED + ", 'engine.weights' = 'fp8'",
                        "model 'm': option 'engine.weights' is 'fp8', expected one of f32, bf16, int8"),
                Arguments.of(EMBEDDING, EMBED + ", 'timeout' = '0 s'",
                        "model 'm': option 'timeout' is PT0S, expected a positive duration"),
                Arguments.of(EMBEDDING, EMBED + ", 'retries' = '-1'",
                        "model 'm': option 'retries' is -1, expected 0 or more"),
                Arguments.of(EMBEDDING, EMBED + ", 'retry-delay' = 'later'",
                        "Could not parse value 'later' for key 'retry-delay'"),
                Arguments.of(EMBEDDING, EMBED + ", 'top_k' = '2'", "Unsupported options:\n\ntop_k"),
                // the declared OUTPUT against the task
                Arguments.of("embedding ARRAY<DOUBLE>", EMBED,
                        "model 'm': OUTPUT is (embedding ARRAY<DOUBLE>), expected one column of type ARRAY<FLOAT>"
                                + " for task 'embed'"),
                Arguments.of("tags ARRAY<STRING>", TAG,
                        "model 'm': OUTPUT is (tags ARRAY<STRING>), expected one column of type"
                                + " ARRAY<ROW<label STRING, score FLOAT>> for task 'tag'"),
                Arguments.of("tags ARRAY<ROW<name STRING, score FLOAT>>", TAG,
                        "expected one column of type ARRAY<ROW<label STRING, score FLOAT>> for task 'tag'"),
                Arguments.of("summary ARRAY<FLOAT>", SUMMARIZE,
                        "model 'm': OUTPUT is (summary ARRAY<FLOAT>), expected one column of type STRING for task"
                                + " 'summarize'"),
                Arguments.of(EMBEDDING + ", extra STRING", EMBED,
                        "model 'm': OUTPUT is (embedding ARRAY<FLOAT>, extra STRING), expected one column"));
    }

    @ParameterizedTest
    @MethodSource("badOptions")
    void aBadOptionIsRefusedWithAMessageNamingIt(String output, String options, String message) {
        tables.executeSql("CREATE MODEL m INPUT (text STRING) OUTPUT (" + output + ") WITH ('provider' = 'textintel', "
                + options + ")");
        assertThatThrownBy(this::plan).hasStackTraceContaining(message);
    }

    @Test
    void anInputOtherThanOneStringColumnIsRefused() {
        tables.executeSql("CREATE MODEL m INPUT (text STRING, lang STRING) OUTPUT (" + EMBEDDING
                + ") WITH ('provider' = 'textintel', " + EMBED + ")");
        assertThatThrownBy(() -> tables.explainSql(
                        "SELECT * FROM ML_PREDICT(TABLE feedback, MODEL m, DESCRIPTOR(text, id))",
                        ExplainDetail.JSON_EXECUTION_PLAN))
                .hasStackTraceContaining("model 'm': INPUT is (text STRING, lang STRING), expected one STRING column");
    }

    @Test
    void aFewShotModelReadsItsExamplesWhenPlanned() throws IOException {
        Path examples = Files.writeString(dir.resolve("examples.jsonl"), """
                {"text": "charged twice", "label": "billing"}
                {"text": "refund my card", "label": "billing"}
                {"text": "parcel late", "label": "delivery"}
                """);
        tables.executeSql("CREATE MODEL m INPUT (text STRING) OUTPUT (" + TAGS + ") WITH ('provider' = 'textintel',"
                + " 'task' = 'tag', 'mode' = 'few-shot', 'model' = '/nowhere/m', 'examples' = '" + examples + "')");
        assertThatThrownBy(this::plan).hasStackTraceContaining("model 'm': option 'examples': examples in " + examples
                + " have too few texts for labels delivery (1), expected at least 2 per label");
    }

    @Test
    void goodOptionsOfEveryTaskArePlanned() {
        tables.executeSql("CREATE MODEL m INPUT (text STRING) OUTPUT (" + TAGS + ") WITH ('provider' = 'textintel', "
                + ZERO_SHOT + ", 'labels' = 'billing;delivery', 'top-k' = '1', 'min-score' = '0.2',"
                + " 'engine.backend' = 'cpu', 'engine.threads' = '2', 'engine.max-batch-delay' = '5 ms',"
                + " 'timeout' = '30 s', 'retries' = '1', 'retry-delay' = '10 ms', 'hub.offline' = 'true')");
        assertThat(plan()).contains("MLPredictTableFunction");
    }

    private String plan() {
        return tables.explainSql("SELECT * FROM ML_PREDICT(TABLE feedback, MODEL m, DESCRIPTOR(text))",
                ExplainDetail.JSON_EXECUTION_PLAN);
    }
}
