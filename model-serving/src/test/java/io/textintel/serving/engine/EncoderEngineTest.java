package io.textintel.serving.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.textintel.serving.backend.cpu.CpuBackend;
import io.textintel.serving.batch.TokenBatch;
import io.textintel.serving.config.BackendChoice;
import io.textintel.serving.config.EngineConfig;
import io.textintel.serving.model.EncoderModel;
import io.textintel.serving.tools.TinyBertSpec;
import io.textintel.serving.tools.TinyModelGenerator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EncoderEngineTest {

    @TempDir
    static Path models;

    private static Path embedder;
    private static Path classifier;

    @BeforeAll
    static void generateModels() throws IOException {
        TinyBertSpec spec = TinyBertSpec.small().withBiasAndNormStd(0.1);
        embedder = TinyModelGenerator.writeBertEmbedder(models.resolve("embedder"), spec);
        classifier = TinyModelGenerator.writeBertClassifier(models.resolve("classifier"), spec,
                List.of("negative", "positive"));
    }

    private static int[] randomIds(Random random, int length) {
        int[] ids = new int[length];
        for (int i = 0; i < length; i++) {
            ids[i] = 1 + random.nextInt(1000);
        }
        return ids;
    }

    @Test
    void manyThreadsGetTheSameResultsAsADirectForwardPass() throws Exception {
        EngineConfig config = EngineConfig.builder().threads(2).maxBatchSize(8).maxBatchDelay(Duration.ofMillis(1))
                .build();
        Random random = new Random(1);
        List<int[]> inputs = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            inputs.add(randomIds(random, 1 + random.nextInt(60)));
        }
        float[][] expected = new float[inputs.size()][];
        try (CpuBackend backend = new CpuBackend(1)) {
            EncoderModel model = EncoderModel.load(embedder, backend);
            for (int i = 0; i < inputs.size(); i++) {
                expected[i] = model.embed(TokenBatch.packed(List.of(inputs.get(i)))).row(0);
            }
        }
        ExecutorService callers = Executors.newFixedThreadPool(8);
        try (EncoderEngine engine = EncoderEngine.open(embedder, config)) {
            assertThat(engine.model().embeddingDimension()).isEqualTo(32);
            assertThat(engine.model().architecture()).isEqualTo("BertModel");
            List<Future<float[]>> results = new ArrayList<>();
            for (int[] ids : inputs) {
                results.add(callers.submit(() -> engine.embed(ids).get(30, TimeUnit.SECONDS)));
            }
            for (int i = 0; i < inputs.size(); i++) {
                // batched with other callers' sequences: the same kernels on the same rows, so only a
                // few ulps of difference from the tiling (see BertEncoderTest)
                assertThat(results.get(i).get()).as("request %d", i).containsExactly(expected[i], within(1e-6f));
            }
            EngineMetrics metrics = engine.metrics();
            assertThat(metrics.requests()).isEqualTo(64);
            assertThat(metrics.tokens()).isEqualTo(inputs.stream().mapToLong(ids -> ids.length).sum());
            assertThat(metrics.batches()).isBetween(8L, 64L);
            assertThat(metrics.meanBatchSize()).isGreaterThanOrEqualTo(1.0);
            assertThat(metrics.paddingTokens()).isZero(); // the CPU backend packs its batches
            assertThat(metrics.queueDepth()).isZero();
        } finally {
            callers.shutdownNow();
        }
    }

    @Test
    void classifierReturnsProbabilitiesPerLabel() throws Exception {
        try (EncoderEngine engine = EncoderEngine.open(classifier, EngineConfig.builder().threads(1).build())) {
            assertThat(engine.model().labels()).containsExactly("negative", "positive");
            float[] probabilities = engine.classify(new int[] {2, 50, 60, 3}).get(10, TimeUnit.SECONDS);
            assertThat(probabilities).hasSize(2);
            assertThat(probabilities[0] + probabilities[1]).isCloseTo(1f, within(1e-6f));
            assertInput(engine.embed(new int[] {2, 3}), "is not an embedder");
        }
    }

    @Test
    void invalidInputsFailWithKindInputNamingTheValue() {
        try (EncoderEngine engine = EncoderEngine.open(embedder, EngineConfig.builder().threads(1).build())) {
            assertInput(engine.embed(new int[0]), "token ids are empty");
            assertInput(engine.embed(null), "token ids are null");
            int vocabulary = engine.model().maxSequenceLength();
            assertInput(engine.embed(new int[vocabulary + 1]), "sequence of 129 tokens, expected at most 128");
            assertInput(engine.embed(new int[] {2, -1}), "token id -1 at position 1");
            assertInput(engine.embed(new int[] {2, 10_000_000}), "token id 10000000 at position 1");
            assertInput(engine.classify(new int[] {2, 3}), "has no classification head");
            assertThat(engine.metrics().invalid()).isEqualTo(6);
        }
    }

    @Test
    void rejectsRequestsBeyondTheQueueLimitAsOverloaded() throws Exception {
        // a long delay and a large batch keep requests queued while the test fills the queue
        EngineConfig config = EngineConfig.builder().threads(1).maxBatchSize(64).maxQueuedRequests(4)
                .maxBatchDelay(Duration.ofSeconds(2)).build();
        try (EncoderEngine engine = EncoderEngine.open(embedder, config)) {
            List<CompletableFuture<float[]>> accepted = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                accepted.add(engine.embed(new int[] {2, 100 + i, 3}));
            }
            CompletableFuture<float[]> rejected = engine.embed(new int[] {2, 3});
            assertThatThrownBy(() -> rejected.get(1, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause()
                    .isInstanceOf(EngineException.class)
                    .hasMessageContaining("maxQueuedRequests is 4")
                    .satisfies(e -> assertThat(((EngineException) e).kind()).isEqualTo(EngineException.Kind.OVERLOADED));
            for (CompletableFuture<float[]> future : accepted) {
                assertThat(future.get(10, TimeUnit.SECONDS)).hasSize(32);
            }
            assertThat(engine.metrics().rejected()).isEqualTo(1);
            assertThat(engine.embed(new int[] {2, 3}).get(10, TimeUnit.SECONDS)).hasSize(32);
        }
    }

    @Test
    void cancelledRequestsAreDroppedAndCloseFailsWhatIsLeft() throws Exception {
        EngineConfig config = EngineConfig.builder().threads(1).maxBatchSize(64)
                .maxBatchDelay(Duration.ofSeconds(30)).build();
        EncoderEngine engine = EncoderEngine.open(embedder, config);
        CompletableFuture<float[]> cancelled = engine.embed(new int[] {2, 7, 3});
        CompletableFuture<float[]> pending = engine.embed(new int[] {2, 8, 3});
        cancelled.cancel(false);
        engine.close();
        assertThatThrownBy(() -> pending.get(5, TimeUnit.SECONDS))
                .cause()
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("was closed before the request ran");
        assertThatThrownBy(() -> engine.embed(new int[] {2, 3}).get(5, TimeUnit.SECONDS))
                .cause()
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("is closed");
        assertThat(engine.metrics().batches()).isZero();
        engine.close(); // idempotent
    }

    @Test
    void cancelledRequestIsNotRunWhileOthersAre() throws Exception {
        EngineConfig config = EngineConfig.builder().threads(1).maxBatchSize(2)
                .maxBatchDelay(Duration.ofMillis(300)).build();
        try (EncoderEngine engine = EncoderEngine.open(embedder, config)) {
            CompletableFuture<float[]> cancelled = engine.embed(new int[] {2, 7, 3});
            cancelled.cancel(false);
            assertThat(engine.embed(new int[] {2, 8, 3}).get(10, TimeUnit.SECONDS)).hasSize(32);
            EngineMetrics metrics = engine.metrics();
            assertThat(metrics.cancelled()).isEqualTo(1);
            assertThat(metrics.tokens()).isEqualTo(3);
        }
    }

    @Test
    void loadFailuresSayWhatIsMissing() throws IOException {
        Path empty = Files.createDirectories(models.resolve("empty"));
        assertThatThrownBy(() -> EncoderEngine.open(empty, EngineConfig.defaults()))
                .isInstanceOf(EngineException.class)
                .hasMessageContaining("has no config.json")
                .satisfies(e -> assertThat(((EngineException) e).kind()).isEqualTo(EngineException.Kind.LOAD));
    }

    @Test
    void referenceBackendGivesTheSameEmbeddings() throws Exception {
        int[] ids = {2, 40, 41, 42, 3};
        float[] fast;
        try (EncoderEngine engine = EncoderEngine.open(embedder, EngineConfig.builder().threads(2).build())) {
            fast = engine.embed(ids).get(10, TimeUnit.SECONDS);
        }
        EngineConfig reference = EngineConfig.builder().backend(BackendChoice.CPU_REFERENCE).build();
        try (EncoderEngine engine = EncoderEngine.open(embedder, reference)) {
            // float32 kernels vs double accumulation on unit vectors of a 2-layer width-32 model
            assertThat(engine.embed(ids).get(10, TimeUnit.SECONDS)).containsExactly(fast, within(1e-5f));
        }
    }

    private static void assertInput(CompletableFuture<float[]> future, String message) {
        assertThat(future).isCompletedExceptionally();
        assertThatThrownBy(future::join)
                .cause()
                .isInstanceOf(EngineException.class)
                .hasMessageContaining(message)
                .satisfies(e -> assertThat(((EngineException) e).kind()).isEqualTo(EngineException.Kind.INPUT));
    }
}
