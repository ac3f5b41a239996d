package io.textintel.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.textintel.it.support.FlinkProcessCluster;
import io.textintel.it.support.JobJar;
import io.textintel.it.support.KillScenario;
import io.textintel.it.support.TestPipeline;
import io.textintel.it.support.TestServices;
import io.textintel.jobs.PipelineSetup;
import io.textintel.jobs.RetainedCheckpoints;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.LongSummaryStatistics;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The whole {@code textintel run} JVM is killed with SIGKILL mid-stream, more than once, and each time
 * started again with {@code --from-checkpoint latest}. Afterwards Elasticsearch must hold every valid
 * input exactly once, equal to a failure-free run of the same input, and every invalid input must be a
 * dead letter.
 *
 * <p>The job runs as a separate process of the test's class path
 * ({@code java -cp ... io.textintel.jobs.cli.TextIntelCommand run --config ...}); its log (Flink's
 * checkpoint coordinator at INFO) gives the checkpoint durations and the restored checkpoints.
 * {@code -Dtextintel.soak=true} runs 30,000 records and five kills instead of 10,200 and two;
 * {@code -Dtextintel.kill.seed=N} repeats a run's kill times.
 */
class RunProcessKillITCase {

    private static final Logger LOG = LoggerFactory.getLogger(RunProcessKillITCase.class);
    private static final boolean SOAK = Boolean.getBoolean("textintel.soak");
    private static final int RECORDS = SOAK ? 30_000 : 10_200;
    private static final int KILLS = SOAK ? 5 : 2;
    private static final Duration PRODUCTION = Duration.ofSeconds(SOAK ? 120 : 30);
    private static final Pattern COMPLETED = Pattern.compile(
            "^(\\d+) .*Completed checkpoint (\\d+) for job \\S+ \\((\\d+) bytes, checkpointDuration=(\\d+) ms");
    private static final Pattern RESTORED = Pattern.compile("Restoring job \\S+ from (.+)\\.$");

    @TempDir
    Path dir;

    /** One {@code textintel run} process and the files it writes. */
    private record Run(Process process, Path console, Path log, long startedMillis) {}

    @Test
    void everyInputIsIndexedExactlyOnceWhenTheRunJvmIsKilledAndRestartedFromItsLatestCheckpoint()
            throws Exception {
        long seed = Long.getLong("textintel.kill.seed", System.nanoTime());
        Random random = new Random(seed);
        LOG.info("SIGKILL of textintel run on {}: {} records, {} kills, seed {}", TestServices.path(), RECORDS,
                KILLS, seed);
        KillScenario scenario = KillScenario.create("sigkill", RECORDS);
        Path checkpoints = dir.resolve("checkpoints");
        List<String> overrides = new ArrayList<>(scenario.killedRunOverrides());
        overrides.add("checkpointing.directory=" + checkpoints.toUri());
        Path config = Files.writeString(dir.resolve("pipeline.yaml"), TestPipeline.BASE_YAML);
        Path log4j = Files.writeString(dir.resolve("log4j2.properties"), LOG4J);
        PipelineSetup.prepare(scenario.killedRunConfig());

        List<Run> runs = new ArrayList<>();
        List<Long> recoveryMillis = new ArrayList<>();
        List<String> restored = new ArrayList<>();
        List<String> killedAt = new ArrayList<>();
        Thread producer = null;
        try {
            Run run = start(runs.size(), config, overrides, log4j, false);
            runs.add(run);
            awaitCompletedCheckpoint(run, Duration.ofSeconds(120));
            producer = scenario.produceInFlight(PRODUCTION);
            long window = PRODUCTION.toMillis() / KILLS;
            for (int kill = 0; kill < KILLS; kill++) {
                Thread.sleep(window / 4 + random.nextLong(window / 2));
                int produced = scenario.produced();
                long indexed = KillScenario.count(scenario.killed().index());
                run.process().destroyForcibly(); // SIGKILL: no shutdown hook, no final checkpoint
                assertThat(run.process().waitFor(30, TimeUnit.SECONDS)).as("killed process exits").isTrue();
                long killed = System.currentTimeMillis();
                killedAt.add(produced + " produced/" + indexed + " indexed");
                RetainedCheckpoints.Checkpoint latest = RetainedCheckpoints.latest(checkpoints).orElseThrow();

                run = start(runs.size(), config, overrides, log4j, true);
                runs.add(run);
                long firstCheckpoint = awaitCompletedCheckpoint(run, Duration.ofSeconds(120));
                recoveryMillis.add(firstCheckpoint - killed);
                String console = Files.readString(run.console());
                assertThat(console).as("the restarted run says what it restores")
                        .contains("Restoring from checkpoint " + latest.folder());
                String restoredFrom = restoredCheckpoint(run);
                assertThat(restoredFrom).as("the checkpoint Flink restored").contains(latest.folder().toString());
                restored.add("chk-" + latest.id());
                LOG.info("Kill {}: SIGKILL with {} records produced and {} indexed; restarted from {}; first"
                        + " checkpoint of the new run {} ms after the kill", kill + 1, produced, indexed,
                        latest.folder(), firstCheckpoint - killed);
            }
            producer.join();
            scenario.awaitAllIndexed(Duration.ofSeconds(SOAK ? 600 : 180));
            // The dead letters and drift reports of the last records are committed by the next checkpoints.
            int checkpointsNow = completedCheckpoints(run).size();
            awaitCheckpointCount(run, checkpointsNow + 2, Duration.ofSeconds(60));
            scenario.awaitDriftCommitted(Duration.ofSeconds(60));
        } finally {
            if (producer != null) {
                producer.interrupt();
            }
            // Everything checked below is committed by now; the last run needs no orderly stop either.
            for (Run run : runs) {
                run.process().destroyForcibly();
                run.process().waitFor(30, TimeUnit.SECONDS);
            }
        }
        for (Run run : runs) {
            assertThat(Files.readString(run.console())).as("console of %s", run.console()).contains("Running ");
        }

        scenario.runReference();
        KillScenario.Figures figures = scenario.verify("SIGKILL of textintel run");
        LongSummaryStatistics durations = new LongSummaryStatistics();
        for (Run run : runs) {
            completedCheckpoints(run).forEach(c -> durations.accept(c[2]));
        }
        LOG.info("SIGKILL of textintel run: {} records in, {} documents out, {} duplicates, {} lost, {} kills at"
                        + " [{}], {} restarts from {}, recovery (kill to the new run's first checkpoint) {} ms,"
                        + " {} checkpoints completed, checkpoint duration min/avg/max {}/{}/{} ms; dead letters {}"
                        + " ({} duplicates, {} lost), drift reports on Kafka {} ({} duplicates), documents rewritten"
                        + " by replays {}; seed {}",
                figures.recordsIn(), figures.distinctDocuments(), figures.duplicateDocuments(),
                figures.lostDocuments(), KILLS, String.join(", ", killedAt), runs.size() - 1, restored,
                recoveryMillis, durations.getCount(), durations.getMin(), Math.round(durations.getAverage()),
                durations.getMax(), figures.deadLetters(), figures.duplicateDeadLetters(), figures.lostDeadLetters(),
                figures.driftReports(), figures.duplicateDriftReports(), figures.documentsRewrittenByReplay(), seed);
        assertThat(figures.documentsRewrittenByReplay()).as("documents written again after restoring: a run that"
                + " restored nothing would rewrite every earlier one").isLessThan(figures.distinctDocuments());
    }

