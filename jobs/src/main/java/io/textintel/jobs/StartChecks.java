package io.textintel.jobs;

import io.textintel.connectors.elasticsearch.ElasticsearchAccessException;
import io.textintel.jobs.config.KafkaSettings;
import io.textintel.jobs.config.PipelineConfig;
import io.textintel.operators.inference.ModelRepository;
import io.textintel.serving.hub.HubException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What {@code textintel run} and the Flink entry point check before they submit the job, so that a
 * missing prerequisite fails at once with a message saying which command provides it, instead of a
 * stack trace deep in a task or a job that waits for ever: with {@code hub.offline: true}, that every
 * task's model is in the model cache ({@code textintel models pull}); that every configured Kafka
 * topic exists ({@code textintel setup}); that the Elasticsearch credentials, if any, hold the index
 * privileges the job needs (the template privilege is {@code setup}'s alone). Set-up itself stays
 * with those commands.
 *
 * <p>The Flink entry point may run on a client that only submits ({@code flink run} from a laptop
 * to a session cluster): there a model cache directory that does not exist on this machine is the
 * TaskManagers' volume, not checked here (each task checks its own when it opens, naming the same
 * command). {@code --no-start-checks} on the entry point skips every check, for a client that does
 * not reach Kafka or Elasticsearch at all.
 */
public final class StartChecks {

    private static final Logger LOG = LoggerFactory.getLogger(StartChecks.class);

    /** How long Kafka may take to describe the topics before the broker counts as unreachable. */
    public static final Duration KAFKA_TIMEOUT = Duration.ofSeconds(30);

    private StartChecks() {}

    /**
     * Runs every check for the pipeline read from {@code configFile}.
     *
     * @throws StartCheckException naming what is missing and the command that provides it
     * @throws ElasticsearchAccessException when the credentials are refused or lack a privilege (all listed)
     */
    public static void run(PipelineConfig config, Path configFile, Where where) throws ElasticsearchAccessException {
        run(config, configFile, where, KAFKA_TIMEOUT);
    }

    static void run(PipelineConfig config, Path configFile, Where where, Duration kafkaTimeout)
            throws ElasticsearchAccessException {
        Path cache = config.hub().hubCacheDir();
        if (where == Where.SUBMITTING_CLIENT && config.hub().offline() && !Files.isDirectory(cache)) {
            LOG.info("The model cache {} is not on this machine: the TaskManagers check theirs when the tasks open",
                    cache);
        } else {
            modelsCached(config, configFile);
        }
        PipelineSetup.accessCheck(config, false).run(config.elasticsearch().connection());
        topicsExist(config, configFile, kafkaTimeout);
    }

    /** Where the checks run, which decides what a missing model cache directory means. */
    public enum Where {
        /** {@code textintel run}: the tasks run in this JVM, so the cache must be here. */
        TASKS_HERE,
        /** The Flink entry point: the tasks may run on other machines, with the cache on their volume. */
        SUBMITTING_CLIENT
    }

    /**
     * With {@code hub.offline: true}, checks that the cache holds every hub model the tasks reference
     * (local directories and shipped models are not read from the hub cache); does nothing online,
     * where the operators download what is missing.
     */
    public static void modelsCached(PipelineConfig config, Path configFile) {
        ModelRepository hub = config.hub();
        if (!hub.offline()) {
            return;
        }
        List<String> missing = new ArrayList<>();
        HubException first = null;
        for (ModelPull.Reference model : ModelPull.references(config)) {
            if (!ModelRepository.isHubModel(model.modelId())) {
                continue;
            }
            try {
                hub.resolve(model.task(), model.modelId(), model.revision());
            } catch (HubException e) {
                if (e.kind() != HubException.Kind.NOT_CACHED) {
                    throw new StartCheckException(StartCheckException.Kind.MODEL_NOT_CACHED,
                            "task '" + model.task() + "': cannot read model " + model.modelId() + " from the cache: "
                                    + e.getMessage(), e);
                }
                missing.add(model.modelId() + " at " + model.revision() + " (task " + model.task() + ")");
                first = first == null ? e : first;
            } catch (IOException e) {
                throw new StartCheckException(StartCheckException.Kind.MODEL_NOT_CACHED,
                        "task '" + model.task() + "': cannot read model " + model.modelId() + " from the cache: "
                                + e.getMessage(), e);
            }
        }
        if (!missing.isEmpty()) {
            throw new StartCheckException(StartCheckException.Kind.MODEL_NOT_CACHED, String.format(
                    "hub.offline is true but the model cache %s does not hold %s. Fill it before starting the"
                            + " job: textintel models pull -c %s (on a machine that reaches the hub; add --cache-dir"
                            + " DIR to fill a volume the TaskManagers mount as hub.cache-dir)",
                    hub.hubCacheDir(), String.join(", ", missing), configFile), first);
        }
    }

