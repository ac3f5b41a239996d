package io.textintel.it.support;

import io.textintel.services.LocalElasticsearch;
import io.textintel.services.LocalKafka;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.elasticsearch.ElasticsearchContainer;
import org.testcontainers.kafka.KafkaContainer;

/**
 * The one Kafka broker and the one Elasticsearch node that all integration tests of a JVM share,
 * started on first use and stopped when the JVM exits.
 *
 * <p>With a Docker engine they run as Testcontainers containers ({@value #KAFKA_IMAGE},
 * {@value #ELASTICSEARCH_IMAGE}); without one as local child processes from the
 * {@code local-services} module ({@link LocalKafka}, {@link LocalElasticsearch}). The system
 * property {@value ServicesMode#PROPERTY} ({@code docker|local|auto}) forces a path;
 * {@link #path()} tells tests which one ran so they can say so.
 *
 * <p>The Elasticsearch version is the one the system property
 * {@value LocalElasticsearch#VERSION_PROPERTY} names ({@link #elasticsearchVersion()}): the build
 * runs the integration tests against 8.19 and runs the Elasticsearch-facing ones again against 9.x
 * (failsafe execution {@code elasticsearch-9}).
 *
 * <p>Both paths behave alike: security off, topics are not created automatically (create them with
 * {@link #createTopics}), one partition unless asked for more.
 */
public final class TestServices {

    private static final Logger LOG = LoggerFactory.getLogger(TestServices.class);

    /** {@link #path()} when the servers run in containers. */
    public static final String TESTCONTAINERS = "testcontainers";

    /** {@link #path()} when the servers run as local processes. */
    public static final String LOCAL_PROCESSES = "local processes";

    /** The Kafka image of the container path. */
    public static final String KAFKA_IMAGE = "apache/kafka:4.2.0";

    /** The Elasticsearch image of the container path, without its tag ({@link #elasticsearchVersion()}). */
    public static final String ELASTICSEARCH_IMAGE = "docker.elastic.co/elasticsearch/elasticsearch";

    /** The Elasticsearch version when {@value LocalElasticsearch#VERSION_PROPERTY} is not set (a run outside Maven). */
    public static final String DEFAULT_ELASTICSEARCH_VERSION = "8.19.21";

    private static final long ADMIN_TIMEOUT_SECONDS = 30;

    private static Running running;

    private TestServices() {
    }

    /** The path that runs the servers: {@value #TESTCONTAINERS} or {@value #LOCAL_PROCESSES}. */
    public static String path() {
        return running().path;
    }

    /** The {@code bootstrap.servers} value for Kafka clients. */
    public static String kafkaBootstrapServers() {
        return running().kafkaBootstrapServers;
    }

    /** The base URL of the Elasticsearch REST API, e.g. {@code http://127.0.0.1:9200}. */
    public static String elasticsearchUrl() {
        return running().elasticsearchUrl;
    }

    /** The version of the Elasticsearch node, e.g. {@code 9.5.3}. */
    public static String elasticsearchVersion() {
        return running().elasticsearchVersion;
    }

