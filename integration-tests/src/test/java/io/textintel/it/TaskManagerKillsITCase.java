package io.textintel.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.textintel.it.support.KillScenario;
import io.textintel.it.support.TestServices;
import io.textintel.jobs.PipelineSetup;
import io.textintel.jobs.TextIntelligenceJob;
import io.textintel.jobs.config.PipelineConfig;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.checkpoint.CheckpointStatsSnapshot;
import org.apache.flink.runtime.util.stats.StatsSummarySnapshot;
import org.apache.flink.runtime.execution.ExecutionState;
import org.apache.flink.runtime.executiongraph.AccessExecutionGraph;
import org.apache.flink.runtime.executiongraph.AccessExecutionVertex;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * TaskManagers die at random moments while records flow: each time one of the MiniCluster's
 * TaskManagers is terminated (its tasks fail, the job restarts from its last checkpoint) and a new
 * one takes its place. Afterwards Elasticsearch must hold every valid input exactly once, equal to a
 * failure-free run of the same input, and every invalid input must be a dead letter.
 *
 * <p>{@code -Dtextintel.soak=true} runs 50,000 records and ten kills instead of 10,200 and three;
 * {@code -Dtextintel.kill.seed=N} repeats a run's kill times (the seed is logged).
 */
class TaskManagerKillsITCase {

    private static final Logger LOG = LoggerFactory.getLogger(TaskManagerKillsITCase.class);
    private static final boolean SOAK = Boolean.getBoolean("textintel.soak");
    private static final int RECORDS = SOAK ? 50_000 : 10_200;
    private static final int KILLS = SOAK ? 10 : 3;
    private static final Duration PRODUCTION = Duration.ofSeconds(SOAK ? 120 : 24);

