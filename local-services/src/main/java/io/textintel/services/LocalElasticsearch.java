package io.textintel.services;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Elasticsearch server running as a child process from the distribution in
 * {@link ServicesHome#elasticsearchHome()}, with security off and HTTP on a free port of 127.0.0.1.
 *
 * <pre>{@code
 * try (LocalElasticsearch es = LocalElasticsearch.start(workDir)) {
 *     RestClient client = RestClient.builder(HttpHost.create(es.httpUrl())).build();
 * }
 * }</pre>
 *
 * <p>Each instance has its own configuration, data and log folders in its work folder; the
 * distribution is only read. Elasticsearch refuses to run as root, so when this JVM is root the
 * node runs as the system user {@value #SYSTEM_USER} (created if missing) through {@code runuser}.
 * {@link #close()} stops the node and everything it started and deletes the work folder unless the
 * builder was told to keep it. {@link #stop()} and {@link #restart()} take the node away and bring it
 * back with the same data and ports, for outage tests. A JVM shutdown hook stops the node when the JVM exits without
 * closing it.
 *
 * <p>The distribution built from Maven Central is the {@code integ-test-zip}: server, transport,
 * x-pack-core and security, without the optional modules (no {@code GET /} root endpoint, no ML,
 * no ingest-geoip). Index, search, bulk, mappings, {@code dense_vector} and kNN all work.
 */
public final class LocalElasticsearch implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LocalElasticsearch.class);

    /** How long {@link #start} waits for the cluster to turn yellow by default. */
    public static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(120);

    /** Heap of the node by default ({@code -Xms} and {@code -Xmx}). */
    public static final String DEFAULT_HEAP = "512m";

    /** The account the node runs as when this JVM runs as root. */
    public static final String SYSTEM_USER = "textintel-es";

    private static final Duration STOP_GRACE = Duration.ofSeconds(30);
    private static final int LOG_TAIL_LINES = 40;

    private final Path workDir;
    private final boolean keepWorkDir;
    private final int httpPort;
    private final int transportPort;
    private final List<String> command;
    private final Map<String, String> environment;
    private final Duration startTimeout;
    private volatile ChildProcess process;
    private volatile boolean stopped;
    private final Thread shutdownHook;
    private final AtomicBoolean closed = new AtomicBoolean();

    private LocalElasticsearch(Path workDir, boolean keepWorkDir, int httpPort, int transportPort,
            List<String> command, Map<String, String> environment, Duration startTimeout, ChildProcess process) {
        this.workDir = workDir;
        this.keepWorkDir = keepWorkDir;
        this.httpPort = httpPort;
        this.transportPort = transportPort;
        this.command = List.copyOf(command);
        this.environment = Map.copyOf(environment);
        this.startTimeout = startTimeout;
        this.process = process;
        this.shutdownHook = new Thread(this::stopOnJvmExit, "textintel-local-elasticsearch-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Starts a node with default settings in {@code workDir} (created if missing). */
    public static LocalElasticsearch start(Path workDir) throws IOException {
        return builder().workDir(workDir).start();
    }

    /** A builder for a node with non-default settings. */
    public static Builder builder() {
        return new Builder();
    }

    /** The base URL of the REST API: {@code http://127.0.0.1:<port>}. */
    public String httpUrl() {
        return "http://127.0.0.1:" + httpPort;
    }

    /** The HTTP port. */
    public int httpPort() {
        return httpPort;
    }

    /** The transport (node to node) port. */
    public int transportPort() {
        return transportPort;
    }

    /** The folder holding this node's configuration, data and logs. */
    public Path workDir() {
        return workDir;
    }

    /** The process this class started: {@code runuser} or the start script. */
    ProcessHandle processHandle() {
        return ProcessHandle.of(process.pid()).orElseThrow(() -> new IllegalStateException(
                "Elasticsearch process " + process.pid() + " is gone"));
    }

    /** The file receiving the node's console output. */
    public Path logFile() {
        return process.log();
    }

    /**
     * Stops the node (politely, then by force) but keeps its data, configuration and ports, so
     * that {@link #restart()} brings the same node back: what an outage of the cluster looks like
     * to its clients. Does nothing when the node is stopped already.
     *
     * @throws IllegalStateException when the node is closed
     */
    public synchronized void stop() {
        checkOpen();
        if (!stopped) {
            process.stop(STOP_GRACE);
            stopped = true;
            LOG.info("Stopped local Elasticsearch on {} (data kept for a restart)", httpUrl());
        }
    }

    /**
     * Starts a node stopped by {@link #stop()} again, on the same ports with the same data, and
     * waits until its cluster is yellow. Its console output is appended to the same log.
     *
     * @throws IllegalStateException when the node is closed or running, or does not come up
     */
    public synchronized void restart() throws IOException {
        checkOpen();
        if (!stopped) {
            throw new IllegalStateException("Elasticsearch on " + httpUrl() + " is running, expected stop() first");
        }
        long startNanos = System.nanoTime();
        process = ChildProcess.start("Elasticsearch", command, workDir, environment, process.log());
        stopped = false;
        Launcher.awaitYellow(this, process, startTimeout);
        LOG.info("Local Elasticsearch restarted on {} in {} ms (pid {})", httpUrl(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos), process.pid());
    }

    private void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("Local Elasticsearch on " + httpUrl() + " is closed");
        }
    }

    /** Stops the node and every process it started, then deletes the work folder unless it is kept. */
    @Override
    public void close() throws IOException {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        ChildProcess.removeShutdownHook(shutdownHook);
        process.stop(STOP_GRACE);
        if (!keepWorkDir) {
            Directories.delete(workDir);
        }
        LOG.info("Stopped local Elasticsearch on {}", httpUrl());
    }

    private void stopOnJvmExit() {
        if (closed.compareAndSet(false, true)) {
            process.stop(STOP_GRACE);
            if (!keepWorkDir) {
                try {
                    Directories.delete(workDir);
                } catch (IOException e) {
                    LOG.warn("Cannot delete Elasticsearch work folder {} at JVM exit", workDir, e);
                }
            }
        }
    }

    @Override
    public String toString() {
        return "LocalElasticsearch[" + httpUrl() + ", " + workDir + "]";
    }

    /** Settings of a local node; {@link #start()} checks them and starts it. */
    public static final class Builder {
        private Path workDir;
        private ServicesHome servicesHome;
        private boolean keepWorkDir;
        private String heap = DEFAULT_HEAP;
        private Duration startTimeout = DEFAULT_START_TIMEOUT;
        private String clusterName = "textintel-local";
        private final Map<String, String> settings = new LinkedHashMap<>();

        private Builder() {
        }

        /**
         * Folder for configuration, data and logs (created if missing); a new folder under
         * {@code java.io.tmpdir} if not set. When running as root it must be reachable by
         * {@value LocalElasticsearch#SYSTEM_USER}.
         */
        public Builder workDir(Path workDir) {
            this.workDir = workDir;
            return this;
        }

        /** Where the distribution is; {@link ServicesHome#locate()} by default. */
        public Builder servicesHome(ServicesHome servicesHome) {
            this.servicesHome = servicesHome;
            return this;
        }

        /** Keeps the work folder after {@link LocalElasticsearch#close()}, for a look at the logs. */
        public Builder keepWorkDir(boolean keepWorkDir) {
            this.keepWorkDir = keepWorkDir;
            return this;
        }

        /** Heap of the node in {@code -Xmx} syntax, e.g. {@code 512m}. */
        public Builder heap(String heap) {
            this.heap = heap;
            return this;
        }

        /** How long to wait for the cluster to turn yellow before giving up. */
        public Builder startTimeout(Duration startTimeout) {
            this.startTimeout = startTimeout;
            return this;
        }

        /** {@code cluster.name}; {@code textintel-local} by default. */
        public Builder clusterName(String clusterName) {
            this.clusterName = clusterName;
            return this;
        }

        /** An extra {@code elasticsearch.yml} setting; it must be one the distribution knows. */
        public Builder setting(String key, String value) {
            settings.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /**
         * Checks the settings, then configures and starts the node and waits until
         * {@code GET /_cluster/health?wait_for_status=yellow} answers.
         *
         * @throws IllegalArgumentException for bad settings
         * @throws IllegalStateException when the node does not come up; the message carries the
         *     end of its log
         */
        public LocalElasticsearch start() throws IOException {
            if (heap == null || !heap.matches("\\d+[kKmMgG]?")) {
                throw new IllegalArgumentException("heap is '" + heap + "', expected a -Xmx size such as 512m");
            }
            if (startTimeout == null || startTimeout.isNegative() || startTimeout.isZero()) {
                throw new IllegalArgumentException("startTimeout is " + startTimeout + ", expected a positive duration");
            }
            if (clusterName == null || !clusterName.matches("[A-Za-z0-9_.-]+")) {
                throw new IllegalArgumentException(
                        "clusterName is '" + clusterName + "', expected letters, digits, '.', '_' or '-'");
            }
            for (String key : settings.keySet()) {
                if (Launcher.OWN_SETTINGS.contains(key)) {
                    throw new IllegalArgumentException("Setting " + key + " is managed by LocalElasticsearch; "
                            + "expected a setting other than " + Launcher.OWN_SETTINGS);
                }
            }
            ServicesHome home = servicesHome != null ? servicesHome : ServicesHome.locate();
            Path distribution = home.elasticsearchHome();
            if (workDir != null) {
                return Launcher.launch(this, workDir.toAbsolutePath().normalize(), distribution);
            }
            Path dir = Files.createTempDirectory("textintel-es-");
            try {
                return Launcher.launch(this, dir, distribution);
            } catch (IOException | RuntimeException e) {
                if (!keepWorkDir) {
                    Directories.delete(dir);
                }
                throw e;
            }
        }
    }

    /** The steps of bringing a node up: pick the account and distribution, configure, start, wait. */
    private static final class Launcher {

        static final List<String> OWN_SETTINGS = List.of("cluster.name", "node.name", "discovery.type",
                "network.host", "http.port", "transport.port", "path.data", "path.logs");

        static LocalElasticsearch launch(Builder config, Path workDir, Path distributionHome) throws IOException {
            UnprivilegedUser user = UnprivilegedUser.currentUserIsRoot() ? UnprivilegedUser.ensure(SYSTEM_USER) : null;
            ElasticsearchDistribution distribution = user == null
                    ? new ElasticsearchDistribution(distributionHome)
                    : ElasticsearchDistribution.usableBy(user, distributionHome);
            Path javaHome = ChildProcess.javaHome();

            Path configDir = workDir.resolve("config");
            Path dataDir = workDir.resolve("data");
            Path logsDir = workDir.resolve("logs");
            Path tmpDir = workDir.resolve("tmp");
            Files.createDirectories(workDir);
            Directories.copy(distribution.config(), configDir);
            Files.createDirectories(dataDir);
            Files.createDirectories(logsDir);
            Files.createDirectories(tmpDir);
            int[] ports = FreePorts.pick(2);
            int httpPort = ports[0];
            int transportPort = ports[1];
            Files.writeString(configDir.resolve("elasticsearch.yml"),
                    elasticsearchYml(config, distribution, httpPort, transportPort, dataDir, logsDir),
                    StandardCharsets.UTF_8);

            List<String> command = new ArrayList<>();
            if (user != null) {
                user.takeOwnership(workDir);
                checkUsable(user, workDir, javaHome);
                command.addAll(user.commandPrefix());
            }
            command.add(distribution.executable().toString());

            Map<String, String> environment = Map.of(
                    "ES_PATH_CONF", configDir.toString(),
                    "ES_JAVA_HOME", javaHome.toString(),
                    "ES_JAVA_OPTS", "-Xms" + config.heap + " -Xmx" + config.heap,
                    "ES_TMPDIR", tmpDir.toString());
            long startNanos = System.nanoTime();
            ChildProcess process = ChildProcess.start("Elasticsearch", command, workDir, environment,
                    workDir.resolve("console.log"));
            LocalElasticsearch node = new LocalElasticsearch(workDir, config.keepWorkDir, httpPort, transportPort,
                    command, environment, config.startTimeout, process);
            try {
                awaitYellow(node, process, config.startTimeout);
            } catch (RuntimeException e) {
                closeAfterFailure(node, e);
                throw e;
            }
            LOG.info("Local Elasticsearch up on {} in {} ms (pid {}{}, log {})", node.httpUrl(),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos), process.pid(),
                    user == null ? "" : ", as user " + user, process.log());
            return node;
        }

        private static void closeAfterFailure(LocalElasticsearch node, RuntimeException failure) {
            try {
                node.close();
            } catch (IOException closeFailure) {
                failure.addSuppressed(closeFailure);
            }
        }

        private static void checkUsable(UnprivilegedUser user, Path workDir, Path javaHome) throws IOException {
            if (!user.canWrite(workDir)) {
                throw new IllegalStateException(String.format(
                        "User %s cannot reach its work folder %s, expected every folder above it to be "
                                + "enterable by others; use a work folder under %s (the default)",
                        user, workDir, System.getProperty("java.io.tmpdir")));
            }
            Path java = javaHome.resolve("bin").resolve("java");
            if (!user.canExecute(java)) {
                throw new IllegalStateException(String.format(
                        "User %s cannot run %s, expected the running JVM's java.home to be readable by all "
                                + "users to run Elasticsearch on it", user, java));
            }
        }

        private static String elasticsearchYml(Builder config, ElasticsearchDistribution distribution, int httpPort,
                int transportPort, Path dataDir, Path logsDir) {
            Map<String, String> yml = new LinkedHashMap<>();
            yml.put("cluster.name", config.clusterName);
            yml.put("node.name", config.clusterName + "-node");
            yml.put("discovery.type", "single-node");
            yml.put("network.host", "127.0.0.1");
            yml.put("http.port", Integer.toString(httpPort));
            yml.put("transport.port", Integer.toString(transportPort));
            yml.put("path.data", dataDir.toString());
            yml.put("path.logs", logsDir.toString());
            yml.put("action.destructive_requires_name", "false");
            // A nearly full CI disk must not turn test indices read-only.
            yml.put("cluster.routing.allocation.disk.threshold_enabled", "false");
            // Settings of a module the distribution lacks stop the node at start-up; set only known ones.
            if (distribution.hasModule("x-pack-security")) {
                yml.put("xpack.security.enabled", "false");
            }
            if (distribution.hasModule("x-pack-ml")) {
                yml.put("xpack.ml.enabled", "false");
            }
            if (distribution.hasModule("ingest-geoip")) {
                yml.put("ingest.geoip.downloader.enabled", "false");
            }
            yml.putAll(config.settings);
            StringBuilder out = new StringBuilder("# Written by textintel LocalElasticsearch\n");
            yml.forEach((key, value) -> out.append(key).append(": \"")
                    .append(value.replace("\\", "\\\\").replace("\"", "\\\"")).append("\"\n"));
            return out.toString();
        }

        private static void awaitYellow(LocalElasticsearch node, ChildProcess process, Duration timeout) {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            HttpRequest health = HttpRequest.newBuilder(
                            URI.create(node.httpUrl() + "/_cluster/health?wait_for_status=yellow&timeout=5s"))
                    .timeout(Duration.ofSeconds(10))
                    .GET()
                    .build();
            long deadline = System.nanoTime() + timeout.toNanos();
            String lastAnswer = "no answer";
            while (true) {
                if (!process.isAlive()) {
                    throw new IllegalStateException(String.format(
                            "Elasticsearch exited with code %d while starting, expected it to keep running; "
                                    + "last lines of %s:%n%s",
                            process.exitValue(), process.log(), process.logTail(LOG_TAIL_LINES)));
                }
                try {
                    HttpResponse<String> response = http.send(health, HttpResponse.BodyHandlers.ofString());
                    if (response.statusCode() == 200) {
                        return;
                    }
                    lastAnswer = "HTTP " + response.statusCode() + ": " + response.body();
                } catch (IOException e) {
                    lastAnswer = e.toString();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("Interrupted while waiting for Elasticsearch", e);
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(String.format(
                            "Elasticsearch on %s did not turn yellow within %s (last answer: %s); last lines of %s:%n%s",
                            node.httpUrl(), timeout, lastAnswer, process.log(), process.logTail(LOG_TAIL_LINES)));
                }
                try {
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("Interrupted while waiting for Elasticsearch", e);
                }
            }
        }

        private Launcher() {
        }
    }
}
