package io.textintel.it.support;

import io.textintel.services.FreePorts;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A Flink standalone session cluster of separate JVMs on this machine: one JobManager
 * ({@value #JOB_MANAGER_MAIN}) and any number of TaskManagers ({@value #TASK_MANAGER_MAIN}), started
 * from Flink's own entry points with {@code --configDir} pointing at a generated Flink 2
 * {@code config.yaml}, the way Flink's {@code bin/jobmanager.sh} and {@code bin/taskmanager.sh} start them.
 *
 * <p>The classpath is a Flink distribution's {@code lib/} built from Maven Central artifacts:
 * {@code flink-dist} itself is not published there, so the {@code jobs} module copies Flink's runtime
 * modules, {@code flink-runtime-web} (the REST handlers that upload and run jars) and log4j into
 * {@code jobs/target/flink-lib/} (see its pom), and every process here runs with {@code flink-lib/*}
 * and {@code native-lib/*} (the jars with native libraries, loaded parent-first as the README's
 * cluster section says) and nothing else on its classpath. The job's classes reach the cluster only
 * through the jar submitted over REST, as on a real cluster.
 *
 * <p>The JVM flags are those of Flink's launch scripts on Java 17: the heap, direct and metaspace
 * limits computed from the memory settings below, the {@code --add-opens}/{@code --add-exports} of the
 * root pom's {@code flink.jvm.opens}/{@code flink.jvm.exports}, and {@code --add-modules
 * jdk.incubator.vector} for the inference engine. Each process writes its Flink log
 * ({@code <name>.log}) and its standard output ({@code <name>.out}) into the cluster's directory;
 * {@link #logTails} prints them when a test fails.
 */
public final class FlinkProcessCluster implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(FlinkProcessCluster.class);

    /** The JobManager's entry point in a session cluster. */
    public static final String JOB_MANAGER_MAIN =
            "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint";

    /** The TaskManager's entry point. */
    public static final String TASK_MANAGER_MAIN = "org.apache.flink.runtime.taskexecutor.TaskManagerRunner";

    /** Exit status of a JVM ended by SIGKILL (128 + 9). */
    public static final int SIGKILL_EXIT = 137;

    private static final int TAIL_BYTES = 64 * 1024;

    private final Path directory;
    private final List<Path> libDirectories;
    private final Path configDirectory;
    private final List<String> jvmModuleFlags;
    private final int restPort;
    private final List<Node> nodes = new ArrayList<>();
    private final FlinkRestClient rest;
    private int taskManagersStarted;

    /** One JVM of the cluster. */
    public record Node(String name, Process process, Path log, Path out) {

        /** The operating system's process id. */
        public long pid() {
            return process.pid();
        }
    }

    private FlinkProcessCluster(Path directory, List<Path> libDirectories, List<String> jvmModuleFlags,
            Map<String, String> extraSettings, int slotsPerTaskManager) throws IOException {
        this.directory = Files.createDirectories(directory);
        this.libDirectories = List.copyOf(libDirectories);
        this.jvmModuleFlags = jvmModuleFlags;
        this.configDirectory = Files.createDirectories(directory.resolve("conf"));
        int[] ports = FreePorts.pick(3);
        this.restPort = ports[0];
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("jobmanager.rpc.address", "127.0.0.1");
        settings.put("jobmanager.bind-host", "127.0.0.1");
        settings.put("jobmanager.rpc.port", Integer.toString(ports[1]));
        settings.put("blob.server.port", Integer.toString(ports[2]));
        settings.put("rest.address", "127.0.0.1");
        settings.put("rest.bind-address", "127.0.0.1");
        settings.put("rest.port", Integer.toString(restPort));
        settings.put("taskmanager.host", "127.0.0.1");
        settings.put("taskmanager.bind-host", "127.0.0.1");
        // Each TaskManager picks its own RPC and data ports: several of them (and a replacement) share this config.
        settings.put("taskmanager.rpc.port", "0");
        settings.put("taskmanager.data.port", "0");
        settings.put("taskmanager.numberOfTaskSlots", Integer.toString(slotsPerTaskManager));
        // What Flink's scripts pass a TaskManager as dynamic properties (BashJavaUtils): its CPU share, one per slot.
        settings.put("taskmanager.cpu.cores", Integer.toString(slotsPerTaskManager));
        settings.put("parallelism.default", "1");
        // Memory that fits a 2-core 24 GB machine; the JVM flags below follow from these (see jvmMemoryFlags).
        settings.put("jobmanager.memory.heap.size", JM_HEAP_MB + "m");
        settings.put("jobmanager.memory.off-heap.size", JM_OFF_HEAP_MB + "m");
        settings.put("jobmanager.memory.jvm-metaspace.size", METASPACE_MB + "m");
        settings.put("taskmanager.memory.task.heap.size", TM_TASK_HEAP_MB + "m");
        settings.put("taskmanager.memory.framework.heap.size", TM_FRAMEWORK_HEAP_MB + "m");
        settings.put("taskmanager.memory.managed.size", TM_MANAGED_MB + "m");
        settings.put("taskmanager.memory.framework.off-heap.size", TM_FRAMEWORK_OFF_HEAP_MB + "m");
        settings.put("taskmanager.memory.task.off-heap.size", TM_TASK_OFF_HEAP_MB + "m");
        settings.put("taskmanager.memory.network.min", TM_NETWORK_MB + "m");
        settings.put("taskmanager.memory.network.max", TM_NETWORK_MB + "m");
        settings.put("taskmanager.memory.jvm-metaspace.size", METASPACE_MB + "m");
        // Fixed, as the scripts' dynamic properties fix it: the TaskManager adds the components up into its total.
        settings.put("taskmanager.memory.jvm-overhead.min", TM_OVERHEAD_MB + "m");
        settings.put("taskmanager.memory.jvm-overhead.max", TM_OVERHEAD_MB + "m");
        settings.put("web.upload.dir", Files.createDirectories(directory.resolve("web-upload")).toString());
        settings.put("io.tmp.dirs", Files.createDirectories(directory.resolve("tmp")).toString());
        settings.putAll(extraSettings);
        StringBuilder yaml = new StringBuilder("# Generated by FlinkProcessCluster\n");
        settings.forEach((key, value) -> yaml.append(key).append(": ").append(quoted(value)).append('\n'));
        Files.writeString(configDirectory.resolve("config.yaml"), yaml);
        Files.writeString(configDirectory.resolve("log4j.properties"), LOG4J);
        this.rest = new FlinkRestClient("http://127.0.0.1:" + restPort);
    }

    private static final int JM_HEAP_MB = 384;
    private static final int JM_OFF_HEAP_MB = 128;
    private static final int METASPACE_MB = 256;
    private static final int TM_TASK_HEAP_MB = 384;
    private static final int TM_FRAMEWORK_HEAP_MB = 128;
    private static final int TM_MANAGED_MB = 64;
    private static final int TM_FRAMEWORK_OFF_HEAP_MB = 128;
    private static final int TM_TASK_OFF_HEAP_MB = 64;
    private static final int TM_NETWORK_MB = 64;
    private static final int TM_OVERHEAD_MB = 192;

    /** Flink's log file per process, as the log4j-console-less configuration of a distribution's conf/. */
    private static final String LOG4J = """
            rootLogger.level = INFO
            rootLogger.appenderRef.file.ref = MainAppender
            logger.kafka.name = org.apache.kafka
            logger.kafka.level = WARN
            logger.pekko.name = org.apache.pekko
            logger.pekko.level = WARN
            appender.main.name = MainAppender
            appender.main.type = File
            appender.main.append = true
            appender.main.fileName = ${sys:log.file}
            appender.main.layout.type = PatternLayout
            appender.main.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n
            """;

    /**
     * Starts a JobManager and {@code taskManagers} TaskManagers of {@code slotsPerTaskManager} slots in
     * {@code directory}, with Flink's classpath from the jars in {@code libDirectories} (Flink's lib/), and waits until every
     * TaskManager has registered. {@code extraSettings} are added to {@code config.yaml}.
     *
     * @param jvmModuleFlags the {@code --add-opens}/{@code --add-exports}/{@code --add-modules} flags
     */
    public static FlinkProcessCluster start(Path directory, List<Path> libDirectories, List<String> jvmModuleFlags,
            int taskManagers, int slotsPerTaskManager, Map<String, String> extraSettings, Duration timeout)
            throws Exception {
        for (Path libDirectory : libDirectories) {
            if (!Files.isDirectory(libDirectory)) {
                throw new IllegalArgumentException("Flink lib directory " + libDirectory + " does not exist; expected"
                        + " the jobs module's package phase to have filled it (./mvnw -pl integration-tests -am verify)");
            }
        }
        FlinkProcessCluster cluster = new FlinkProcessCluster(directory, libDirectories, jvmModuleFlags, extraSettings,
                slotsPerTaskManager);
        try {
            long start = System.nanoTime();
            cluster.startNode("jobmanager", JOB_MANAGER_MAIN, jobManagerMemoryFlags());
            for (int i = 0; i < taskManagers; i++) {
                cluster.startTaskManager();
            }
            cluster.awaitTaskManagers(taskManagers, timeout);
            LOG.info("Flink cluster up in {} ms: REST {}, {} TaskManagers of {} slots, pids {}, logs in {}",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), cluster.rest.baseUrl(), taskManagers,
                    slotsPerTaskManager, cluster.nodes.stream().map(n -> n.name() + "=" + n.pid()).toList(),
                    directory);
            return cluster;
        } catch (Exception | AssertionError e) {
            LOG.error("Flink cluster failed to start:\n{}", cluster.logTails(60));
            cluster.close();
            throw e;
        }
    }

    /** The client of the JobManager's REST API. */
    public FlinkRestClient rest() {
        return rest;
    }

    /** The cluster's directory: {@code conf/}, logs, uploads. */
    public Path directory() {
        return directory;
    }

    /** Starts one more TaskManager JVM (it registers with the JobManager on its own). */
    public Node startTaskManager() throws IOException {
        return startNode("taskmanager-" + taskManagersStarted++, TASK_MANAGER_MAIN, taskManagerMemoryFlags());
    }

    /** The TaskManager JVMs started so far and still alive, oldest first. */
    public List<Node> liveTaskManagers() {
        return nodes.stream().filter(n -> n.name().startsWith("taskmanager-") && n.process().isAlive()).toList();
    }

    /**
     * Ends {@code node} with SIGKILL ({@link Process#destroyForcibly()} on Linux) and waits until the
     * operating system reports the process gone, with exit status {@value #SIGKILL_EXIT}.
     *
     * @throws IllegalStateException when the process exits otherwise or does not exit within 10 s
     */
    public void kill(Node node) throws InterruptedException {
        node.process().destroyForcibly();
        if (!node.process().waitFor(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException(node.name() + " (pid " + node.pid() + ") still alive 10 s after SIGKILL");
        }
        int exit = node.process().exitValue();
        if (exit != SIGKILL_EXIT) {
            throw new IllegalStateException(node.name() + " (pid " + node.pid() + ") exited with " + exit
                    + ", expected " + SIGKILL_EXIT + " (SIGKILL)");
        }
        if (ProcessHandle.of(node.pid()).map(ProcessHandle::isAlive).orElse(false)) {
            throw new IllegalStateException("pid " + node.pid() + " of " + node.name() + " is still alive");
        }
    }

    /** Waits until {@code count} TaskManagers are registered with the JobManager. */
    public void awaitTaskManagers(int count, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        int seen = -1;
        while (System.nanoTime() < deadline) {
            for (Node node : nodes) {
                if (!node.process().isAlive() && node.process().exitValue() != SIGKILL_EXIT) {
                    throw new IllegalStateException(node.name() + " exited with " + node.process().exitValue());
                }
            }
            try {
                seen = rest.taskManagerCount();
                if (seen >= count) {
                    return;
                }
            } catch (IOException e) {
                // The REST endpoint is not up yet.
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("expected " + count + " TaskManagers registered within " + timeout
                + ", saw " + seen);
    }

    /** The last {@code lines} lines of every process's log and standard output, for a failure report. */
    public String logTails(int lines) {
        StringBuilder all = new StringBuilder();
        for (Node node : nodes) {
            for (Path file : List.of(node.log(), node.out())) {
                all.append("==== ").append(file).append(" (pid ").append(node.pid()).append(", ")
                        .append(node.process().isAlive() ? "alive" : "exit " + node.process().exitValue())
                        .append(")\n").append(tail(file, lines)).append('\n');
            }
        }
        return all.toString();
    }

    /** Stops every process: SIGTERM, then SIGKILL for those still alive after 15 s. */
    @Override
    public void close() {
        nodes.forEach(node -> node.process().destroy());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        for (Node node : nodes) {
            try {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0 || !node.process().waitFor(remaining, TimeUnit.NANOSECONDS)) {
                    LOG.warn("{} (pid {}) did not stop within 15 s; killing it", node.name(), node.pid());
                    node.process().destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                node.process().destroyForcibly();
            }
        }
    }

    private Node startNode(String name, String mainClass, List<String> memoryFlags) throws IOException {
        Path log = directory.resolve(name + ".log");
        Path out = directory.resolve(name + ".out");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(memoryFlags);
        command.addAll(jvmModuleFlags);
        command.addAll(List.of(
                "-Dlog.file=" + log,
                "-Dlog4j.configurationFile=file:" + configDirectory.resolve("log4j.properties"),
                "-classpath", String.join(File.pathSeparator,
                        libDirectories.stream().map(d -> d + File.separator + "*").toList()),
                mainClass,
                "--configDir", configDirectory.toString()));
        Process process = new ProcessBuilder(command)
                .directory(directory.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile()))
                .start();
        Node node = new Node(name, process, log, out);
        nodes.add(node);
        LOG.info("Started Flink {} as pid {}", name, process.pid());
        return node;
    }

    /** What Flink's scripts pass a JobManager: -Xmx/-Xms the heap, direct memory the off-heap size. */
    private static List<String> jobManagerMemoryFlags() {
        return List.of("-Xmx" + JM_HEAP_MB + "m", "-Xms" + JM_HEAP_MB + "m",
                "-XX:MaxDirectMemorySize=" + JM_OFF_HEAP_MB + "m", "-XX:MaxMetaspaceSize=" + METASPACE_MB + "m");
    }

    /**
     * What Flink's scripts pass a TaskManager: heap = framework + task heap; direct memory = framework
     * and task off-heap + network.
     */
    private static List<String> taskManagerMemoryFlags() {
        int heap = TM_FRAMEWORK_HEAP_MB + TM_TASK_HEAP_MB;
        int direct = TM_FRAMEWORK_OFF_HEAP_MB + TM_TASK_OFF_HEAP_MB + TM_NETWORK_MB;
        return List.of("-Xmx" + heap + "m", "-Xms" + heap + "m", "-XX:MaxDirectMemorySize=" + direct + "m",
                "-XX:MaxMetaspaceSize=" + METASPACE_MB + "m");
    }

    /**
     * The module flags of Flink's launch scripts on Java 17 from the root pom's space-separated
     * {@code flink.jvm.opens} and {@code flink.jvm.exports} lists, plus {@code jdk.incubator.vector}.
     */
    public static List<String> jvmModuleFlags(String opens, String exports) {
        List<String> flags = new ArrayList<>();
        Stream.of(opens.trim().split("\\s+")).filter(s -> !s.isEmpty())
                .forEach(p -> flags.add("--add-opens=" + p + "=ALL-UNNAMED"));
        Stream.of(exports.trim().split("\\s+")).filter(s -> !s.isEmpty())
                .forEach(p -> flags.add("--add-exports=" + p + "=ALL-UNNAMED"));
        flags.add("--add-modules=jdk.incubator.vector");
        flags.add("--enable-native-access=ALL-UNNAMED"); // JCuda's and DJL's JNI libraries, as bin/textintel
        return flags;
    }

    private static String quoted(String value) {
        return "'" + value.replace("'", "''") + "'";
    }

    private static String tail(Path file, int lines) {
        if (!Files.isRegularFile(file)) {
            return "(no file)";
        }
        try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
            long start = Math.max(0, in.length() - TAIL_BYTES);
            byte[] bytes = new byte[(int) (in.length() - start)];
            in.seek(start);
            in.readFully(bytes);
            List<String> all = Arrays.asList(new String(bytes, StandardCharsets.UTF_8).split("\\R"));
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