    /** Creates topics with {@code partitions} partitions each, waiting until Kafka has made them. */
    public static void createTopics(int partitions, String... topics) {
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions is " + partitions + ", expected at least 1");
        }
        List<NewTopic> newTopics = new ArrayList<>();
        for (String topic : topics) {
            newTopics.add(new NewTopic(topic, partitions, (short) 1));
        }
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafkaBootstrapServers());
        try (Admin admin = Admin.create(props)) {
            admin.createTopics(newTopics).all().get(ADMIN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("Creating topics " + newTopics + " failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException(
                    "Creating topics " + newTopics + " took longer than " + ADMIN_TIMEOUT_SECONDS + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while creating topics " + newTopics, e);
        }
    }

    private static synchronized Running running() {
        if (running == null) {
            running = start(ServicesMode.fromSystemProperty());
            Running started = running;
            Runtime.getRuntime().addShutdownHook(new Thread(started::close, "textintel-test-services-shutdown"));
        }
        return running;
    }

    private static Running start(ServicesMode mode) {
        boolean docker = switch (mode) {
            case DOCKER -> {
                try {
                    DockerClientFactory.instance().client();
                } catch (IllegalStateException e) {
                    throw new IllegalStateException(String.format(
                            "System property %s is docker, but no Docker engine answers; expected a running "
                                    + "Docker engine, or %s=local to run the servers as local processes",
                            ServicesMode.PROPERTY, ServicesMode.PROPERTY), e);
                }
                yield true;
            }
            case LOCAL -> false;
            case AUTO -> DockerClientFactory.instance().isDockerAvailable();
        };
        long startNanos = System.nanoTime();
        Running started = docker ? startContainers() : startLocalProcesses();
        LOG.info("Test services run as {} (mode {}): Kafka {}, Elasticsearch {} {}; up in {} ms", started.path, mode,
                started.kafkaBootstrapServers, started.elasticsearchVersion, started.elasticsearchUrl,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));
        return started;
    }

    private static Running startContainers() {
        KafkaContainer kafka = new KafkaContainer(KAFKA_IMAGE)
                .withEnv("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false")
                .withEnv("KAFKA_NUM_PARTITIONS", "1");
        String version = System.getProperty(LocalElasticsearch.VERSION_PROPERTY, DEFAULT_ELASTICSEARCH_VERSION).strip();
        ElasticsearchContainer elasticsearch = new ElasticsearchContainer(ELASTICSEARCH_IMAGE + ":" + version)
                .withEnv("xpack.security.enabled", "false")
                .withEnv("ES_JAVA_OPTS", "-Xms512m -Xmx512m");
        List<AutoCloseable> resources = new ArrayList<>();
        try {
            CompletableFuture<Void> esStarted = CompletableFuture.runAsync(elasticsearch::start);
            resources.add(elasticsearch);
            kafka.start();
            resources.add(kafka);
            esStarted.join();
        } catch (RuntimeException e) {
            closeAll(resources, e);
            throw e;
        }
        return new Running(TESTCONTAINERS, kafka.getBootstrapServers(),
                "http://" + elasticsearch.getHttpHostAddress(), version, resources);
    }

    private static Running startLocalProcesses() {
        List<AutoCloseable> resources = new ArrayList<>();
        try {
            CompletableFuture<LocalElasticsearch> esStarted = CompletableFuture.supplyAsync(() -> {
                try {
                    return LocalElasticsearch.builder().clusterName("textintel-it").start();
                } catch (IOException e) {
                    throw new UncheckedIOException("Cannot start local Elasticsearch", e);
                }
            });
            LocalKafka kafka;
            try {
                kafka = LocalKafka.start(Files.createTempDirectory("textintel-it-kafka-"));
            } catch (IOException | RuntimeException e) {
                // Do not leave the node behind when the broker fails.
                esStarted.thenAccept(TestServices::closeQuietlyAfterFailure);
                throw e;
            }
            resources.add(kafka);
            LocalElasticsearch elasticsearch = esStarted.join();
            resources.add(elasticsearch);
            return new Running(LOCAL_PROCESSES, kafka.bootstrapServers(), elasticsearch.httpUrl(),
                    elasticsearch.version(), resources);
        } catch (IOException e) {
            closeAll(resources, e);
            throw new UncheckedIOException("Cannot start local Kafka", e);
        } catch (CompletionException e) {
            closeAll(resources, e);
            throw e.getCause() instanceof RuntimeException cause ? cause : e;
        } catch (RuntimeException e) {
            closeAll(resources, e);
            throw e;
        }
    }

    private static void closeQuietlyAfterFailure(AutoCloseable resource) {
        try {
            resource.close();
        } catch (Exception e) {
            LOG.warn("Cannot stop {} after a failed start", resource, e);
        }
    }

    private static void closeAll(List<AutoCloseable> resources, Exception failure) {
        for (AutoCloseable resource : resources) {
            try {
                resource.close();
            } catch (Exception e) {
                failure.addSuppressed(e);
            }
        }
    }

    /** Started servers, where clients reach them, and what to close at the end. */
    private static final class Running {
        final String path;
        final String kafkaBootstrapServers;
        final String elasticsearchUrl;
        final String elasticsearchVersion;
        private final List<AutoCloseable> resources;

        Running(String path, String kafkaBootstrapServers, String elasticsearchUrl, String elasticsearchVersion,
                List<AutoCloseable> resources) {
            this.path = path;
            this.kafkaBootstrapServers = kafkaBootstrapServers;
            this.elasticsearchUrl = elasticsearchUrl;
            this.elasticsearchVersion = elasticsearchVersion;
            this.resources = List.copyOf(resources);
        }

        void close() {
            for (AutoCloseable resource : resources) {
                try {
                    resource.close();
                } catch (Exception e) {
                    LOG.warn("Cannot stop test service {} at JVM exit", resource, e);
                }
            }
        }
    }
}