    private Run start(int number, Path config, List<String> overrides, Path log4j, boolean fromLatest)
            throws IOException {
        Path console = dir.resolve("run-" + number + ".out");
        Path log = dir.resolve("run-" + number + ".log");
        // The deployable artifact on the Flink runtime, with the JVM flags bin/textintel passes.
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(FlinkProcessCluster.jvmModuleFlags(System.getProperty("textintel.flink.jvm.opens", ""),
                System.getProperty("textintel.flink.jvm.exports", "")));
        command.addAll(List.of("-Xmx1g",
                "-Dlog4j2.configurationFile=" + log4j.toUri(),
                "-Dtextintel.log.file=" + log,
                "-cp", JobJar.classpath(),
                "io.textintel.jobs.cli.TextIntelCommand", "run", "--config", config.toString()));
        for (String override : overrides) {
            command.add("--set");
            command.add(override);
        }
        if (fromLatest) {
            command.add("--from-checkpoint");
            command.add("latest");
        }
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(console.toFile()).start();
        LOG.info("Started textintel run {} (pid {}){}", number, process.pid(), fromLatest ? " --from-checkpoint latest"
                : "");
        return new Run(process, console, log, System.currentTimeMillis());
    }

    /** Waits for the run's first completed checkpoint and returns when it completed (epoch millis). */
    private static long awaitCompletedCheckpoint(Run run, Duration timeout) throws Exception {
        return awaitCheckpointCount(run, 1, timeout);
    }

    private static long awaitCheckpointCount(Run run, int count, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            List<long[]> completed = completedCheckpoints(run);
            if (completed.size() >= count) {
                return completed.get(count - 1)[0];
            }
            if (!run.process().isAlive()) {
                throw new AssertionError("textintel run exited with " + run.process().exitValue() + ":\n"
                        + Files.readString(run.console()));
            }
            Thread.sleep(100);
        }
        throw new AssertionError("textintel run completed no " + count + " checkpoints within " + timeout
                + ":\n" + Files.readString(run.console()));
    }

    /** The run's completed checkpoints: [completion time (epoch millis), id, duration (ms)]. */
    private static List<long[]> completedCheckpoints(Run run) throws IOException {
        List<long[]> completed = new ArrayList<>();
        if (!Files.exists(run.log())) {
            return completed;
        }
        for (String line : Files.readAllLines(run.log(), StandardCharsets.UTF_8)) {
            Matcher m = COMPLETED.matcher(line);
            if (m.find()) {
                completed.add(new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2)),
                    Long.parseLong(m.group(4))});
            }
        }
        return completed;
    }

    private static String restoredCheckpoint(Run run) throws IOException {
        for (String line : Files.readAllLines(run.log(), StandardCharsets.UTF_8)) {
            Matcher m = RESTORED.matcher(line);
            if (m.find()) {
                return m.group(1);
            }
        }
        throw new AssertionError("no 'Restoring job' line in " + run.log());
    }

    /** The run's log: warnings, textintel at INFO, and Flink's checkpoint coordinator at INFO, with epoch millis. */
    private static final String LOG4J = """
            rootLogger.level = WARN
            rootLogger.appenderRef.file.ref = file
            appender.file.type = File
            appender.file.name = file
            appender.file.fileName = ${sys:textintel.log.file}
            appender.file.layout.type = PatternLayout
            appender.file.layout.pattern = %d{UNIX_MILLIS} %-5p [%t] %c{1}: %m%n
            logger.checkpoints.name = org.apache.flink.runtime.checkpoint.CheckpointCoordinator
            logger.checkpoints.level = INFO
            logger.textintel.name = io.textintel
            logger.textintel.level = INFO
            """;
}
