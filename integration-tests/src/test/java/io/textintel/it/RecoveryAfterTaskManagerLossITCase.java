package io.textintel.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.textintel.it.support.TestPipeline;
import io.textintel.it.support.TestServices;
import io.textintel.jobs.PipelineSetup;
import io.textintel.jobs.TextIntelligenceJob;
import io.textintel.jobs.config.PipelineConfig;

import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A TaskManager dies while the job runs: the job restarts from its last checkpoint on the remaining
 * TaskManager, and every input ends up in Elasticsearch exactly once, with the same content as
 * before the failure.
 */
class RecoveryAfterTaskManagerLossITCase {

    private static final Logger LOG = LoggerFactory.getLogger(RecoveryAfterTaskManagerLossITCase.class);
    private static final int HALF = 40;

    /** Two TaskManagers of two slots, subtasks spread over both, so losing one always fails the job. */
    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder()
                    .setNumberTaskManagers(2)
                    .setNumberSlotsPerTaskManager(2)
                    .setConfiguration(spreadOutSlots())
                    .build());

    private static Configuration spreadOutSlots() {
        Configuration conf = new Configuration();
        conf.set(TaskManagerOptions.TASK_MANAGER_LOAD_BALANCE_MODE, TaskManagerOptions.TaskManagerLoadBalanceMode.SLOTS);
        return conf;
    }

    private static List<byte[]> records(int from, int to) {
        List<byte[]> records = new ArrayList<>();
        for (int i = from; i < to; i++) {
            records.add(("{\"id\":\"f-" + i + "\",\"text\":\"message " + i + " about a late parcel and a refund\"}")
                    .getBytes(StandardCharsets.UTF_8));
        }
        return records;
    }

    @Test
    void everyInputIsIndexedExactlyOnceAfterATaskManagerIsLost(@InjectMiniCluster MiniCluster cluster)
            throws Exception {
        LOG.info("Recovery test runs on {}", TestServices.path());
        String suffix = TestPipeline.uniqueSuffix();
        String topic = "recover-" + suffix;
        String index = "recover-docs-" + suffix;
        TestServices.createTopics(2, topic, "dlq-" + suffix);
        PipelineConfig config = TestPipeline.config(topic, "json", "dlq-" + suffix, index,
                "kafka.bounded=false", "checkpointing.interval=300ms");
        PipelineSetup.prepare(config);
        TestPipeline.produce(topic, records(0, HALF));

        Configuration flink = TextIntelligenceJob.flinkConfiguration(config);
        flink.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        flink.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 5);
        flink.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(500));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(flink);
        env.setParallelism(config.parallelism());
        new TextIntelligenceJob(config).addTo(env);
        JobClient job = env.executeAsync(config.jobName());
        try {
            assertThat(TestPipeline.awaitDocuments(index, HALF, Duration.ofSeconds(120))).as("documents in %s", index)
                    .isEqualTo(HALF);
            Map<String, Map<String, Object>> beforeFailure = TestPipeline.documents(index);

            cluster.terminateTaskManager(0).get();
            TestPipeline.produce(topic, records(HALF, 2 * HALF));
            assertThat(TestPipeline.awaitDocuments(index, 2 * HALF, Duration.ofSeconds(180))).as("documents in %s", index)
                    .isEqualTo(2 * HALF);

            long restartedAt = cluster.getExecutionGraph(job.getJobID()).get().getStatusTimestamp(JobStatus.RESTARTING);
            assertThat(restartedAt).as("the job restarted after losing a TaskManager").isPositive();
            TestPipeline.awaitRunning(job, Duration.ofSeconds(60));

            Map<String, Map<String, Object>> after = TestPipeline.documents(index);
            Set<String> expected = new TreeSet<>();
            for (int i = 0; i < 2 * HALF; i++) {
                expected.add("f-" + i);
            }
            assertThat(new TreeSet<>(after.keySet())).isEqualTo(expected);
            for (String id : beforeFailure.keySet()) {
                assertThat(after.get(id).get("embedding")).as("embedding of %s after recovery", id)
                        .isEqualTo(beforeFailure.get(id).get("embedding"));
                assertThat(after.get(id).get("topics")).isEqualTo(beforeFailure.get(id).get("topics"));
            }
        } finally {
            job.cancel().get();
        }
    }


}
