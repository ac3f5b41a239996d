package io.textintel.operators.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.textintel.operators.embedding.LogisticRegression;
import io.textintel.operators.embedding.ZeroShotScores;
import io.textintel.schemas.EnrichedDocument;
import io.textintel.schemas.TextRecord;
import io.textintel.schemas.TopicTag;
import io.textintel.serving.engine.InferenceEngine;
import io.textintel.serving.tokenizer.TextTokenizer;

import org.apache.flink.api.common.functions.DefaultOpenContext;
import org.apache.flink.streaming.api.functions.async.CollectionSupplier;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.util.MockStreamingRuntimeContext;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A measurement, not a unit test (surefire's default includes leave it out): top-1 and top-3 accuracy
 * of zero-shot and few-shot tagging on a labelled sample ({@code expected_topic} per JSON line), on a
 * real embedding model, through the operator exactly as the pipeline runs it. The few-shot examples
 * and zero-shot descriptions are this folder's resources, written apart from the demo's sample.
 *
 * <pre>
 * ./mvnw -B -o -pl schemas,model-serving,operators test -Dtest=TagAccuracyReport \
 *     -Dsurefire.failIfNoSpecifiedTests=false -Dtextintel.eval.model=&lt;checkpoint dir&gt; \
 *     -Dtextintel.eval.sample=jobs/src/main/resources/demo/feedback.jsonl
 * </pre>
 *
 * The figures go to the test's output ({@code operators/target/surefire-reports/*TagAccuracyReport-output.txt}).
 */
class TagAccuracyReport {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final EngineSettings SETTINGS = new EngineSettings("cpu", null, null, null, Duration.ofMillis(2),
            100_000);

    private record Sample(List<TextRecord> records, List<String> labels) {}

    @Test
    void report() throws Exception {
        String model = System.getProperty("textintel.eval.model");
        String samplePath = System.getProperty("textintel.eval.sample");
        assumeTrue(model != null && samplePath != null, "a measurement: set -Dtextintel.eval.model (a checkpoint"
                + " directory) and -Dtextintel.eval.sample (labelled JSON lines) to run it");
        Sample sample = sample(Path.of(samplePath));
        LinkedHashMap<String, List<String>> descriptions;
        try (InputStream in = TagAccuracyReport.class.getResourceAsStream("feedback-topic-descriptions.json")) {
            descriptions = JSON.readValue(in, new TypeReference<>() {});
        }
        List<String> labels = List.copyOf(descriptions.keySet());
        Path examplesFile = Path.of(TagAccuracyReport.class.getResource("feedback-topic-examples.jsonl").toURI());
        List<LabelledExample> examples = LabelledExamples.read(examplesFile);

        ModelTask names = new ModelTask("zero-shot, names", TaskKind.ZERO_SHOT_TAG, model, null, 256, 3, 0f,
                ZeroShotSettings.ofLabels(labels));
        ModelTask described = new ModelTask("zero-shot, names + descriptions", TaskKind.ZERO_SHOT_TAG, model, null,
                256, 3, 0f, new ZeroShotSettings(labels, List.copyOf(descriptions.values()), "",
                        ZeroShotSettings.DEFAULT_TEMPERATURE, false));
        ModelTask fewShot = new ModelTask("few-shot", TaskKind.FEW_SHOT_TAG, model, null, 256, 3, 0f,
                FewShotSettings.of(examples));
        System.out.printf("%s: %d texts, %d few-shot examples%n", model, sample.records().size(), examples.size());
        for (ModelTask task : List.of(names, described, fewShot)) {
            print(task.name(), throughTheOperator(task, sample), sample.labels());
        }
        compareFewShotHeads(model, sample, FewShotSettings.of(examples));
    }

    /** Per text, its tags best first, as the inference operator writes them. */
    private static List<List<String>> throughTheOperator(ModelTask task, Sample sample) throws Exception {
        InferenceFunction function = new InferenceFunction(List.of(task), ModelRepository.defaults(), SETTINGS, 600_000);
        function.setRuntimeContext(new MockStreamingRuntimeContext(1, 0));
        long start = System.nanoTime();
        function.open(DefaultOpenContext.INSTANCE);
        System.out.printf("  %s opened in %.1f s%n", task.name(), (System.nanoTime() - start) / 1e9);
        List<CompletableFuture<Collection<InferenceOutcome>>> results = new ArrayList<>();
        try (TaskResources resources = TaskResources.forTokenizing(ModelRepository.defaults())) {
            TaskTokenizer tokenizer = resources.openTokenizer(task);
            for (TextRecord record : sample.records()) {
                CompletableFuture<Collection<InferenceOutcome>> result = new CompletableFuture<>();
                function.asyncInvoke(new TokenizedDocument(record, null, new TaskInput[] {tokenizer.tokenize(record)}),
                        new ResultFuture<>() {
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
                        });
                results.add(result);
            }
            List<List<String>> tags = new ArrayList<>();
            for (CompletableFuture<Collection<InferenceOutcome>> result : results) {
                EnrichedDocument document = result.get(10, TimeUnit.MINUTES).iterator().next().document;
                tags.add(document.getTopics().stream().map(TopicTag::getLabel).toList());
            }
            return tags;
        } finally {
            function.close();
        }
    }

    /** The default head against other penalties and against class prototypes, on the same embeddings. */
    private static void compareFewShotHeads(String model, Sample sample, FewShotSettings settings) throws Exception {
        try (InferenceEngine engine = InferenceEngine.open(Path.of(model), SETTINGS.toEngineConfig());
                TextTokenizer tokenizer = TextTokenizer.load(Path.of(model), 256)) {
            float[][] x = EncoderTexts.embedAll(engine, EncoderTexts.ids(tokenizer, "",
                    sample.records().stream().map(TextRecord::getText).toList()), "sample");
            float[][] examples = EncoderTexts.embedAll(engine, EncoderTexts.ids(tokenizer, "",
                    settings.examples().stream().map(LabelledExample::text).toList()), "examples");
            double[][] y = FewShotTagTask.targets(settings);
            for (double lambda : new double[] {1e-2, 3e-3, 1e-3, 3e-4, 1e-4}) {
                LogisticRegression head = LogisticRegression.fit(examples, y, LogisticRegression.Link.SOFTMAX, lambda,
                        FewShotTagTask.MAX_ITERATIONS, FewShotTagTask.TOLERANCE).head();
                print("few-shot, λ = " + lambda, ranked(x, settings.labels(), head::probabilities), sample.labels());
            }
            float[][][] prototypes = new float[settings.labels().size()][1][];
            for (int k = 0; k < prototypes.length; k++) {
                float[] mean = new float[examples[0].length];
                int count = 0;
                for (int i = 0; i < examples.length; i++) {
                    if (y[i][k] == 1) {
                        count++;
                        for (int d = 0; d < mean.length; d++) {
                            mean[d] += examples[i][d];
                        }
                    }
                }
                for (int d = 0; d < mean.length; d++) {
                    mean[d] /= count;
                }
                prototypes[k][0] = mean;
            }
            ZeroShotScores nearestPrototype = new ZeroShotScores(prototypes, ZeroShotSettings.DEFAULT_TEMPERATURE, false);
            print("few-shot, class prototypes", ranked(x, settings.labels(), nearestPrototype::scores), sample.labels());
        }
    }

    private interface Scorer {
        float[] scores(float[] embedding);
    }

    private static List<List<String>> ranked(float[][] x, List<String> labels, Scorer scorer) {
        List<List<String>> ranked = new ArrayList<>();
        for (float[] embedding : x) {
            ranked.add(TopLabels.of(scorer.scores(embedding), labels, 3, 0f).stream().map(TopicTag::getLabel).toList());
        }
        return ranked;
    }

    private static Sample sample(Path file) throws Exception {
        List<TextRecord> records = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            JsonNode row = JSON.readTree(line);
            records.add(TextRecord.newBuilder().setId(row.get("id").asText()).setText(row.get("text").asText())
                    .setLanguage(row.path("language").asText("en")).setEventTime(Instant.EPOCH).build());
            labels.add(row.get("expected_topic").asText());
        }
        return new Sample(records, labels);
    }

    /** Prints top-1 and top-3 accuracy of {@code tags} (per text, best first) against {@code gold}. */
    private static void print(String what, List<List<String>> tags, List<String> gold) {
        assertThat(tags).hasSameSizeAs(gold);
        int top1 = 0;
        int top3 = 0;
        for (int i = 0; i < gold.size(); i++) {
            top1 += tags.get(i).get(0).equals(gold.get(i)) ? 1 : 0;
            top3 += tags.get(i).contains(gold.get(i)) ? 1 : 0;
        }
        System.out.printf("  %-36s top-1 %5.1f%%   top-3 %5.1f%%%n", what, 100.0 * top1 / gold.size(),
                100.0 * top3 / gold.size());
    }
}
