package io.textintel.services;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Elasticsearch server running as a child process from a distribution in
 * {@link ServicesHome#elasticsearchHome(String)}, with HTTP on a free port of 127.0.0.1 and security off
 * by default. {@link Builder#version} picks the distribution: 8.19 by default, or the one the system
 * property {@value #VERSION_PROPERTY} names (e.g. {@code 9}); the node runs on the JDK
 * {@link ElasticsearchJava} finds for that version (Java 21 or newer for 9.x).
 *
 * <p>With {@link Builder#security(boolean) security(true)} the node runs x-pack security: HTTPS
 * with a certificate signed by a CA generated at start ({@link #certificates()}), and one
 * superuser in the file realm ({@link #adminUser()}, {@link #adminPassword()}, a random password),
 * plus the file-realm roles and users the builder names ({@link #updateRole} and {@link #removeRole}
 * change the roles while the node runs). The {@code integ-test-zip} has no
 * {@code analysis-common} module, which the {@code .security} index's mapping needs: the native
 * realm and API keys do not work on it, so roles and users live in the file realm.
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

    /** System property naming the version {@link Builder#version} defaults to, e.g. {@code 9} or {@code 8.19.21}. */
    public static final String VERSION_PROPERTY = "textintel.elasticsearch.version";

    /** The version of the distribution started when neither the builder nor {@value #VERSION_PROPERTY} names one. */
    public static final String DEFAULT_VERSION = "8";

    /** The account the node runs as when this JVM runs as root. */
    public static final String SYSTEM_USER = "textintel-es";

    private static final Duration STOP_GRACE = Duration.ofSeconds(30);
    private static final int LOG_TAIL_LINES = 40;

    private final String version;
    private final Path workDir;
    private final int httpPort;
    private final int transportPort;
    private final Duration startTimeout;
    private final Security security;
    private final FileRoles fileRoles;
    private final ServiceProcess service;

    /** A file-realm user to create at start. */
    private record FileUser(String password, List<String> roles) {
        @Override
        public String toString() {
            return "FileUser[roles=" + roles + "]";
        }
    }

    /** The generated CA and the superuser of a secured node. */
    private record Security(LocalCertificates certificates, String adminUser, String adminPassword) {
        @Override
        public String toString() {
            return "Security[" + certificates + ", admin " + adminUser + "]";
        }
    }

    private LocalElasticsearch(String version, Path workDir, boolean keepWorkDir, int httpPort, int transportPort,
            List<String> command, Map<String, String> environment, Duration startTimeout, ChildProcess process,
            Security security, FileRoles fileRoles) {
        this.version = version;
        this.security = security;
        this.fileRoles = fileRoles;
        this.workDir = workDir;
        this.httpPort = httpPort;
        this.transportPort = transportPort;
        this.startTimeout = startTimeout;
        this.service = new ServiceProcess("Elasticsearch", this::httpUrl, process, command, environment, workDir,
                keepWorkDir, STOP_GRACE);
    }

    /** Starts a node with default settings in {@code workDir} (created if missing). */
    public static LocalElasticsearch start(Path workDir) throws IOException {
        return builder().workDir(workDir).start();
    }

    /** A builder for a node with non-default settings. */
    public static Builder builder() {
        return new Builder();
    }

    /** The base URL of the REST API: {@code http://127.0.0.1:<port>}, {@code https} with security on. */
    public String httpUrl() {
        return (security == null ? "http" : "https") + "://127.0.0.1:" + httpPort;
    }

    /** The node's Elasticsearch version, e.g. {@code 9.5.3}. */
    public String version() {
        return version;
    }

    /** Whether this node runs with security (TLS and authentication) on. */
    public boolean securityEnabled() {
        return security != null;
    }

    /**
     * The CA that signed the node's HTTP certificate.
     *
     * @throws IllegalStateException when security is off
     */
    public LocalCertificates certificates() {
        return secured().certificates();
    }

    /** The superuser's name. @throws IllegalStateException when security is off */
    public String adminUser() {
        return secured().adminUser();
    }

    /** The superuser's password, random per node. @throws IllegalStateException when security is off */
    public String adminPassword() {
        return secured().adminPassword();
    }

    private Security secured() {
        if (security == null) {
            throw new IllegalStateException("Elasticsearch on " + httpUrl()
                    + " runs with security off; start it with builder().security(true)");
        }
        return security;
    }

    /**
     * Adds a role to the file realm, or replaces the role of that name, as the JSON body the role
     * API takes, rewriting {@code roles.yml} atomically. The running node re-reads the file by itself
     * every {@code resource.reload.interval.high} (5 s unless set with {@link Builder#setting}) and
     * applies the new role to the next request of every user holding it: how a privilege is granted
     * or taken away while clients stay connected.
     *
     * @throws IllegalStateException when security is off
     */
    public void updateRole(String name, String json) throws IOException {
        secured();
        service.checkOpen();
        fileRoles.put(Builder.requireName(name, "role name"), json);
        LOG.info("Updated role {} in {}", name, fileRoles.file());
    }

    /**
     * Removes a role from the file realm, rewriting {@code roles.yml} atomically; users keep the
     * role's name but lose its privileges once the node has re-read the file (see {@link #updateRole}).
     *
     * @throws IllegalArgumentException when the file realm has no such role
     * @throws IllegalStateException when security is off
     */
    public void removeRole(String name) throws IOException {
        secured();
        service.checkOpen();
        fileRoles.remove(name);
        LOG.info("Removed role {} from {}", name, fileRoles.file());
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
        long pid = service.current().pid();
        return ProcessHandle.of(pid).orElseThrow(() -> new IllegalStateException(
                "Elasticsearch process " + pid + " is gone"));
    }

    /** The file receiving the node's console output. */
    public Path logFile() {
        return service.log();
    }

    /**
     * Stops the node (politely, then by force) but keeps its data, configuration and ports, so
     * that {@link #restart()} brings the same node back: what an outage of the cluster looks like
     * to its clients. Does nothing when the node is stopped already.
     *
     * @throws IllegalStateException when the node is closed
     */
    public void stop() {
        service.stop();
    }

    /**
     * Starts a node stopped by {@link #stop()} again, on the same ports with the same data, and
     * waits until its cluster is yellow. Its console output is appended to the same log.
     *
     * @throws IllegalStateException when the node is closed or running, or does not come up
     */
    public void restart() throws IOException {
        service.restart(started -> Launcher.awaitYellow(this, started, startTimeout));
    }

    /** Stops the node and every process it started, then deletes the work folder unless it is kept. */
    @Override
    public void close() throws IOException {
        service.close();
    }

    @Override
    public String toString() {
        return "LocalElasticsearch[" + version + ", " + httpUrl() + ", " + workDir + (security == null ? "" : ", " + security) + "]";
    }

    /** Settings of a local node; {@link #start()} checks them and starts it. */
    public static final class Builder {
        private Path workDir;
        private String version;
        private ServicesHome servicesHome;
        private boolean keepWorkDir;
        private String heap = DEFAULT_HEAP;
        private Duration startTimeout = DEFAULT_START_TIMEOUT;
        private String clusterName = "textintel-local";
        private boolean security;
        private final Map<String, String> settings = new LinkedHashMap<>();
        private final Map<String, String> roles = new LinkedHashMap<>();
        private final Map<String, FileUser> users = new LinkedHashMap<>();

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

        /**
         * The Elasticsearch version to run, whole ({@code 9.5.3}) or its leading part ({@code 9},
         * {@code 8.19}), matched against the distributions in the services folder. By default the
         * system property {@value LocalElasticsearch#VERSION_PROPERTY}, else
         * {@value LocalElasticsearch#DEFAULT_VERSION}.
         */
        public Builder version(String version) {
            this.version = version;
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

        /**
         * Turns x-pack security on: HTTPS with a generated CA and node certificate, and a file-realm
         * superuser. Off by default.
         */
        public Builder security(boolean security) {
            this.security = security;
            return this;
        }

        /**
         * A role of the file realm ({@code roles.yml}), given as the JSON body the role API takes,
         * e.g. {@code {"cluster": ["monitor"], "indices": [{"names": ["a*"], "privileges": ["read"]}]}}.
         * Needs {@link #security(boolean) security(true)}.
         */
        public Builder role(String name, String json) {
            roles.put(requireName(name, "role name"), Objects.requireNonNull(json, "json"));
            return this;
        }

        /** A user of the file realm with these roles. Needs {@link #security(boolean) security(true)}. */
        public Builder user(String name, String password, String... roles) {
            users.put(requireName(name, "user name"), new FileUser(Objects.requireNonNull(password, "password"),
                    List.of(roles)));
            return this;
        }

        private static String requireName(String name, String what) {
            if (name == null || !name.matches("[A-Za-z0-9_.-]+")) {
                throw new IllegalArgumentException(what + " is '" + name + "', expected letters, digits, '.', '_' or '-'");
            }
            return name;
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
            if (!security && (!roles.isEmpty() || !users.isEmpty())) {
                throw new IllegalArgumentException("Roles " + roles.keySet() + " and users " + users.keySet()
                        + " are given with security off, expected security(true)");
            }
            for (String key : settings.keySet()) {
                if (Launcher.OWN_SETTINGS.contains(key) || (security && key.startsWith("xpack.security."))) {
                    throw new IllegalArgumentException("Setting " + key + " is managed by LocalElasticsearch; "
                            + "expected a setting other than " + Launcher.OWN_SETTINGS);
                }
            }
            ServicesHome home = servicesHome != null ? servicesHome : ServicesHome.locate();
            String wanted = version != null ? version
                    : System.getProperty(VERSION_PROPERTY, DEFAULT_VERSION).strip();
            Path distribution = home.elasticsearchHome(wanted);
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

        static final String ADMIN_USER = "textintel-admin";
        static final String CERTS_DIR = "certs";
        static final Duration USERS_TOOL_TIMEOUT = Duration.ofSeconds(120);

        static final List<String> OWN_SETTINGS = List.of("cluster.name", "node.name", "discovery.type",
                "network.host", "http.port", "transport.port", "path.data", "path.logs");

        static LocalElasticsearch launch(Builder config, Path workDir, Path distributionHome) throws IOException {
            UnprivilegedUser user = UnprivilegedUser.currentUserIsRoot() ? UnprivilegedUser.ensure(SYSTEM_USER) : null;
            ElasticsearchDistribution distribution = user == null
                    ? new ElasticsearchDistribution(distributionHome)
                    : ElasticsearchDistribution.usableBy(user, distributionHome);
            String version = distribution.version();
            Path javaHome = ElasticsearchJava.homeFor(version);

            Path configDir = workDir.resolve("config");
            Path dataDir = workDir.resolve("data");
            Path logsDir = workDir.resolve("logs");
            Path tmpDir = workDir.resolve("tmp");
            Files.createDirectories(workDir);
            Directories.copy(distribution.config(), configDir);
            Files.createDirectories(dataDir);
            Files.createDirectories(logsDir);
            Files.createDirectories(tmpDir);
            if (config.security && !distribution.hasModule("x-pack-security")) {
                throw new IllegalStateException("Security is asked for, but the distribution in " + distributionHome
                        + " has no x-pack-security module");
            }
            LocalCertificates certificates = config.security
                    ? LocalCertificates.generate(configDir.resolve(CERTS_DIR)) : null;
            List<String> prefix = new ArrayList<>();
            if (user != null) {
                user.takeOwnership(workDir);
                checkUsable(user, workDir, javaHome);
                prefix.addAll(user.commandPrefix());
            }
            List<String> command = new ArrayList<>(prefix);
            command.add(distribution.executable().toString());

            Map<String, String> environment = Map.of(
                    "ES_PATH_CONF", configDir.toString(),
                    "ES_JAVA_HOME", javaHome.toString(),
                    "ES_JAVA_OPTS", "-Xms" + config.heap + " -Xmx" + config.heap,
                    "ES_TMPDIR", tmpDir.toString());
            Security security = null;
            FileRoles fileRoles = null;
            if (config.security) {
                fileRoles = new FileRoles(configDir, user, config.roles);
                fileRoles.write();
                security = addAdminUser(distribution, prefix, workDir, environment, certificates);
                for (Map.Entry<String, FileUser> fileUser : config.users.entrySet()) {
                    addUser(distribution, prefix, workDir, environment, fileUser.getKey(),
                            fileUser.getValue().password(), fileUser.getValue().roles());
                }
            }
            // Ports are picked last: the slow steps above would leave other processes time to take them.
            int[] ports = FreePorts.pick(2);
            int httpPort = ports[0];
            int transportPort = ports[1];
            Files.writeString(configDir.resolve("elasticsearch.yml"),
                    elasticsearchYml(config, distribution, httpPort, transportPort, dataDir, logsDir),
                    StandardCharsets.UTF_8);
            long startNanos = System.nanoTime();
            ChildProcess process = ChildProcess.start("Elasticsearch", command, workDir, environment,
                    workDir.resolve("console.log"));
            LocalElasticsearch node = new LocalElasticsearch(version, workDir, config.keepWorkDir, httpPort, transportPort,
                    command, environment, config.startTimeout, process, security, fileRoles);
            try {
                awaitYellow(node, process, config.startTimeout);
            } catch (RuntimeException e) {
                closeAfterFailure(node, e);
                throw e;
            }
            LOG.info("Local Elasticsearch {} up on {} in {} ms (Java {}, pid {}{}, log {})", version, node.httpUrl(),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos), javaHome, process.pid(),
                    user == null ? "" : ", as user " + user, process.log());
            return node;
        }

        /**
         * Adds the superuser to the file realm with the distribution's {@code elasticsearch-users}
         * tool, which hashes the password as the node expects.
         */
        private static Security addAdminUser(ElasticsearchDistribution distribution, List<String> prefix,
                Path workDir, Map<String, String> environment, LocalCertificates certificates) throws IOException {
            byte[] random = new byte[18];
            new SecureRandom().nextBytes(random);
            String password = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
            addUser(distribution, prefix, workDir, environment, ADMIN_USER, password, List.of("superuser"));
            return new Security(certificates, ADMIN_USER, password);
        }

        private static void addUser(ElasticsearchDistribution distribution, List<String> prefix, Path workDir,
                Map<String, String> environment, String name, String password, List<String> roles)
                throws IOException {
            List<String> command = new ArrayList<>(prefix);
            command.addAll(List.of(distribution.executable().resolveSibling("elasticsearch-users").toString(),
                    "useradd", name, "-p", password));
            if (!roles.isEmpty()) {
                command.addAll(List.of("-r", String.join(",", roles)));
            }
            ChildProcess.Completed result = ChildProcess.run(command, workDir, environment, USERS_TOOL_TIMEOUT);
            if (result.exitCode() != 0) {
                throw new IllegalStateException(String.format(
                        "elasticsearch-users useradd %s failed with exit code %d, expected 0; output:%n%s",
                        name, result.exitCode(), result.output().replace(password, "***")));
            }
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
                        "User %s cannot run %s, expected the JDK Elasticsearch runs on to be readable by all "
                                + "users (or name another with -D%s)", user, java, ElasticsearchJava.PROPERTY));
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
            if (config.security) {
                yml.put("xpack.security.enabled", "true");
                yml.put("xpack.security.http.ssl.enabled", "true");
                yml.put("xpack.security.http.ssl.key", CERTS_DIR + "/node.key");
                yml.put("xpack.security.http.ssl.certificate", CERTS_DIR + "/node.crt");
                yml.put("xpack.security.http.ssl.certificate_authorities", CERTS_DIR + "/ca.crt");
                yml.put("xpack.security.transport.ssl.enabled", "false");
                yml.put("xpack.security.authc.api_key.enabled", "true");
            } else if (distribution.hasModule("x-pack-security")) {
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
            HttpClient.Builder client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2));
            HttpRequest.Builder request = HttpRequest.newBuilder(
                            URI.create(node.httpUrl() + "/_cluster/health?wait_for_status=yellow&timeout=5s"))
                    .timeout(Duration.ofSeconds(10))
                    .GET();
            if (node.security != null) {
                client.sslContext(node.security.certificates().sslContext());
                request.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                        (node.security.adminUser() + ":" + node.security.adminPassword())
                                .getBytes(StandardCharsets.UTF_8)));
            }
            HttpClient http = client.build();
            HttpRequest health = request.build();
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
