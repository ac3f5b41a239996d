package io.textintel.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.textintel.it.support.FlinkProcessCluster;
import io.textintel.it.support.FlinkRestClient;
import io.textintel.it.support.KillScenario;
import io.textintel.it.support.TestPipeline;
import io.textintel.it.support.TestServices;
import io.textintel.jobs.PipelineSetup;
import io.textintel.jobs.TextIntelligenceJob;
import io.textintel.jobs.config.PipelineConfigLoader;

import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The shaded job jar on a real multi-process Flink standalone session cluster: one JobManager and
 * two TaskManagers of one slot each, separate JVMs started from Flink's entry points (see
 * {@link FlinkProcessCluster}, which also says how the cluster's classpath is built from Maven
 * Central artifacts). The jar is uploaded and run through Flink's REST API with parallelism 2, so
 * each TaskManager runs one subtask of every operator; records are produced while it runs, one
 * TaskManager is SIGKILLed mid-stream and a replacement TaskManager is started, as Kubernetes
 * restarts a TaskManager pod. Afterwards Elasticsearch must hold every valid input exactly once,
 * equal to a failure-free reference run, and every invalid input must be a dead letter, once
 * ({@link KillScenario#verify}).
 *
 * <p>Then the job is cancelled and the same jar submitted again, on a new topic and index with a few
 * records: the TaskManagers' JVMs give it a new user-code class loader, under which DJL's tokenizer
 * would fail with "libtokenizers.so already loaded in another classloader" if it came from the job jar.
 * The TaskManagers therefore have {@code jobs/target/native-lib} on their class path (Flink's lib/) and
 * {@code classloader.parent-first-patterns.additional: ai.djl.;jcuda.}, as the README's cluster section
 * and the image do; {@code NativeLibraryClassLoadersITCase} shows the failure without them.
 *
 * <p>Set-up happens before submission, as {@code textintel setup} would do it: topics and index
 * templates ({@link PipelineSetup#prepare}); the models are generated checkpoints on the local disk,
 * which every process of the cluster sees, with the hub offline and its cache in the test's directory.
 *
 * <p>The cluster's {@code config.yaml} sets heartbeats of 1 s with a 10 s timeout, so that the
 * JobManager gives up the killed TaskManager's slot within seconds rather than Flink's default 50 s;
 * checkpoints go to a directory on the local disk that all processes share, as a cluster's shared
 * file system. Needs {@code jobs/target/flink-lib} and {@code jobs/target/textintel-jobs.jar} (the
 * {@code jobs} module's package phase); {@code -Dtextintel.kill.seed=N} repeats a run's kill time.
 */
class StandaloneClusterITCase {

    private static final Logger LOG = LoggerFactory.getLogger(StandaloneClusterITCase.class);
    private static final int RECORDS = 4_000;
    private static final Duration PRODUCTION = Duration.ofSeconds(16);
    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    private static final int RESUBMITTED_RECORDS = 40;

    @Test
    void shadedJarRecoversFromTaskManagerSigkillWithEveryInputIndexedOnce() throws Exception {
        Path jobsTarget = Path.of(System.getProperty("textintel.jobs.target", "../jobs/target")).toAbsolutePath();
        Path jar = jobsTarget.resolve("textintel-jobs.jar");
        assertThat(jar).as("the shaded job jar (jobs module, package phase)").isRegularFile();
        long seed = Long.getLong("textintel.kill.seed", System.nanoTime());
        Random random = new Random(seed);

        KillScenario scenario = KillScenario.create("cluster", RECORDS);
        Path work = Files.createDirectories(Path.of("target", "flink-cluster-" + TestPipeline.uniqueSuffix()))
                .toAbsolutePath();
        List<String> overrides = new ArrayList<>(scenario.killedRunOverrides());
        overrides.add("hub.cache-dir=" + Files.createDirectories(work.resolve("hub-cache")));
        overrides.add("hub.offline=true");
        overrides.add("checkpointing.directory=file://" + work.resolve("checkpoints"));
        Path pipelineFile = work.resolve("pipeline.yaml");
        Files.writeString(pipelineFile, TestPipeline.BASE_YAML);
        PipelineSetup.prepare(PipelineConfigLoader.load(pipelineFile, overrides));
        LOG.info("Standalone cluster kill on {}: {} records, seed {}, cluster in {}", TestServices.path(), RECORDS,
                seed, work);

        List<String> programArgs = new ArrayList<>(List.of("--config", pipelineFile.toString()));
        overrides.forEach(o -> programArgs.addAll(List.of("--set", o)));
        List<String> jvmFlags = FlinkProcessCluster.jvmModuleFlags(System.getProperty("textintel.flink.jvm.opens", ""),
                System.getProperty("textintel.flink.jvm.exports", ""));
        Map<String, String> settings = Map.of("heartbeat.interval", "1000", "heartbeat.timeout", "10000",
                "classloader.parent-first-patterns.additional", "ai.djl.;jcuda.");

        long clusterStart = System.nanoTime();
        try (FlinkProcessCluster cluster = FlinkProcessCluster.start(work,
                List.of(jobsTarget.resolve("flink-lib"), jobsTarget.resolve("native-lib")), jvmFlags,
                2, 1, settings, TIMEOUT)) {
            try {
                FlinkRestClient rest = cluster.rest();
                long clusterMillis = millisSince(clusterStart);
                long submitStart = System.nanoTime();
                String jarId = rest.uploadJar(jar);
                String jobId = rest.runJar(jarId, TextIntelligenceJob.class.getName(), programArgs, 2);
                awaitAllTasksRunning(rest, jobId, -1);
                long submitMillis = millisSince(submitStart);
                LOG.info("Job {} running on the cluster {} ms after upload; cluster up in {} ms", jobId, submitMillis,
                        clusterMillis);

                Thread producer = scenario.produceInFlight(PRODUCTION);
                // A random moment in the middle half of the production, so the kill lands with records in flight.
                Thread.sleep(PRODUCTION.toMillis() / 4 + random.nextLong(PRODUCTION.toMillis() / 2));
                List<FlinkProcessCluster.Node> taskManagers = cluster.liveTaskManagers();
                FlinkProcessCluster.Node victim = taskManagers.get(random.nextInt(taskManagers.size()));
                int produced = scenario.produced();
                long indexed = KillScenario.count(scenario.killed().index());
                int attempt = rest.latestAttempt(jobId);
                long killed = System.nanoTime();
                cluster.kill(victim);
                cluster.startTaskManager();
                awaitAllTasksRunning(rest, jobId, attempt);
                long allRunningMillis = millisSince(killed);
                // Replays rewrite documents under their ids; the count grows when the restarted job indexes a new input.
                long firstNewDocument = awaitMoreDocuments(scenario, KillScenario.count(scenario.killed().index()),
                        killed);
                LOG.info("SIGKILL of {} (pid {}, exit {}) with {} records produced and {} indexed; all tasks running"
                        + " again after {} ms", victim.name(), victim.pid(), victim.process().exitValue(), produced,
                        indexed, allRunningMillis);

                producer.join();
                scenario.awaitAllIndexed(Duration.ofSeconds(180));
                // Let the last checkpoints commit what the final bulk requests, dead letters and drift reports wrote.
                Thread.sleep(2_000);
                scenario.awaitDriftCommitted(Duration.ofSeconds(60));
                FlinkRestClient.CheckpointStats checkpoints = rest.checkpoints(jobId);
                int restarts = rest.latestAttempt(jobId);
                rest.cancel(jobId);

                scenario.runReference();
                KillScenario.Figures figures = scenario.verify("Standalone cluster TaskManager SIGKILL");
                LOG.info("Standalone cluster (1 JobManager, 2 TaskManagers, separate JVMs) on {}: {} records in, {}"
                                + " documents out, {} duplicates, {} lost; dead letters {} ({} duplicates, {} lost);"
                                + " drift reports on Kafka {} ({} duplicates); cluster up {} ms, upload to all tasks"
                                + " running {} ms; SIGKILL of a TaskManager at {} produced/{} indexed: kill to all tasks"
                                + " running {} ms, kill to first new document after restart {} ms; {} task restarts; {} checkpoints"
                                + " completed ({} failed, {} restored), duration min/avg/max {}/{}/{} ms; seed {}",
                        TestServices.path(), figures.recordsIn(), figures.distinctDocuments(),
                        figures.duplicateDocuments(), figures.lostDocuments(), figures.deadLetters(),
                        figures.duplicateDeadLetters(), figures.lostDeadLetters(), figures.driftReports(),
                        figures.duplicateDriftReports(), clusterMillis, submitMillis, produced, indexed,
                        allRunningMillis, firstNewDocument, restarts, checkpoints.completed(), checkpoints.failed(),
                        checkpoints.restored(), checkpoints.minMillis(), checkpoints.avgMillis(),
                        checkpoints.maxMillis(), seed);
                assertThat(restarts).as("times the tasks were restarted").isGreaterThanOrEqualTo(1);
                assertThat(checkpoints.restored()).as("restores from a checkpoint").isGreaterThanOrEqualTo(1);

                resubmitUnderNewUserCodeClassLoader(rest, jarId, jobId, work);
            } catch (Exception | AssertionError e) {
                LOG.error("Standalone cluster test failed; the cluster's logs:\n{}", cluster.logTails(80));
                throw e;
            }
        }
    }

    /**
     * Waits until {@code cancelled} is terminal, then runs the uploaded jar again on a topic and index of its
     * own and waits until its records are indexed: a second job in the same TaskManager JVMs.
     */
    private static void resubmitUnderNewUserCodeClassLoader(FlinkRestClient rest, String jarId, String cancelled,
            Path work) throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!rest.job(cancelled).globallyTerminal()) {
            assertThat(System.nanoTime()).as("job %s terminal after cancel", cancelled).isLessThan(deadline);
            Thread.sleep(50);
        }
        long start = System.nanoTime();
        String suffix = TestPipeline.uniqueSuffix();
        String topic = "resubmit-in-" + suffix;
        String index = "resubmit-docs-" + suffix;
        List<String> overrides = new ArrayList<>(TestPipeline.overrides(topic, "json", "resubmit-dl-" + suffix, index));
        overrides.addAll(List.of("kafka.bounded=false", "checkpointing.interval=300ms",
                "hub.cache-dir=" + work.resolve("hub-cache"), "hub.offline=true",
                "checkpointing.directory=file://" + work.resolve("checkpoints-resubmitted")));
        Path pipelineFile = work.resolve("pipeline.yaml");
        PipelineSetup.prepare(PipelineConfigLoader.load(pipelineFile, overrides));
        List<String> programArgs = new ArrayList<>(List.of("--config", pipelineFile.toString()));
        overrides.forEach(o -> programArgs.addAll(List.of("--set", o)));
        String jobId = rest.runJar(jarId, TextIntelligenceJob.class.getName(), programArgs, 2);
        awaitAllTasksRunning(rest, jobId, -1);
        List<byte[]> records = new ArrayList<>();
        for (int i = 0; i < RESUBMITTED_RECORDS; i++) {
            records.add(String.format("{\"id\":\"r-%03d\",\"text\":\"my refund after resubmission %d\","
                    + "\"language\":\"en\",\"event_time\":\"2026-01-01T00:%02d:00Z\"}", i, i, i)
                    .getBytes(StandardCharsets.UTF_8));
        }
        TestPipeline.produce(topic, records);
        int indexed = TestPipeline.awaitDocuments(index, RESUBMITTED_RECORDS, TIMEOUT);
        rest.cancel(jobId);
        LOG.info("Resubmitted job {} (new user-code class loaders in the same TaskManager JVMs, DJL parent-first"
                + " from native-lib): {} records in, {} documents, {} ms from submission", jobId, RESUBMITTED_RECORDS,
                indexed, millisSince(start));
        assertThat(indexed).as("documents of the resubmitted job").isEqualTo(RESUBMITTED_RECORDS);
    }

    /**
     * Waits until the job is RUNNING with every subtask RUNNING and (after a kill) some subtask's
     * attempt number is above {@code attemptBefore}; the job must never reach a terminal state.
     */
    private static void awaitAllTasksRunning(FlinkRestClient rest, String jobId, int attemptBefore) throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        FlinkRestClient.JobState state = null;
        while (System.nanoTime() < deadline) {
            state = rest.job(jobId);
            assertThat(state.globallyTerminal()).as("job state %s", state.state()).isFalse();
            if (state.allTasksRunning() && rest.latestAttempt(jobId) > attemptBefore) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the job's tasks were not all running within " + TIMEOUT + "; last state " + state);
    }

    /** Waits until the killed run's index holds more than {@code before} documents; millis since {@code since}
     * (-1 when every valid input was indexed already). */
    private static long awaitMoreDocuments(KillScenario scenario, long before, long since) throws Exception {
        if (before >= scenario.validRecords()) {
            return -1; // everything was indexed before the restart: nothing new to wait for
        }
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (KillScenario.count(scenario.killed().index()) > before) {
                return millisSince(since);
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no new document within " + TIMEOUT + " of the kill");
    }

    private static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }
}