    /**
     * Two TaskManagers of one slot each for a job of parallelism 2: each TaskManager always runs
     * tasks, so terminating either fails the job, also after restarts have moved the tasks around.
     */
    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder()
                    .setNumberTaskManagers(2)
                    .setNumberSlotsPerTaskManager(1)
                    .build());

    @Test
    void everyInputIsIndexedExactlyOnceWhileTaskManagersDieAtRandom(@InjectMiniCluster MiniCluster cluster)
            throws Exception {
        long seed = Long.getLong("textintel.kill.seed", System.nanoTime());
        Random random = new Random(seed);
        LOG.info("TaskManager kills on {}: {} records, {} kills, seed {}", TestServices.path(), RECORDS, KILLS, seed);
        KillScenario scenario = KillScenario.create("tmkill", RECORDS);
        PipelineConfig config = scenario.killedRunConfig();
        PipelineSetup.prepare(config);

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(
                TextIntelligenceJob.flinkConfiguration(config));
        env.setParallelism(config.parallelism());
        new TextIntelligenceJob(config).addTo(env);
        JobClient job = env.executeAsync(config.jobName());
        List<Long> recoveryMillis = new ArrayList<>();
        List<String> killedAt = new ArrayList<>();
        CheckpointStatsSnapshot checkpoints;
        int restarts;
        try {
            awaitAllTasksRunning(cluster, job.getJobID(), -1, Duration.ofSeconds(120));
            Thread producer = scenario.produceInFlight(PRODUCTION);
            int taskManagers = 2;
            List<Integer> alive = new ArrayList<>(List.of(0, 1));
            long window = PRODUCTION.toMillis() / KILLS;
            for (int kill = 0; kill < KILLS; kill++) {
                // A random moment in each share of the production time, so kills land all over the stream.
                Thread.sleep(window / 4 + random.nextLong(window / 2));
                int victim = alive.remove(random.nextInt(alive.size()));
                int produced = scenario.produced();
                long indexed = KillScenario.count(scenario.killed().index());
                int attempt = latestAttempt(cluster.getExecutionGraph(job.getJobID()).get());
                long start = System.nanoTime();
                cluster.terminateTaskManager(victim).get();
                cluster.startTaskManager();
                alive.add(taskManagers++);
                awaitAllTasksRunning(cluster, job.getJobID(), attempt, Duration.ofSeconds(120));
                long recovery = (System.nanoTime() - start) / 1_000_000;
                recoveryMillis.add(recovery);
                killedAt.add(produced + " produced/" + indexed + " indexed");
                LOG.info("Kill {}: TaskManager {} terminated with {} records produced and {} indexed; all tasks"
                        + " running again after {} ms", kill + 1, victim, produced, indexed, recovery);
            }
            producer.join();
            scenario.awaitAllIndexed(Duration.ofSeconds(SOAK ? 600 : 180));
            // Let the last checkpoints commit what the final bulk requests, dead letters and drift reports wrote.
            Thread.sleep(2_000);
            scenario.awaitDriftCommitted(Duration.ofSeconds(60));
            AccessExecutionGraph graph = cluster.getExecutionGraph(job.getJobID()).get();
            checkpoints = graph.getCheckpointStatsSnapshot();
            restarts = latestAttempt(graph);
        } finally {
            job.cancel().get();
        }

        scenario.runReference();
        KillScenario.Figures figures = scenario.verify("TaskManager kills");
        StatsSummarySnapshot durations = checkpoints.getSummaryStats().getEndToEndDurationStats();
        LOG.info("TaskManager kills: {} records in, {} documents out, {} duplicates, {} lost, {} kills at [{}],"
                        + " {} task restarts, recovery (kill to all tasks running) {} ms, {} checkpoints completed ({} failed),"
                        + " checkpoint duration min/avg/max {}/{}/{} ms; dead letters {} ({} duplicates, {} lost),"
                        + " drift reports on Kafka {} ({} duplicates), documents rewritten by replays {}; seed {}",
                figures.recordsIn(), figures.distinctDocuments(), figures.duplicateDocuments(),
                figures.lostDocuments(), KILLS, String.join(", ", killedAt), restarts, recoveryMillis,
                checkpoints.getCounts().getNumberOfCompletedCheckpoints(),
                checkpoints.getCounts().getNumberOfFailedCheckpoints(), durations.getMinimum(),
                durations.getAverage(), durations.getMaximum(), figures.deadLetters(),
                figures.duplicateDeadLetters(), figures.lostDeadLetters(), figures.driftReports(),
                figures.duplicateDriftReports(), figures.documentsRewrittenByReplay(), seed);
        assertThat(restarts).as("times the tasks were restarted").isGreaterThanOrEqualTo(KILLS);
        assertThat(checkpoints.getCounts().getNumberOfCompletedCheckpoints()).as("completed checkpoints")
                .isGreaterThan(KILLS);
    }

    /**
     * Waits until the job is RUNNING with every subtask RUNNING, and (after a kill) until the tasks
     * have been restarted: some attempt number is above {@code attemptBefore}.
     */
    private static void awaitAllTasksRunning(MiniCluster cluster, JobID job, int attemptBefore, Duration timeout)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            AccessExecutionGraph graph = cluster.getExecutionGraph(job).get();
            assertThat(graph.getState().isGloballyTerminalState()).as("job status %s", graph.getState()).isFalse();
            if (graph.getState() == JobStatus.RUNNING && latestAttempt(graph) > attemptBefore && allRunning(graph)) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the job's tasks were not all running again within " + timeout);
    }

    /** The highest execution attempt number of any subtask: how often the most restarted one was restarted. */
    private static int latestAttempt(AccessExecutionGraph graph) {
        int latest = 0;
        for (AccessExecutionVertex vertex : graph.getAllExecutionVertices()) {
            latest = Math.max(latest, vertex.getCurrentExecutionAttempt().getAttemptNumber());
        }
        return latest;
    }

    private static boolean allRunning(AccessExecutionGraph graph) {
        for (AccessExecutionVertex vertex : graph.getAllExecutionVertices()) {
            if (vertex.getExecutionState() != ExecutionState.RUNNING) {
                return false;
            }
        }
        return true;
    }
}
