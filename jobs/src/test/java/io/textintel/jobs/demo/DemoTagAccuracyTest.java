package io.textintel.jobs.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.textintel.jobs.config.PipelineConfig;
import io.textintel.jobs.config.PipelineConfigLoader;
import io.textintel.operators.inference.InferenceFunction;
import io.textintel.operators.inference.InferenceOutcome;
import io.textintel.operators.inference.ModelTask;
import io.textintel.operators.inference.TaskInput;
import io.textintel.operators.inference.TaskResources;
import io.textintel.operators.inference.TaskTokenizer;
import io.textintel.operators.inference.TokenizedDocument;
import io.textintel.schemas.TextRecord;
import io.textintel.schemas.TopicTag;

import org.apache.flink.api.common.functions.DefaultOpenContext;
import org.apache.flink.streaming.api.functions.async.CollectionSupplier;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.util.MockStreamingRuntimeContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Topic tags of trained embedders against the demo sample's own labels: the demo's tag task, as its
 * configuration builds it (few-shot on the shipped example file, or zero-shot on the topic
 * descriptions), run through the inference operator on all 969 labelled messages. The examples and
 * descriptions were written apart from the sample, so these are held-out figures.
 *
 * <p>Targets, from the issue that introduced the modes: with all-MiniLM-L6-v2, few-shot top-1 at least
 * 80% and zero-shot at least 65%. bge-small-en-v1.5 is held to the same. The table is logged
 * ({@code jobs/target/surefire-reports/*DemoTagAccuracyTest-output.txt}) and quoted in the README.
 */
class DemoTagAccuracyTest {

    private static final Logger LOG = LoggerFactory.getLogger(DemoTagAccuracyTest.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> MODELS = List.of("maven:all-minilm-l6-v2", "maven:bge-small-en-v1.5");

    @TempDir
    static Path workDir;

    private static List<TextRecord> records;
    private static List<String> labels;
    private static final Map<String, TagAccuracy> TABLE = new LinkedHashMap<>();

    @BeforeAll
    static void readTheSample() throws Exception {
        records = new ArrayList<>();
        labels = new ArrayList<>();
        for (String line : DemoData.feedback()) {
            JsonNode row = JSON.readTree(line);
            records.add(TextRecord.newBuilder().setId(row.get("id").asText()).setText(row.get("text").asText())
                    .setLanguage(row.get("language").asText()).setEventTime(Instant.parse(row.get("event_time").asText()))
                    .build());
            labels.add(row.get("expected_topic").asText());
        }
    }

    @AfterAll
    static void logTheTable() {
        StringBuilder table = new StringBuilder("tag accuracy on the demo sample (" + records.size() + " texts),"
                + " top-1 / top-3:");
        TABLE.forEach((what, accuracy) -> table.append(String.format("%n  %-45s %5.1f%% / %5.1f%%", what,
                100 * accuracy.top1(), 100 * accuracy.top3())));
        LOG.info("{}", table);
    }

    @Test
    void fewShotTagsOfTheShippedEmbeddersReachEightyPercentTopOne() throws Exception {
        for (String model : MODELS) {
            TagAccuracy accuracy = measure(model, Demo.TagMode.FEW_SHOT);
            assertThat(accuracy.documents()).isEqualTo(969);
            assertThat(accuracy.top1()).as("few-shot top-1 of " + model).isGreaterThanOrEqualTo(0.80);
            assertThat(accuracy.top3()).as("few-shot top-3 of " + model).isGreaterThan(accuracy.top1());
        }
    }

    @Test
    void zeroShotTagsOfTheShippedEmbeddersReachSixtyFivePercentTopOne() throws Exception {
        for (String model : MODELS) {
            TagAccuracy accuracy = measure(model, Demo.TagMode.ZERO_SHOT);
            assertThat(accuracy.top1()).as("zero-shot top-1 of " + model).isGreaterThanOrEqualTo(0.65);
        }
    }

    private static TagAccuracy measure(String model, Demo.TagMode mode) throws Exception {
        Demo.Options options = new Demo.Options(workDir, 1, false, model, null, mode, false, "");
        PipelineConfig config = PipelineConfigLoader.parse(
                DemoTasks.configure(DemoData.resource("/demo/pipeline.yaml"), options, model, null),
                "demo/pipeline.yaml", List.of());
        ModelTask task = config.modelTasks().stream().filter(t -> t.name().equals("tag")).findFirst().orElseThrow();
        long start = System.nanoTime();
        List<List<String>> tags = throughTheOperator(task, config);
        TagAccuracy.Counter counter = new TagAccuracy.Counter();
        for (int i = 0; i < tags.size(); i++) {
            counter.add(labels.get(i), tags.get(i));
        }
        TagAccuracy accuracy = counter.result();
        TABLE.put(model + ", " + mode, accuracy);
        LOG.info("{} {}: top-1 {}, top-3 {}, most missed {} ({} s)", model, mode, accuracy.top1(), accuracy.top3(),
                accuracy.mostMissed(3), (System.nanoTime() - start) / 1_000_000_000);
        return accuracy;
    }

    /** Per text, its tags best first, as the inference operator writes them into the document. */
    private static List<List<String>> throughTheOperator(ModelTask task, PipelineConfig config) throws Exception {
        InferenceFunction function = new InferenceFunction(List.of(task), config.hub(), config.engine(), 600_000);
        function.setRuntimeContext(new MockStreamingRuntimeContext(1, 0));
        function.open(DefaultOpenContext.INSTANCE);
        try (TaskResources resources = TaskResources.forTokenizing(config.hub())) {
            TaskTokenizer tokenizer = resources.openTokenizer(task);
            List<CompletableFuture<Collection<InferenceOutcome>>> results = new ArrayList<>();
            for (TextRecord record : records) {
                CompletableFuture<Collection<InferenceOutcome>> result = new CompletableFuture<>();
                function.asyncInvoke(new TokenizedDocument(record, null, new TaskInput[] {tokenizer.tokenize(record)}),
                        completing(result));
                results.add(result);
            }
            List<List<String>> tags = new ArrayList<>();
            for (CompletableFuture<Collection<InferenceOutcome>> result : results) {
                InferenceOutcome outcome = result.get(10, TimeUnit.MINUTES).iterator().next();
                assertThat(outcome.document).as("an enriched document, not a dead letter").isNotNull();
                tags.add(outcome.document.getTopics().stream().map(TopicTag::getLabel).toList());
            }
            return tags;
        } finally {
            function.close();
        }
    }

    private static ResultFuture<InferenceOutcome> completing(CompletableFuture<Collection<InferenceOutcome>> result) {
        return new ResultFuture<>() {
            @Override
            public void complete(Collection<InferenceOutcome> outcomes) {
                result.complete(outcomes);
            }

            @Override
            public void complete(CollectionSupplier<InferenceOutcome> supplier) {
                try {
                    result.complete(supplier.get());
                } catch (Exception e) {
                    result.completeExceptionally(e);
                }
            }

            @Override
            public void completeExceptionally(Throwable error) {
                result.completeExceptionally(error);
            }
        };
    }
}
