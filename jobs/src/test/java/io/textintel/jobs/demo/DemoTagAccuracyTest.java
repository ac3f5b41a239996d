package io.textintel.jobs.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.textintel.jobs.config.PipelineConfig;
import io.textintel.jobs.config.PipelineConfigLoader;
import io.textintel.operators.inference.ModelTask;
import io.textintel.schemas.EnrichedDocument;
import io.textintel.schemas.TextRecord;
import io.textintel.schemas.TopicTag;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
        records = OperatorRun.records(DemoData.feedback());
        labels = new ArrayList<>();
        for (String line : DemoData.feedback()) {
            labels.add(JSON.readTree(line).get("expected_topic").asText());
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
        List<EnrichedDocument> documents = OperatorRun.enrich(List.of(task), config, records);
        TagAccuracy.Counter counter = new TagAccuracy.Counter();
        for (int i = 0; i < documents.size(); i++) {
            counter.add(labels.get(i), documents.get(i).getTopics().stream().map(TopicTag::getLabel).toList());
        }
        TagAccuracy accuracy = counter.result();
        TABLE.put(model + ", " + mode, accuracy);
        LOG.info("{} {}: top-1 {}, top-3 {}, most missed {} ({} s)", model, mode, accuracy.top1(), accuracy.top3(),
                accuracy.mostMissed(3), (System.nanoTime() - start) / 1_000_000_000);
        return accuracy;
    }
}
