package io.textintel.serving.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.textintel.serving.config.EngineConfig;
import io.textintel.serving.tools.TinyBertSpec;
import io.textintel.serving.tools.TinyModelGenerator;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ForwardPassListenersTest {

    @Test
    void aThrowingListenerIsLoggedAndTheOthersAreStillTold() {
        ForwardPassListeners listeners = new ForwardPassListeners("m");
        List<String> calls = new ArrayList<>();
        listeners.add((s, t, n) -> calls.add("first " + s + " " + t + " " + n));
        listeners.add((s, t, n) -> {
            throw new IllegalStateException("broken listener");
        });
        ForwardPassListener last = (s, t, n) -> calls.add("last " + s);
        listeners.add(last);

        listeners.passed(3, 40, 1000L);
        listeners.remove(last);
        listeners.passed(1, 5, 7L);

        assertThat(calls).containsExactly("first 3 40 1000", "last 3", "first 1 5 7");
    }

    @Test
    void anEngineTellsItsListenersOfEveryPassWithTheBatchSizeAndRealTokens(@TempDir Path models) throws Exception {
        Path embedder = TinyModelGenerator.writeBertEmbedder(models.resolve("embedder"), TinyBertSpec.small());
        EngineConfig config = EngineConfig.builder().threads(1).maxBatchSize(4).maxBatchDelay(Duration.ofMillis(20))
                .build();
        AtomicInteger passes = new AtomicInteger();
        AtomicLong sequences = new AtomicLong();
        AtomicLong tokens = new AtomicLong();
        AtomicLong nanos = new AtomicLong();
        try (EncoderEngine engine = EncoderEngine.open(embedder, config)) {
            engine.addListener((s, t, n) -> {
                throw new IllegalStateException("broken listener");
            });
            engine.addListener((s, t, n) -> {
                passes.incrementAndGet();
                sequences.addAndGet(s);
                tokens.addAndGet(t);
                nanos.addAndGet(n);
            });
            List<CompletableFuture<float[]>> results = new ArrayList<>();
            int expectedTokens = 0;
            for (int i = 0; i < 10; i++) {
                int[] ids = new int[2 + i];
                for (int j = 0; j < ids.length; j++) {
                    ids[j] = 1 + j + i;
                }
                expectedTokens += ids.length;
                results.add(engine.embed(ids));
            }
            for (CompletableFuture<float[]> result : results) {
                assertThat(result.get(30, TimeUnit.SECONDS)).hasSize(32); // the broken listener stopped nothing
            }
            EngineMetrics metrics = engine.metrics();
            assertThat(passes.get()).isEqualTo((int) metrics.batches()).isBetween(3, 10); // batches of at most 4
            assertThat(sequences.get()).isEqualTo(10);
            assertThat(tokens.get()).isEqualTo(metrics.tokens()).isEqualTo(expectedTokens);
            assertThat(nanos.get()).isPositive();
        }
    }
}
