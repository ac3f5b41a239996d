package io.textintel.services;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka broker (KRaft, broker and controller in one process) running as a child
 * JVM from the jars in {@link ServicesHome#kafkaLibs()}, listening on free ports of 127.0.0.1.
 *
 * <pre>{@code
 * try (LocalKafka kafka = LocalKafka.start(workDir)) {
 *     kafka.createTopics(3, "raw-text");
 *     producerProps.put("bootstrap.servers", kafka.bootstrapServers());
 * }
 * }</pre>
 *
 * <p>With {@link Builder#saslScram(boolean) saslScram(true)} the client listener is
 * {@code SASL_SSL} with SCRAM-SHA-512 only: TLS with a certificate signed by a CA generated at
 * start ({@link #certificates()}), and two users whose SCRAM credentials are written into the
 * metadata log when the storage is formatted: the broker's own {@value #ADMIN_USER} and a client
 * user {@value #CLIENT_USER} ({@link #clientPassword()}, random). {@link #clientProperties} gives a
 * client everything it needs to connect.
 *
 * <p>Topics are not created automatically; create them with {@link #createTopics}. {@link #close()}
 * stops the broker and deletes the work folder unless the builder was told to keep it. A JVM
 * shutdown hook stops the broker when the JVM exits without closing it.
 */
public final class LocalKafka implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LocalKafka.class);

    /** The SCRAM user the broker itself authenticates as on its SASL_SSL listener. */
    public static final String ADMIN_USER = "textintel-broker";

    /** The SCRAM user for clients of a SASL_SSL broker. */
    public static final String CLIENT_USER = "textintel-client";

    /** The SASL mechanism of a SASL_SSL broker. */
    public static final String SCRAM_MECHANISM = "SCRAM-SHA-512";

    /** How long {@link #start} waits for the broker by default. */
    public static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(90);

    /** Heap of the broker JVM by default. */
    public static final String DEFAULT_HEAP = "512m";

    private static final Duration FORMAT_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration STOP_GRACE = Duration.ofSeconds(20);
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);
    private static final int LOG_TAIL_LINES = 40;

    private final Path workDir;
    private final int port;
    private final int controllerPort;
    private final Duration startTimeout;
    private final Scram scram;
    private final ServiceProcess service;

    /** The CA and the SCRAM passwords of a SASL_SSL broker. */
    private record Scram(LocalCertificates certificates, String adminPassword, String clientPassword) {
        @Override
        public String toString() {
            return "SASL_SSL " + SCRAM_MECHANISM + ", " + certificates;
        }
    }

    private LocalKafka(Builder config, int port, int controllerPort, List<String> command, ChildProcess process,
            Scram scram) {
        this.scram = scram;
        this.workDir = config.workDir;
        this.port = port;
        this.controllerPort = controllerPort;
        this.startTimeout = config.startTimeout;
        this.service = new ServiceProcess("Kafka broker", this::bootstrapServers, process, command, Map.of(),
                config.workDir, config.keepWorkDir, STOP_GRACE);
    }

    /** Starts a broker with default settings in {@code workDir} (created if missing). */
    public static LocalKafka start(Path workDir) throws IOException {
        return builder().workDir(workDir).start();
    }

    /** A builder for a broker with non-default settings. */
    public static Builder builder() {
        return new Builder();
    }

    /** The {@code bootstrap.servers} value for clients: {@code 127.0.0.1:<port>}. */
    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    /** Whether the client listener is SASL_SSL with SCRAM-SHA-512 (else PLAINTEXT). */
    public boolean saslScramEnabled() {
        return scram != null;
    }

    /** The CA that signed the broker's certificate. @throws IllegalStateException without SASL_SSL */
    public LocalCertificates certificates() {
        return scram().certificates();
    }

    /** The password of {@value #CLIENT_USER}, random per broker. @throws IllegalStateException without SASL_SSL */
    public String clientPassword() {
        return scram().clientPassword();
    }

    /**
     * The client properties that connect to this broker as {@code user} with {@code password}:
     * empty for a PLAINTEXT broker; {@code security.protocol}, {@code sasl.mechanism},
     * {@code sasl.jaas.config} and a PEM trust store of the generated CA for a SASL_SSL one.
     */
    public Map<String, String> clientProperties(String user, String password) {
        if (scram == null) {
            return Map.of();
        }
        return Map.of(
                "security.protocol", "SASL_SSL",
                "sasl.mechanism", SCRAM_MECHANISM,
                "sasl.jaas.config", jaasConfig(user, password),
                "ssl.truststore.type", "PEM",
                "ssl.truststore.location", scram.certificates().caCertificate().toString());
    }

    /** {@link #clientProperties(String, String)} of {@value #CLIENT_USER}. */
    public Map<String, String> clientProperties() {
        return clientProperties(CLIENT_USER, scram == null ? "" : scram.clientPassword());
    }

    /** The SCRAM login line for {@code user}; quotes and backslashes in the password are escaped. */
    public static String jaasConfig(String user, String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + escape(user)
                + "\" password=\"" + escape(password) + "\";";
    }

    private static String escape(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    private Scram scram() {
        if (scram == null) {
            throw new IllegalStateException("Kafka broker on " + bootstrapServers()
                    + " has a PLAINTEXT listener; start it with builder().saslScram(true)");
        }
        return scram;
    }

    /** The port of the client listener (PLAINTEXT, or SASL_SSL). */
    public int port() {
        return port;
    }

    /** The port of the KRaft controller listener. */
    public int controllerPort() {
        return controllerPort;
    }

    /** The folder holding the configuration, the data and the log of this broker. */
    public Path workDir() {
        return workDir;
    }

    /** The file receiving the broker's console output and log. */
    public Path logFile() {
        return service.log();
    }

    /**
     * Creates topics with {@code partitions} partitions each and replication factor 1, waiting until
     * the broker has created them.
     */
    public void createTopics(int partitions, String... topics) {
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions is " + partitions + ", expected at least 1");
        }
        if (topics.length == 0) {
            throw new IllegalArgumentException("No topic names given, expected at least one");
        }
        List<NewTopic> newTopics = new ArrayList<>();
        for (String topic : topics) {
            newTopics.add(new NewTopic(Objects.requireNonNull(topic, "topic"), partitions, (short) 1));
        }
        createTopics(newTopics);
    }

    /** Creates the given topics, waiting until the broker has created them. */
    public void createTopics(Collection<NewTopic> topics) {
        service.checkOpen();
        try (Admin admin = Admin.create(adminProperties(this))) {
            admin.createTopics(topics).all().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            LOG.debug("Created topics {} on {}", topics, bootstrapServers());
        } catch (ExecutionException e) {
            throw new IllegalStateException(
                    "Creating topics " + topics + " on " + bootstrapServers() + " failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException(
                    "Creating topics " + topics + " on " + bootstrapServers() + " took longer than " + ADMIN_TIMEOUT, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while creating topics " + topics, e);
        }
    }

    /**
     * Stops the broker (politely, then by force) but keeps its logs and ports, so that
     * {@link #restart()} brings the same broker back with every topic and committed offset: a
     * broker restart as its clients see it. Does nothing when the broker is stopped already.
     *
     * @throws IllegalStateException when the broker is closed
     */
    public void stop() {
        service.stop();
    }

    /**
     * Starts a broker stopped by {@link #stop()} again on the same ports with the same data, and
     * waits until it answers; its output is appended to the same log.
     *
     * @throws IllegalStateException when the broker is closed or running, or does not come up
     */
    public void restart() throws IOException {
        service.restart(started -> KafkaLauncher.awaitReady(this, started, startTimeout));
    }

    /** Stops the broker (politely, then by force) and deletes the work folder unless it is kept. */
    @Override
    public void close() throws IOException {
        service.close();
    }

    static Properties adminProperties(LocalKafka kafka) {
        Properties props = adminProperties(kafka.bootstrapServers());
        if (kafka.scram != null) {
            props.putAll(kafka.clientProperties(ADMIN_USER, kafka.scram.adminPassword()));
        }
        return props;
    }

    static Properties adminProperties(String bootstrapServers) {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "20000");
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, "textintel-local-kafka-admin");
        return props;
    }

    /** Settings of a local broker; {@link #start()} checks them and starts it. */
    public static final class Builder {
        private Path workDir;
        private ServicesHome servicesHome;
        private int partitions = 1;
        private boolean keepWorkDir;
        private String heap = DEFAULT_HEAP;
        private Duration startTimeout = DEFAULT_START_TIMEOUT;
        private boolean saslScram;

        private Builder() {
        }

        /**
         * Makes the client listener SASL_SSL with SCRAM-SHA-512 only, with a generated CA and users
         * {@value LocalKafka#ADMIN_USER} and {@value LocalKafka#CLIENT_USER}. Off (PLAINTEXT) by default.
         */
        public Builder saslScram(boolean saslScram) {
            this.saslScram = saslScram;
            return this;
        }

        /** Folder for configuration, data and log (created if missing). Required. */
        public Builder workDir(Path workDir) {
            this.workDir = workDir;
            return this;
        }

        /** Where the broker jars are; {@link ServicesHome#locate()} by default. */
        public Builder servicesHome(ServicesHome servicesHome) {
            this.servicesHome = servicesHome;
            return this;
        }

        /** {@code num.partitions} for topics created without an explicit count; 1 by default. */
        public Builder partitions(int partitions) {
            this.partitions = partitions;
            return this;
        }

        /** Keeps the work folder after {@link LocalKafka#close()}, for a look at the log. */
        public Builder keepWorkDir(boolean keepWorkDir) {
            this.keepWorkDir = keepWorkDir;
            return this;
        }

        /** Maximum heap of the broker JVM in {@code -Xmx} syntax, e.g. {@code 512m}. */
        public Builder heap(String heap) {
            this.heap = heap;
            return this;
        }

        /** How long to wait for the broker to answer before giving up. */
        public Builder startTimeout(Duration startTimeout) {
            this.startTimeout = startTimeout;
            return this;
        }

        /**
         * Checks the settings, then formats the storage, starts the broker and waits until it
         * answers an admin request.
         *
         * @throws IllegalArgumentException for bad settings
         * @throws IllegalStateException when the broker does not come up; the message carries the
         *     end of its log
         */
        public LocalKafka start() throws IOException {
            if (workDir == null) {
                throw new IllegalArgumentException("workDir is not set, expected a folder for the broker's data");
            }
            if (partitions < 1) {
                throw new IllegalArgumentException("partitions is " + partitions + ", expected at least 1");
            }
            if (heap == null || !heap.matches("\\d+[kKmMgG]?")) {
                throw new IllegalArgumentException("heap is '" + heap + "', expected a -Xmx size such as 512m");
            }
            if (startTimeout == null || startTimeout.isNegative() || startTimeout.isZero()) {
                throw new IllegalArgumentException("startTimeout is " + startTimeout + ", expected a positive duration");
            }
            workDir = workDir.toAbsolutePath().normalize();
            ServicesHome home = servicesHome != null ? servicesHome : ServicesHome.locate();
            return KafkaLauncher.launch(this, home.kafkaLibs());
        }
    }

    /** The steps of bringing a broker up: configure, format, start, wait. */
    private static final class KafkaLauncher {

        static LocalKafka launch(Builder config, Path libs) throws IOException {
            Files.createDirectories(config.workDir);
            // Certificates first: keytool is slow, and free ports picked before it could be taken meanwhile.
            Scram scram = config.saslScram ? new Scram(LocalCertificates.generate(config.workDir.resolve("certs")),
                    randomPassword(), randomPassword()) : null;
            int[] ports = FreePorts.pick(2);
            int port = ports[0];
            int controllerPort = ports[1];
            Path serverProperties = config.workDir.resolve("server.properties");
            Path log4j = config.workDir.resolve("log4j2.properties");
            String properties = serverProperties(config, port, controllerPort)
                    + (scram == null ? "" : saslSslProperties(scram));
            Files.writeString(serverProperties, properties, StandardCharsets.UTF_8);
            Files.writeString(log4j, LOG4J_CONFIG, StandardCharsets.UTF_8);

            List<String> jvm = List.of(
                    ChildProcess.javaExecutable().toString(),
                    "-Xms128m", "-Xmx" + config.heap,
                    "-XX:+UseG1GC",
                    "-Djava.awt.headless=true",
                    "-Dlog4j2.configurationFile=" + log4j,
                    "-cp", libs.resolve("*").toString());
            format(config.workDir, jvm, serverProperties, scram);

            long startNanos = System.nanoTime();
            List<String> command = new ArrayList<>(jvm);
            command.addAll(List.of("kafka.Kafka", serverProperties.toString()));
            ChildProcess process = ChildProcess.start("Kafka broker", command, config.workDir, Map.of(),
                    config.workDir.resolve("kafka.log"));
            LocalKafka kafka = new LocalKafka(config, port, controllerPort, command, process, scram);
            try {
                awaitReady(kafka, process, config.startTimeout);
            } catch (RuntimeException | IOException e) {
                try {
                    kafka.close();
                } catch (IOException closeFailure) {
                    e.addSuppressed(closeFailure);
                }
                throw e;
            }
            LOG.info("Local Kafka broker up on {} in {} ms (pid {}, log {})", kafka.bootstrapServers(),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos), process.pid(), process.log());
            return kafka;
        }

        /**
         * The SASL and TLS settings of the SASL_SSL listener, which the broker also uses to reach
         * itself, authenticated as {@value LocalKafka#ADMIN_USER}.
         */
        private static String saslSslProperties(Scram scram) {
            LocalCertificates certificates = scram.certificates();
            return String.join("\n",
                    "sasl.enabled.mechanisms=" + SCRAM_MECHANISM,
                    "sasl.mechanism.inter.broker.protocol=" + SCRAM_MECHANISM,
                    "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=" + jaasConfig(ADMIN_USER, scram.adminPassword()),
                    "ssl.keystore.type=PKCS12",
                    "ssl.keystore.location=" + certificates.nodeKeyStore(),
                    "ssl.keystore.password=" + certificates.keyStorePassword(),
                    "ssl.key.password=" + certificates.keyStorePassword(),
                    "ssl.truststore.type=PEM",
                    "ssl.truststore.location=" + certificates.caCertificate(),
                    "");
        }

        private static String randomPassword() {
            byte[] random = new byte[18];
            new java.security.SecureRandom().nextBytes(random);
            return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        }

        private static String serverProperties(Builder config, int port, int controllerPort) {
            String name = config.saslScram ? "SASL_SSL" : "PLAINTEXT";
            String listener = "127.0.0.1:" + port;
            String controller = "127.0.0.1:" + controllerPort;
            return String.join("\n",
                    "process.roles=broker,controller",
                    "node.id=1",
                    "controller.quorum.bootstrap.servers=" + controller,
                    "listeners=" + name + "://" + listener + ",CONTROLLER://" + controller,
                    "advertised.listeners=" + name + "://" + listener,
                    "controller.listener.names=CONTROLLER",
                    "inter.broker.listener.name=" + name,
                    "listener.security.protocol.map=" + name + ":" + name + ",CONTROLLER:PLAINTEXT",
                    "log.dirs=" + config.workDir.resolve("data"),
                    "num.partitions=" + config.partitions,
                    "auto.create.topics.enable=false",
                    "offsets.topic.replication.factor=1",
                    "transaction.state.log.replication.factor=1",
                    "transaction.state.log.min.isr=1",
                    "share.coordinator.state.topic.replication.factor=1",
                    "share.coordinator.state.topic.min.isr=1",
                    "group.initial.rebalance.delay.ms=0",
                    "");
        }

        private static void format(Path workDir, List<String> jvm, Path serverProperties, Scram scram)
                throws IOException {
            List<String> command = new ArrayList<>(jvm);
            command.addAll(List.of("kafka.tools.StorageTool", "format",
                    "-t", Uuid.randomUuid().toString(),
                    "-c", serverProperties.toString(),
                    "--standalone"));
            if (scram != null) {
                command.addAll(List.of(
                        "--add-scram", SCRAM_MECHANISM + "=[name=" + ADMIN_USER + ",password=" + scram.adminPassword() + "]",
                        "--add-scram", SCRAM_MECHANISM + "=[name=" + CLIENT_USER + ",password=" + scram.clientPassword() + "]"));
            }
            ChildProcess.Completed result = ChildProcess.run(command, workDir, FORMAT_TIMEOUT);
            if (result.exitCode() != 0) {
                throw new IllegalStateException(String.format(
                        "Formatting Kafka storage in %s failed with exit code %d, expected 0; output:%n%s",
                        workDir, result.exitCode(), result.output()));
            }
        }

        private static void awaitReady(LocalKafka kafka, ChildProcess process, Duration timeout) throws IOException {
            long deadline = System.nanoTime() + timeout.toNanos();
            awaitPort(kafka.port(), process, deadline, timeout);
            try (Admin admin = Admin.create(adminProperties(kafka))) {
                while (true) {
                    failIfDead(process);
                    try {
                        Collection<Node> nodes = admin.describeCluster().nodes().get(5, TimeUnit.SECONDS);
                        if (!nodes.isEmpty()) {
                            return;
                        }
                    } catch (ExecutionException | TimeoutException e) {
                        LOG.debug("Kafka broker on {} not ready yet: {}", kafka.bootstrapServers(), e.toString());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException("Interrupted while waiting for the Kafka broker", e);
                    }
                    failIfLate(process, deadline, timeout);
                    pause();
                }
            }
        }

        private static void awaitPort(int port, ChildProcess process, long deadline, Duration timeout) {
            while (true) {
                failIfDead(process);
                try (Socket socket = new Socket()) {
                    socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                    return;
                } catch (IOException e) {
                    LOG.trace("Port {} not open yet: {}", port, e.toString());
                }
                failIfLate(process, deadline, timeout);
                pause();
            }
        }

        private static void failIfDead(ChildProcess process) {
            if (!process.isAlive()) {
                throw new IllegalStateException(String.format(
                        "Kafka broker exited with code %d while starting, expected it to keep running; "
                                + "last lines of %s:%n%s",
                        process.exitValue(), process.log(), process.logTail(LOG_TAIL_LINES)));
            }
        }

        private static void failIfLate(ChildProcess process, long deadline, Duration timeout) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(String.format(
                        "Kafka broker did not answer within %s; last lines of %s:%n%s",
                        timeout, process.log(), process.logTail(LOG_TAIL_LINES)));
            }
        }

        private static void pause() {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while waiting for the Kafka broker", e);
            }
        }

        /** Broker log to the console (redirected to kafka.log): INFO, with the chattiest parts at WARN. */
        private static final String LOG4J_CONFIG = String.join("\n",
                "status = warn",
                "appender.console.type = Console",
                "appender.console.name = console",
                "appender.console.layout.type = PatternLayout",
                "appender.console.layout.pattern = [%d] %p %m (%c)%n",
                "rootLogger.level = info",
                "rootLogger.appenderRef.console.ref = console",
                "logger.controller.name = kafka.controller",
                "logger.controller.level = warn",
                "logger.statechange.name = state.change.logger",
                "logger.statechange.level = warn",
                "logger.raft.name = org.apache.kafka.raft",
                "logger.raft.level = warn",
                "logger.clients.name = org.apache.kafka.clients",
                "logger.clients.level = warn",
                "logger.logcleaner.name = kafka.log.LogCleaner",
                "logger.logcleaner.level = warn",
                "");

        private KafkaLauncher() {
        }
    }

    @Override
    public String toString() {
        return "LocalKafka[" + bootstrapServers() + ", " + workDir + (scram == null ? "" : ", " + scram) + "]";
    }
}
