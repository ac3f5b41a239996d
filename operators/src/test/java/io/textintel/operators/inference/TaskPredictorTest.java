package io.textintel.operators.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.textintel.operators.TestModels;
import io.textintel.schemas.TopicTag;
import io.textintel.serving.engine.EncoderEngine;
import io.textintel.serving.tokenizer.TextTokenizer;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

class TaskPredictorTest {

    private static final EngineSettings SETTINGS = new EngineSettings("cpu", 1, null, null, Duration.ofMillis(1), null);

    /** Same model and input, batched with other requests: the kernels' summation order may differ. */
    private static final float TOLERANCE = 1e-5f;

    @TempDir
    static Path models;

    private static Path embedder;
    private static Path classifier;

    @BeforeAll
    static void generateModels() throws IOException {
        embedder = TestModels.embedder(models.resolve("embedder"));
        classifier = TestModels.classifier(models.resolve("classifier"));
    }

    @Test
    void embedsTextsAsTheEngineDoes() throws Exception {
        ModelTask task = ModelTask.embed("embed", embedder.toString(), null);
        List<String> texts = List.of("the parcel arrived late", "I was charged twice", "great app");
        try (TaskPredictor predictor = TaskPredictor.open(task, ModelRepository.defaults(), SETTINGS);
                TextTokenizer tokenizer = TextTokenizer.load(embedder, Integer.MAX_VALUE);
                EncoderEngine direct = EncoderEngine.open(embedder, SETTINGS.toEngineConfig())) {
            List<CompletableFuture<TaskPredictor.Prediction>> futures = texts.stream().map(predictor::predict).toList();
            for (int i = 0; i < texts.size(); i++) {
                TaskPredictor.Prediction prediction = futures.get(i).get(60, TimeUnit.SECONDS);
                float[] expected = direct.embed(tokenizer.encode(texts.get(i)).ids()).get(60, TimeUnit.SECONDS);
                assertThat(prediction.embedding()).hasSize(TestModels.HIDDEN);
                for (int d = 0; d < expected.length; d++) {
                    assertThat(prediction.embedding()[d]).isCloseTo(expected[d], within(TOLERANCE));
                }
                assertThat(prediction.topics()).isEmpty();
                assertThat(prediction.summary()).isNull();
                assertThat(prediction.inputTokens()).isEqualTo(tokenizer.encode(texts.get(i)).ids().length);
            }
        }
    }

    @Test
    void tagsWithTheTopLabelsOfTheClassifierHighestFirst() throws Exception {
        ModelTask task = ModelTask.tag("tag", classifier.toString(), null, 2, 0f);
        String text = "I was charged twice for my subscription";
        try (TaskPredictor predictor = TaskPredictor.open(task, ModelRepository.defaults(), SETTINGS);
                TextTokenizer tokenizer = TextTokenizer.load(classifier, Integer.MAX_VALUE);
                EncoderEngine direct = EncoderEngine.open(classifier, SETTINGS.toEngineConfig())) {
            List<TopicTag> topics = predictor.predict(text).get(60, TimeUnit.SECONDS).topics();
            float[] probabilities = direct.classify(tokenizer.encode(text).ids()).get(60, TimeUnit.SECONDS);
            List<Integer> best = IntStream.range(0, probabilities.length).boxed()
                    .sorted(Comparator.comparing((Integer i) -> probabilities[i]).reversed()).limit(2).toList();
            assertThat(topics).extracting(TopicTag::getLabel)
                    .containsExactly(TestModels.LABELS.get(best.get(0)), TestModels.LABELS.get(best.get(1)));
            assertThat(topics.get(0).getScore()).isCloseTo(probabilities[best.get(0)], within(TOLERANCE));
            assertThat(topics.get(0).getScore()).isGreaterThanOrEqualTo(topics.get(1).getScore());
        }
    }

    @Test
    void cutsTextsToTheTaskMaxLengthAndSaysSo() throws Exception {
        ModelTask task = new ModelTask("embed", TaskKind.EMBED, embedder.toString(), null, 4, 1, 0f);
        try (TaskPredictor predictor = TaskPredictor.open(task, ModelRepository.defaults(), SETTINGS)) {
            TaskPredictor.Prediction longText =
                    predictor.predict("a parcel that arrived late and a refund that never came").get(60, TimeUnit.SECONDS);
            TaskPredictor.Prediction shortText = predictor.predict("late").get(60, TimeUnit.SECONDS);
            assertThat(longText.inputTokens()).isEqualTo(4);
            assertThat(longText.truncated()).isTrue();
            assertThat(shortText.truncated()).isFalse();
        }
    }

    @Test
    void givesTheEngineBackWhenClosed() throws Exception {
        int before = SharedModels.openEngines();
        TaskPredictor predictor =
                TaskPredictor.open(ModelTask.embed("embed", embedder.toString(), null), ModelRepository.defaults(), SETTINGS);
        assertThat(SharedModels.openEngines()).isEqualTo(before + 1);
        predictor.close();
        assertThat(SharedModels.openEngines()).isEqualTo(before);
    }
}
