package io.textintel.it.elasticsearch;

import static org.assertj.core.api.Assertions.assertThat;

import io.textintel.it.support.TestServices;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.connector.testframe.TestResource;
import org.apache.flink.connector.testframe.environment.MiniClusterTestEnvironment;
import org.apache.flink.connector.testframe.environment.TestEnvironment;
import org.apache.flink.connector.testframe.environment.TestEnvironmentSettings;
import org.apache.flink.connector.testframe.external.ExternalContextFactory;
import org.apache.flink.connector.testframe.external.sink.TestingSinkSettings;
import org.apache.flink.connector.testframe.junit.annotations.TestContext;
import org.apache.flink.connector.testframe.junit.annotations.TestEnv;
import org.apache.flink.connector.testframe.junit.annotations.TestExternalSystem;
import org.apache.flink.connector.testframe.junit.annotations.TestSemantics;
import org.apache.flink.connector.testframe.testsuites.SinkTestSuiteBase;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.util.RestartStrategyUtils;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.TestTemplate;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Flink's connector test suite ({@link SinkTestSuiteBase}) for the project's Elasticsearch sink,
 * on a Flink MiniCluster and the shared test Elasticsearch node ({@link TestServices}).
 *
 * <p>Every case of the suite runs in both semantics: a plain bounded job, stop with a savepoint and
 * restore at the same, a higher and a lower parallelism, and the sink's {@code numRecordsSend}
 * metric; and one case of the project's own, a replay after a failure ({@link #replayAfterFailure}).
 * Each case writes random records to a fresh index ({@link ElasticsearchSinkExternalContext})
 * and reads them back: {@code AT_LEAST_ONCE} asks for every record at least once, {@code EXACTLY_ONCE}
 * for every record exactly once, which the sink gives by deterministic {@code _id}s.
 *
 * <p>The suite waits without a limit of its own for the index to hold what it expects, so each
 * case has a {@link Timeout}: a sink that loses a record fails the case instead of hanging the
 * build.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ElasticsearchSinkTestSuiteITCase extends SinkTestSuiteBase<String> {

    private static final Logger LOG = LoggerFactory.getLogger(ElasticsearchSinkTestSuiteITCase.class);

    /** Checkpoint interval of the replay case. */
    private static final Duration REPLAY_CHECKPOINT_INTERVAL = Duration.ofMillis(500);

    /**
     * Least time from a completed checkpoint to the next in the replay case: longer than the
     * {@value #RECORDS_BEFORE_FAILURE} records before the injected failure take, so that the failure
     * always falls between two checkpoints.
     */
    private static final Duration REPLAY_MIN_PAUSE = Duration.ofSeconds(1);

    /** Records after a checkpoint before the injected failure: 300 ms of them, three bulk intervals. */
    private static final int RECORDS_BEFORE_FAILURE = 30;

    /** One TaskManager with six slots, enough for the suite's largest job (sink parallelism 4). */
    @TestEnv
    final MiniClusterTestEnvironment flink = new MiniClusterTestEnvironment();

    @TestExternalSystem
    final TestResource elasticsearch = new SharedElasticsearch();

    @TestContext
    final ExternalContextFactory<ElasticsearchSinkExternalContext> contexts =
            testName -> new ElasticsearchSinkExternalContext(
                    TestServices.elasticsearchUrl(), ElasticsearchSinkExternalContext.indexNameFor(testName));

    @TestSemantics
    final CheckpointingMode[] semantics = {CheckpointingMode.EXACTLY_ONCE, CheckpointingMode.AT_LEAST_ONCE};

    /**
     * Not a case of Flink's suite: the job fails once, after records that follow the latest
     * completed checkpoint have reached Elasticsearch, and restarts from that checkpoint, so the
     * sink writes those records a second time. The index must still hold every record exactly once
     * (or at least once, in that semantic), and some documents must show a second write
     * ({@code _version} 2), which proves the replay happened and was absorbed by the deterministic
     * {@code _id}s. The suite's own cases restore only from savepoints taken after a full flush,
     * where nothing is replayed.
     */
    @TestTemplate
    @DisplayName("Test sink replaying records after a failure")
    void replayAfterFailure(
            TestEnvironment testEnv, ElasticsearchSinkExternalContext externalContext, CheckpointingMode semantic)
            throws Exception {
        TestingSinkSettings settings = TestingSinkSettings.builder().setCheckpointingMode(semantic).build();
        List<String> records = externalContext.generateTestData(settings, ThreadLocalRandom.current().nextLong());
        StreamExecutionEnvironment env = testEnv.createExecutionEnvironment(TestEnvironmentSettings.builder().build());
        env.enableCheckpointing(REPLAY_CHECKPOINT_INTERVAL.toMillis());
        env.getCheckpointConfig().setMinPauseBetweenCheckpoints(REPLAY_MIN_PAUSE.toMillis());
        RestartStrategyUtils.configureFixedDelayRestartStrategy(env, 1, 0L);
        String failureKey = externalContext.index();
        env.fromData(records).setParallelism(1)
                .map(new FailOnceAfterCheckpoint(failureKey, RECORDS_BEFORE_FAILURE)).setParallelism(1)
                .sinkTo(externalContext.createSink(settings)).setParallelism(2).name("replaySink");

        env.executeAsync("Replay test").getJobExecutionResult().get(2, TimeUnit.MINUTES);

        assertThat(FailOnceAfterCheckpoint.hasFailed(failureKey))
                .as("the job failed once after a checkpoint, so that the sink replays").isTrue();
        ElasticsearchIndexReader reader = externalContext.createSinkDataReader(settings);
        checkResultWithSemantic(reader, records, semantic);
        assertThat(reader.documentsWrittenMoreThanOnce())
                .as("documents of %d written a second time by the replay", records.size())
                .isPositive();
    }

    /**
     * Passes records on at about {@value #THROTTLE_MILLIS} ms each and throws once per key, at the
     * {@code recordsBeforeFailure}-th record after a completed checkpoint, if no newer checkpoint
     * completed meanwhile: by then those records are in bulk requests (flushed every 100 ms) that
     * the restored job sends again. The key outlives the failed attempt in a static set, so the
     * restarted job runs through.
     */
    private static final class FailOnceAfterCheckpoint extends RichMapFunction<String, String>
            implements CheckpointListener {

        private static final long serialVersionUID = 1L;
        private static final long THROTTLE_MILLIS = 10;
        private static final Set<String> FAILED = ConcurrentHashMap.newKeySet();

        private final String key;
        private final int recordsBeforeFailure;
        /** Records since the latest completed checkpoint; -1 before the first one. */
        private transient int sinceCheckpoint;

        FailOnceAfterCheckpoint(String key, int recordsBeforeFailure) {
            this.key = key;
            this.recordsBeforeFailure = recordsBeforeFailure;
        }

        static boolean hasFailed(String key) {
            return FAILED.contains(key);
        }

        @Override
        public void open(OpenContext openContext) {
            sinceCheckpoint = -1;
        }

        @Override
        public String map(String record) throws InterruptedException {
            Thread.sleep(THROTTLE_MILLIS);
            if (sinceCheckpoint >= 0 && ++sinceCheckpoint >= recordsBeforeFailure && FAILED.add(key)) {
                throw new IllegalStateException(String.format(
                        "Failure injected %d records after a checkpoint, so that the sink replays them.",
                        sinceCheckpoint));
            }
            return record;
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            sinceCheckpoint = 0;
        }
    }

    /**
     * The node all integration tests of this JVM share: started (if no test has yet) before the
     * suite, and left running after it, since {@link TestServices} stops it when the JVM exits.
     */
    private static final class SharedElasticsearch implements TestResource {

        @Override
        public void startUp() {
            LOG.info("Connector test suite for the Elasticsearch sink runs against {} on {}",
                    TestServices.elasticsearchUrl(), TestServices.path());
        }

        @Override
        public void tearDown() {
        }
    }
}
