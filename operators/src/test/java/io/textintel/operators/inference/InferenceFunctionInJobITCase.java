package io.textintel.operators.inference;

import static org.assertj.core.api.Assertions.assertThat;

import io.textintel.operators.TestModels;
import io.textintel.schemas.EnrichedDocument;
import io.textintel.serving.engine.EncoderEngine;
import io.textintel.serving.tokenizer.TextTokenizer;

import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.async.AsyncRetryStrategy;
import org.apache.flink.streaming.util.retryable.AsyncRetryStrategies;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * Runs {@link InferenceFunction} under Flink's real async operator, with retries, in a local
 * environment of two subtasks (one JVM, in-process).
 */
class InferenceFunctionInJobITCase {

    private static final int DOCUMENTS = 40;
    private static final long TIMEOUT_MILLIS = 60_000;

    /** Outcomes the running job has produced; read by {@link HoldLastDocument} in the same JVM. */
    private static final AtomicInteger COMPLETED = new AtomicInteger();

    @TempDir
    static Path models;

    private static List<ModelTask> tasks;
    private static List<TokenizedDocument> documents;

    @BeforeAll
    static void prepare() throws IOException {
        Path embedder = TestModels.embedder(models.resolve("embedder"));
        Path classifier = TestModels.classifier(models.resolve("classifier"));
        tasks = List.of(ModelTask.embed("embed", embedder.toString(), null),
                ModelTask.tag("tag", classifier.toString(), null, 2, 0f));
        documents = new ArrayList<>();
        try (TextTokenizer tokenizer = TextTokenizer.load(embedder, Integer.MAX_VALUE)) {
            for (int i = 0; i < DOCUMENTS; i++) {
                String text = "message " + i + " about a parcel that arrived " + (i % 7) + " days late";
                int[] ids = tokenizer.encode(text).ids();
                documents.add(new TokenizedDocument(TestModels.record("fb-" + i, text), TestModels.provenance(i),
                        new TaskInput[] {
                            new TaskInput("embed", ids, false, ids.length, 0),
                            new TaskInput("tag", ids, false, ids.length, 0)
                        }));
            }
        }
    }

    /** The job's retry strategy: exponential backoff on what {@link InferenceFunction#isRetryable} accepts. */
    private static AsyncRetryStrategy<InferenceOutcome> retries(int attempts) {
        Predicate<Throwable> retryable = (Predicate<Throwable> & Serializable) InferenceFunction::isRetryable;
        return new AsyncRetryStrategies.ExponentialBackoffDelayRetryStrategyBuilder<InferenceOutcome>(
                        attempts, 1, 20, 2.0)
                .ifException(retryable)
                .build();
    }

    /**
     * Runs the documents through the async operator and collects the outcomes.
     *
     * @param holdInputOpen keep the input open until all but the last document have completed: Flink
     *     stops retrying once an async operator's input has ended (it fires pending retries once and
     *     fails on the next error), so a test of retries must not let the bounded input end early
     */
    private static List<EnrichedDocument> run(EngineSettings settings, int capacity, int attempts,
            boolean holdInputOpen) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2);
        COMPLETED.set(0);
        DataStream<TokenizedDocument> input = env.fromData(documents);
        if (holdInputOpen) {
            input = input.map(new HoldLastDocument());
        }
        DataStream<InferenceOutcome> outcomes = AsyncDataStream.unorderedWaitWithRetry(
                        input.rebalance(),
                        new InferenceFunction(tasks, ModelRepository.defaults(), settings, TIMEOUT_MILLIS),
                        TIMEOUT_MILLIS, TimeUnit.MILLISECONDS, capacity, retries(attempts))
                .map(new CountCompleted());
        List<EnrichedDocument> enriched = new ArrayList<>();
        try (CloseableIterator<InferenceOutcome> results = outcomes.executeAndCollect("async-inference-test")) {
            while (results.hasNext()) {
                InferenceOutcome outcome = results.next();
                assertThat(outcome.deadLetter).as("no document is rejected").isNull();
                enriched.add(outcome.document);
            }
        }
        return enriched;
    }

    private static void assertAllEnriched(List<EnrichedDocument> enriched) {
        assertThat(enriched).extracting(EnrichedDocument::getId)
                .containsExactlyInAnyOrderElementsOf(documents.stream().map(d -> d.record.getId()).toList());
        assertThat(enriched).allSatisfy(doc -> {
            assertThat(doc.getEmbedding()).hasSize(TestModels.HIDDEN);
            assertThat(doc.getTopics()).hasSize(2);
            assertThat(doc.getModels()).hasSize(2);
        });
    }

    @Test
    void everyDocumentIsEnrichedByTheAsyncOperatorInAnyOrder() throws Exception {
        int before = SharedModels.openEngines();
        EngineSettings settings = new EngineSettings("cpu", 1, null, null, Duration.ofMillis(2), null);

        assertAllEnriched(run(settings, 8, 3, false));

        assertThat(SharedModels.openEngines()).as("the finished job released its engines").isEqualTo(before);
    }

    @Test
    void requestsAnOverloadedEngineRefusesAreRetriedUntilEveryDocumentIsEnriched() throws Exception {
        // Two queued requests at most against 2 subtasks x 16 documents x 2 tasks in flight: the engine must refuse.
        EngineSettings overloaded = new EngineSettings("cpu", 1, null, null, Duration.ofMillis(5), 2);
        Path embedder = Path.of(tasks.get(0).modelId());
        // Held across the job so that the engine, and its counters, outlive the job's own leases.
        try (SharedResources.Lease<EncoderEngine> engine = SharedModels.engine(embedder, overloaded)) {
            assertAllEnriched(run(overloaded, 16, 1_000, true));

            assertThat(engine.get().metrics().rejected()).as("requests refused as overloaded, then retried")
                    .isPositive();
        }
    }

    /** Passes documents on, holding the last one back until every other document has completed. */
    private static final class HoldLastDocument implements MapFunction<TokenizedDocument, TokenizedDocument> {

        @Override
        public TokenizedDocument map(TokenizedDocument doc) throws InterruptedException {
            if (doc.record.getId().equals("fb-" + (DOCUMENTS - 1))) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (COMPLETED.get() < DOCUMENTS - 1) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("only " + COMPLETED.get() + " of " + (DOCUMENTS - 1)
                                + " documents completed within 60 s while the input was held open");
                    }
                    Thread.sleep(10);
                }
            }
            return doc;
        }
    }

    /** Counts each outcome into {@link #COMPLETED}. */
    private static final class CountCompleted implements MapFunction<InferenceOutcome, InferenceOutcome> {

        @Override
        public InferenceOutcome map(InferenceOutcome outcome) {
            COMPLETED.incrementAndGet();
            return outcome;
        }
    }
}
