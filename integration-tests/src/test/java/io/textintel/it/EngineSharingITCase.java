package io.textintel.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.textintel.it.support.TestPipeline;
import io.textintel.operators.DecodedRecord;
import io.textintel.operators.decode.DecodeFunction;
import io.textintel.operators.inference.EngineSettings;
import io.textintel.operators.inference.InferenceFunction;
import io.textintel.operators.inference.InferenceOutcome;
import io.textintel.operators.inference.ModelRepository;
import io.textintel.operators.inference.ModelTask;
import io.textintel.operators.inference.SharedModels;
import io.textintel.operators.inference.SplitOutcomes;
import io.textintel.operators.tokenize.TokenizeFunction;
import io.textintel.operators.inference.TokenizedDocument;
import io.textintel.schemas.EnrichedDocument;
import io.textintel.schemas.KafkaProvenance;
import io.textintel.schemas.RawRecord;
import io.textintel.schemas.codec.InputFormat;
import io.textintel.schemas.codec.TextRecordValidator;

import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Two inference subtasks in one JVM (a local MiniCluster of parallelism 2) open one engine per
 * model between them, not one each: the pipeline's decode → tokenize → inference operators run over
 * an in-memory source while a probe after inference samples {@link SharedModels#openEngines()}.
 *
 * <p>The probe samples only once both inference subtasks have produced output, and the source keeps
 * its last record back until both probes have sampled, so no subtask can have finished and released
 * its engines at the time of the sample. With two models, shared engines read 2; engines per subtask
 * would read 4.
 */
class EngineSharingITCase {

    private static final Logger LOG = LoggerFactory.getLogger(EngineSharingITCase.class);

    private static final int RECORDS = 24;
    private static final int SUBTASKS = 2;
    private static final long LATCH_SECONDS = 120;

    /** Counted down by each probe subtask on its first outcome. */
    private static volatile CountDownLatch subtasksWithOutput;
    /** Counted down by each probe subtask once it sampled while both subtasks ran. */
    private static volatile CountDownLatch subtasksSampled;
    private static final AtomicInteger MOST_ENGINES_SEEN = new AtomicInteger();
    private static final Set<Integer> SAMPLED_SUBTASKS = ConcurrentHashMap.newKeySet();

    private static List<RawRecord> records() {
        List<RawRecord> records = new ArrayList<>();
        for (int i = 0; i < RECORDS; i++) {
            String json = "{\"id\":\"share-" + i + "\",\"text\":\"message " + i
                    + " about a parcel that arrived late and a refund\"}";
            records.add(RawRecord.newBuilder()
                    .setKey(null)
                    .setValue(ByteBuffer.wrap(json.getBytes(StandardCharsets.UTF_8)))
                    .setProvenance(new KafkaProvenance("sharing", 0, (long) i, Instant.parse("2026-11-22T00:00:00Z")))
                    .build());
        }
        return records;
    }

    @Test
    void twoInferenceSubtasksInOneJvmOpenOneEnginePerModel() throws Exception {
        subtasksWithOutput = new CountDownLatch(SUBTASKS);
        subtasksSampled = new CountDownLatch(SUBTASKS);
        MOST_ENGINES_SEEN.set(0);
        SAMPLED_SUBTASKS.clear();
        int before = SharedModels.openEngines();
        List<ModelTask> tasks = List.of(
                ModelTask.embed("embed", TestPipeline.embedder().toString(), null),
                ModelTask.tag("tag", TestPipeline.tagger().toString(), null, 2, 0f));
        EngineSettings engine = new EngineSettings("cpu", 1, null, null, Duration.ofMillis(2), null);
        long timeoutMillis = 60_000;

        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(SUBTASKS);
        DataStream<RawRecord> raw = env.fromData(records()).map(new HoldLastRecordUntilSampled()).rebalance();
        DataStream<DecodedRecord> decoded =
                raw.process(new DecodeFunction(InputFormat.JSON, TextRecordValidator.defaults()));
        DataStream<TokenizedDocument> tokenized =
                decoded.process(new TokenizeFunction(tasks, ModelRepository.defaults()));
        DataStream<EnrichedDocument> documents = AsyncDataStream.unorderedWait(tokenized,
                        new InferenceFunction(tasks, ModelRepository.defaults(), engine, timeoutMillis),
                        timeoutMillis, TimeUnit.MILLISECONDS, 4)
                .map(new EngineProbe())
                .process(new SplitOutcomes());

        List<String> enriched = new ArrayList<>();
        try (CloseableIterator<EnrichedDocument> results = documents.executeAndCollect("engine-sharing")) {
            results.forEachRemaining(doc -> enriched.add(doc.getId()));
        }

        LOG.info("Engine sharing: {} documents enriched, at most {} engines open while {} subtasks ran",
                enriched.size(), MOST_ENGINES_SEEN.get(), SAMPLED_SUBTASKS.size());
        assertThat(enriched).hasSize(RECORDS).doesNotHaveDuplicates();
        assertThat(SAMPLED_SUBTASKS).as("both inference subtasks were sampled").containsExactlyInAnyOrder(0, 1);
        assertThat(MOST_ENGINES_SEEN.get())
                .as("engines open while both subtasks ran: one per model (embedder, tagger), not one per subtask")
                .isEqualTo(before + tasks.size());
        assertThat(SharedModels.openEngines()).as("the finished job released its engines").isEqualTo(before);
    }

    /** Keeps the input open, by holding its last record back, until every probe subtask has sampled. */
    private static final class HoldLastRecordUntilSampled implements MapFunction<RawRecord, RawRecord> {

        @Override
        public RawRecord map(RawRecord record) throws InterruptedException {
            if (record.getProvenance().getOffset() == RECORDS - 1
                    && !subtasksSampled.await(LATCH_SECONDS, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the probes sampled " + (SUBTASKS - subtasksSampled.getCount())
                        + " of " + SUBTASKS + " subtasks within " + LATCH_SECONDS + " s, expected all");
            }
            return record;
        }
    }

    /** Samples the engines open in this JVM once both inference subtasks are producing output. */
    private static final class EngineProbe extends RichMapFunction<InferenceOutcome, InferenceOutcome> {

        private transient boolean sampled;

        @Override
        public void open(OpenContext openContext) {
            sampled = false;
        }

        @Override
        public InferenceOutcome map(InferenceOutcome outcome) throws InterruptedException {
            if (!sampled) {
                subtasksWithOutput.countDown();
                if (!subtasksWithOutput.await(LATCH_SECONDS, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("only " + (SUBTASKS - subtasksWithOutput.getCount()) + " of "
                            + SUBTASKS + " inference subtasks produced output within " + LATCH_SECONDS + " s");
                }
                MOST_ENGINES_SEEN.accumulateAndGet(SharedModels.openEngines(), Math::max);
                SAMPLED_SUBTASKS.add(getRuntimeContext().getTaskInfo().getIndexOfThisSubtask());
                sampled = true;
                subtasksSampled.countDown();
            }
            return outcome;
        }
    }
}