    /**
     * Checks that every topic the pipeline reads and writes exists: the input topics, the dead-letter
     * topic, the enriched topic if set and, with the drift monitor, the drift topic.
     *
     * @param timeout how long Kafka may take to answer
     */
    public static void topicsExist(PipelineConfig config, Path configFile, Duration timeout) {
        KafkaSettings kafka = config.kafka();
        Set<String> topics = PipelineSetup.topics(kafka, config.drift());
        Map<String, Object> props = kafka.adminProperties();
        int millis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, millis);
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, millis);
        List<String> missing = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        Admin admin;
        try {
            admin = Admin.create(props);
        } catch (KafkaException e) {
            throw new StartCheckException(StartCheckException.Kind.KAFKA_UNAVAILABLE, String.format(
                    "cannot connect to Kafka at %s: %s; check kafka.bootstrap-servers (and kafka.properties)",
                    kafka.bootstrapServers(),
                    e.getCause() == null ? e.getMessage() : e.getMessage() + ": " + e.getCause().getMessage()), e);
        }
        try {
            Map<String, KafkaFuture<TopicDescription>> described = admin
                    .describeTopics(topics, new DescribeTopicsOptions().timeoutMs(millis)).topicNameValues();
            for (String topic : topics) {
                try {
                    described.get(topic).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                        missing.add(topic);
                    } else {
                        throw unavailable(kafka, topic, timeout, e.getCause());
                    }
                } catch (TimeoutException e) {
                    throw unavailable(kafka, topic, timeout, e);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checking the Kafka topics at " + kafka.bootstrapServers(), e);
        } finally {
            // Every answer is in, or the check has failed: nothing pending is worth waiting for.
            admin.close(Duration.ZERO);
        }
        if (!missing.isEmpty()) {
            throw new StartCheckException(StartCheckException.Kind.TOPIC_MISSING, String.format(
                    "Kafka at %s lacks %d of the %d topics the pipeline reads and writes: %s. Create them before"
                            + " starting the job: textintel setup -c %s",
                    kafka.bootstrapServers(), missing.size(), topics.size(), String.join(", ", missing), configFile),
                    null);
        }
        LOG.info("Kafka at {} has every topic the pipeline uses: {}", kafka.bootstrapServers(), topics);
    }

    private static StartCheckException unavailable(KafkaSettings kafka, String topic, Duration timeout, Throwable cause) {
        if (cause instanceof TopicAuthorizationException) {
            return new StartCheckException(StartCheckException.Kind.KAFKA_UNAVAILABLE, String.format(
                    "Kafka at %s refused to describe topic %s: %s; the pipeline's principal needs Describe on"
                            + " every topic it uses (check kafka.properties for the credentials)",
                    kafka.bootstrapServers(), topic, cause.getMessage()), cause);
        }
        boolean timedOut = cause instanceof TimeoutException
                || cause instanceof org.apache.kafka.common.errors.TimeoutException;
        return new StartCheckException(StartCheckException.Kind.KAFKA_UNAVAILABLE, timedOut
                ? String.format("Kafka at %s did not answer within %ss while checking topic %s: is it running and"
                        + " reachable from here? Check kafka.bootstrap-servers (and kafka.properties for security)",
                        kafka.bootstrapServers(), timeout.toSeconds(), topic)
                : String.format("Kafka at %s failed to describe topic %s: %s (check kafka.bootstrap-servers and"
                        + " kafka.properties)", kafka.bootstrapServers(), topic, cause), cause);
    }
}
