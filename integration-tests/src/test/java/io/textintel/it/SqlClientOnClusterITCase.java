package io.textintel.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.textintel.it.support.FeedbackExample;
import io.textintel.it.support.FlinkProcessCluster;
import io.textintel.it.support.FlinkRestClient;
import io.textintel.it.support.TestPipeline;
import io.textintel.it.support.TestServices;

import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The example SQL script run with Flink's own SQL client on a multi-process standalone cluster, as
 * the README's "Flink SQL" section says to run it: {@code sql-client.sh -j textintel-jobs.jar -f
 * feedback.sql}. The cluster is a {@link FlinkProcessCluster} (a JobManager and one TaskManager, separate
 * JVMs on {@code jobs/target/flink-lib} and {@code native-lib}, with the settings of
 * {@code StandaloneClusterITCase}); the client is one more JVM, started as {@code bin/sql-client.sh}
 * starts it: Flink's lib/ and the SQL client, SQL gateway and flink-python jars of a distribution's
 * opt/ ({@code target/sql-client}, copied by this module's pom) on its class path, {@code FLINK_CONF_DIR} the
 * cluster's {@code conf/}, so that it plans the script and submits its INSERT to the cluster's REST
 * endpoint with the job jar, which is the only way textintel's classes reach the cluster.
 *
 * <p>The script is the repository's, pointed at the test's Kafka and Elasticsearch ({@link
 * FeedbackExample}), its source unbounded as in the repository: once the index holds every record the
 * job's engine metrics are read from the JobManager's REST API (the names of the inference
 * operator's, under the {@code ML_PREDICT} operators) and the job is cancelled; every document must
 * have the embedding and tags the same tasks give in the test JVM.
 */
class SqlClientOnClusterITCase {

    private static final Logger LOG = LoggerFactory.getLogger(SqlClientOnClusterITCase.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(180);
    private static final String SQL_CLIENT_MAIN = "org.apache.flink.table.client.SqlClient";
    private static final Pattern JOB_ID = Pattern.compile("Job ID: ([0-9a-f]{32})");

    @Test
    void flinksSqlClientRunsTheExampleScriptOnTheClusterWithTheJobJar() throws Exception {
        Path jobsTarget = Path.of(System.getProperty("textintel.jobs.target", "../jobs/target")).toAbsolutePath();
        Path jar = jobsTarget.resolve("textintel-jobs.jar");
        assertThat(jar).as("the shaded job jar (jobs module, package phase)").isRegularFile();
        Path sqlClient = Path.of(System.getProperty("textintel.sql-client.dir", "target/sql-client")).toAbsolutePath();
        assertThat(sqlClient).as("the SQL client jars (this module's pre-integration-test phase)").isDirectory();

        FeedbackExample example = FeedbackExample.produce();
        Path work = Files.createDirectories(Path.of("target", "sql-client-cluster-" + example.index()))
                .toAbsolutePath();
        Path script = Files.writeString(work.resolve("feedback.sql"), example.unboundedScript());
        List<String> jvmFlags = FlinkProcessCluster.jvmModuleFlags(System.getProperty("textintel.flink.jvm.opens", ""),
                System.getProperty("textintel.flink.jvm.exports", ""));
        List<Path> lib = List.of(jobsTarget.resolve("flink-lib"), jobsTarget.resolve("native-lib"));
        Map<String, String> settings = Map.of("heartbeat.interval", "1000", "heartbeat.timeout", "10000",
                "classloader.parent-first-patterns.additional", "ai.djl.;jcuda.");

        try (FlinkProcessCluster cluster = FlinkProcessCluster.start(work.resolve("cluster"), lib, jvmFlags, 1, 1,
                settings, TIMEOUT)) {
            Path out = work.resolve("sql-client.out");
            try {
                long start = System.nanoTime();
                int exit = runSqlClient(cluster, lib, sqlClient, jvmFlags, jar, script, work, out);
                String output = Files.readString(out);
                assertThat(exit).as("the SQL client's exit status; its output:\n%s", output).isZero();
                Matcher jobId = JOB_ID.matcher(output);
                assertThat(jobId.find()).as("a submitted job's id in the SQL client's output:\n%s", output).isTrue();
                long submitted = millisSince(start);
                int indexed = TestPipeline.awaitDocuments(example.index(), example.records(), TIMEOUT);
                long allIndexed = millisSince(start);
                Map<String, String> largestBatches = new TreeMap<>();
                List<String> engine = engineMetrics(cluster.rest(), jobId.group(1), largestBatches);
                cluster.rest().cancel(jobId.group(1));
                LOG.info("SQL client on {}: script submitted as job {} in {} ms (client JVM start, planning, upload),"
                        + " {} documents {} ms after the start; {} engine metrics on the ML_PREDICT operators,"
                        + " largest batches {}", TestServices.path(), jobId.group(1), submitted, indexed, allIndexed,
                        engine.size(), largestBatches);
                example.verify();
                assertEngineMetrics(engine, largestBatches);
            } catch (Exception | AssertionError e) {
                LOG.error("SQL client on the cluster failed; the client's output:\n{}\nthe cluster's logs:\n{}",
                        Files.isRegularFile(out) ? Files.readString(out) : "(none)", cluster.logTails(80));
                throw e;
            }
        }
    }

    /**
     * Runs {@code sql-client.sh -j JAR -f SCRIPT} as the script starts the client: {@code java
     * org.apache.flink.table.client.SqlClient} on lib/ plus opt/'s flink-python, client and gateway
     * jars, in embedded mode, with the cluster's configuration directory as {@code FLINK_CONF_DIR}.
     */
    private static int runSqlClient(FlinkProcessCluster cluster, List<Path> lib, Path sqlClient, List<String> jvmFlags,
            Path jar, Path script, Path work, Path out) throws Exception {
        Path conf = cluster.directory().resolve("conf");
        List<String> classpath = new ArrayList<>();
        lib.forEach(dir -> classpath.add(dir + File.separator + "*"));
        // As bin/sql-client.sh orders them: lib/, then flink-python, then the client (and the gateway it embeds).
        classpath.add(single(sqlClient, "flink-python-").toString());
        classpath.add(single(sqlClient, "flink-sql-client-").toString());
        classpath.add(single(sqlClient, "flink-sql-gateway-").toString());
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx512m");
        command.addAll(jvmFlags);
        command.addAll(List.of("-Dlog.file=" + work.resolve("sql-client.log"),
                "-Dlog4j.configurationFile=file:" + conf.resolve("log4j.properties"),
                "-classpath", String.join(File.pathSeparator, classpath),
                SQL_CLIENT_MAIN, "-j", jar.toString(), "-f", script.toString(),
                "-hist", work.resolve("sql-client-history").toString()));
        ProcessBuilder builder = new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true)
                .redirectOutput(out.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        builder.environment().put("FLINK_CONF_DIR", conf.toString());
        Process client = builder.start();
        if (!client.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            client.destroyForcibly();
            throw new AssertionError("the SQL client did not end within " + TIMEOUT);
        }
        return client.exitValue();
    }

    /** The one jar in {@code directory} whose name starts with {@code prefix}. */
    private static Path single(Path directory, String prefix) throws Exception {
        try (Stream<Path> files = Files.list(directory)) {
            List<Path> jars = files.filter(f -> f.getFileName().toString().startsWith(prefix)).toList();
            assertThat(jars).as("jars %s* in %s", prefix, directory).hasSize(1);
            return jars.get(0);
        }
    }

    /**
     * The ids of the engine metrics ({@code textintel.model.<model>.engine.<engine>.*}) of the job's
     * vertex that runs {@code ML_PREDICT}, read from the JobManager's REST API once they are there (the
     * TaskManagers report metrics to it every few seconds), and the values of its {@code batchSize_max}
     * into {@code largestBatches}.
     */
    private static List<String> engineMetrics(FlinkRestClient rest, String jobId, Map<String, String> largestBatches)
            throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            FlinkRestClient.JobState state = rest.job(jobId);
            assertThat(state.globallyTerminal()).as("job %s state %s", jobId, state.state()).isFalse();
            FlinkRestClient.VertexState predict = state.vertices().stream()
                    .filter(v -> v.name().contains("MLPredictTableFunction")).findFirst()
                    .orElseThrow(() -> new AssertionError("no ML_PREDICT vertex in " + state.vertices()));
            List<String> ids = rest.vertexMetricIds(jobId, predict.id(), ".engine.");
            List<String> batchSizes = ids.stream().filter(id -> id.endsWith(".batchSize_max")).toList();
            if (!batchSizes.isEmpty()) {
                largestBatches.putAll(rest.vertexMetrics(jobId, predict.id(), batchSizes));
                return ids;
            }
            assertThat(System.nanoTime()).as("engine metrics of job %s within %s; seen %s", jobId, TIMEOUT, ids)
                    .isLessThan(deadline);
            Thread.sleep(500);
        }
    }

    /**
     * The figures the inference operator registers are there for the encoder the two models share,
     * and its passes have been counted: one sequence at least in the largest.
     */
    private static void assertEngineMetrics(List<String> ids, Map<String, String> largestBatches) {
        for (String name : List.of("queueDepth", "paddingShare", "tokensPerSecond", "batchSize_max",
                "forwardLatencyMicros_max")) {
            assertThat(ids).as("engine metric %s of the ML_PREDICT operators", name)
                    .anyMatch(id -> id.contains(".textintel.model.") && id.endsWith(".engine.encoder." + name));
        }
        assertThat(largestBatches).isNotEmpty();
        largestBatches.forEach((id, value) -> assertThat(Double.parseDouble(value))
                .as("%s: sequences in the largest pass", id).isGreaterThanOrEqualTo(1));
    }

    private static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }
}
