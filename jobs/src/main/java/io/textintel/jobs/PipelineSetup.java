package io.textintel.jobs;

import io.textintel.connectors.elasticsearch.ElasticsearchAccessCheck;
import io.textintel.connectors.elasticsearch.IndexTemplate;
import io.textintel.connectors.elasticsearch.IndexTemplates;
import io.textintel.jobs.config.DriftMonitorSettings;
import io.textintel.jobs.config.ElasticsearchSettings;
import io.textintel.jobs.config.KafkaSettings;
import io.textintel.jobs.config.PipelineConfig;
import io.textintel.operators.inference.ModelTask;
import io.textintel.operators.inference.TaskKind;
import io.textintel.serving.model.EncoderModel;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.transport.ElasticsearchTransport;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;

/**
 * What a pipeline needs outside Flink before it starts: Elasticsearch credentials that hold the
 * privileges the pipeline needs (checked first, see {@link #accessCheck}), its Kafka topics and its
 * Elasticsearch index templates (the documents template takes its vector dimensions from the
 * embedding model).
 */
public final class PipelineSetup {

    private static final Logger LOG = LoggerFactory.getLogger(PipelineSetup.class);

    /**
     * What setup did.
     *
     * @param createdTopics topics that did not exist and were created
     * @param templates names of the installed index templates; empty when templates are not installed
     * @param embeddingDimension dimensions of the embedding field; 0 without an embedding task
     */
    public record Result(List<String> createdTopics, List<String> templates, int embeddingDimension) {}

    private PipelineSetup() {}

    /** Creates missing topics, and installs the templates if the configuration asks for it. */
    public static Result prepare(PipelineConfig config) throws IOException {
        return prepare(config, config.elasticsearch().installTemplates());
    }

    /**
     * Checks the Elasticsearch credentials' privileges, creates missing topics and, if
     * {@code installTemplates}, installs the index templates.
     *
     * @throws io.textintel.connectors.elasticsearch.ElasticsearchAccessException when the credentials
     *     are refused or lack a privilege, before anything is created
     */
    public static Result prepare(PipelineConfig config, boolean installTemplates) throws IOException {
        accessCheck(config, installTemplates).run(config.elasticsearch().connection());
        List<String> created = createMissingTopics(config.kafka(), config.drift(),
                config.deadLetterLimits().maxMessageBytes());
        int dims = embeddingDimension(config);
        List<String> templates = installTemplates ? installTemplates(config.elasticsearch(), config.drift(), dims)
                : List.of();
        return new Result(created, templates, dims);
    }

    /**
     * The privileges the pipeline's Elasticsearch user needs: {@code create_index} and {@code index}
     * on the documents index, the dead-letters index unless it is {@code none} and, with the drift
     * monitor, on the drift and reference-profile indices (each as a {@code name*} pattern, as the templates match them); and, to install the templates,
     * the cluster privilege {@code manage_index_templates}.
     */
    public static ElasticsearchAccessCheck accessCheck(PipelineConfig config, boolean installTemplates) {
        List<String> indices = new ArrayList<>();
        indices.add(config.elasticsearch().index() + "*");
        if (config.drift().enabled()) {
            indices.add(config.drift().index() + "*");
            indices.add(config.drift().profileIndex() + "*");
        }
        if (config.elasticsearch().indexesDeadLetters()) {
            indices.add(config.elasticsearch().deadLetterIndex() + "*");
        }
        ElasticsearchAccessCheck.Builder check = ElasticsearchAccessCheck.builder()
                .indexPrivileges(indices, "create_index", "index");
        if (installTemplates) {
            check.clusterPrivileges("manage_index_templates");
        }
        return check.build();
    }

    /**
     * The length of the first embedding task's embeddings (after any sentence-transformers Dense
     * modules, so not always the hidden size), or 0 when there is no embedding task.
     */
    static int embeddingDimension(PipelineConfig config) throws IOException {
        for (ModelTask task : config.modelTasks()) {
            if (task.kind() == TaskKind.EMBED) {
                return EncoderModel.outputDimension(config.hub().resolve(task).directory());
            }
        }
        return 0;
    }

    /**
     * Creates the topics that are missing, the dead-letter topic with {@code max.message.bytes} of
     * {@code deadLetterMessageBytes}, and raises that setting of an existing dead-letter topic that
     * is lower, so that every dead letter the producer may send is accepted.
     */
    private static List<String> createMissingTopics(KafkaSettings kafka, DriftMonitorSettings drift,
            int deadLetterMessageBytes) throws IOException {
        Map<String, Object> props = kafka.adminProperties();
        try (Admin admin = Admin.create(props)) {
            Set<String> existing = admin.listTopics().names().get();
            Set<String> wanted = topics(kafka, drift);
            Map<String, String> deadLetterConfig =
                    Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(deadLetterMessageBytes));
            List<NewTopic> missing = new ArrayList<>();
            for (String topic : wanted) {
                if (!existing.contains(topic)) {
                    NewTopic newTopic = new NewTopic(topic, Optional.empty(), Optional.empty());
                    missing.add(topic.equals(kafka.deadLetterTopic()) ? newTopic.configs(deadLetterConfig) : newTopic);
                }
            }
            if (!missing.isEmpty()) {
                admin.createTopics(missing).all().get();
                LOG.info("Created Kafka topics {}", missing.stream().map(NewTopic::name).toList());
            }
            if (existing.contains(kafka.deadLetterTopic())) {
                raiseMaxMessageBytes(admin, kafka.deadLetterTopic(), deadLetterMessageBytes);
            }
            return missing.stream().map(NewTopic::name).toList();
        } catch (ExecutionException e) {
            throw new IOException("cannot create topics on Kafka at " + kafka.bootstrapServers() + ": "
                    + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while creating Kafka topics", e);
        }
    }

    /**
     * The topics the pipeline reads and writes: the input topics, the dead-letter topic, the
     * enriched topic if set and, with the drift monitor, the drift topic.
     */
    static Set<String> topics(KafkaSettings kafka, DriftMonitorSettings drift) {
        Set<String> topics = new LinkedHashSet<>(kafka.topics());
        topics.add(kafka.deadLetterTopic());
        if (kafka.writesEnrichedDocuments()) {
            topics.add(kafka.enrichedTopic());
        }
        if (drift.enabled()) {
            topics.add(drift.topic());
        }
        return topics;
    }

    private static void raiseMaxMessageBytes(Admin admin, String topic, int bytes)
            throws ExecutionException, InterruptedException {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        Config config = admin.describeConfigs(List.of(resource)).all().get().get(resource);
        ConfigEntry entry = config == null ? null : config.get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
        int current = entry == null || entry.value() == null ? 0 : Integer.parseInt(entry.value());
        if (current < bytes) {
            admin.incrementalAlterConfigs(Map.of(resource, List.of(new AlterConfigOp(
                    new ConfigEntry(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(bytes)),
                    AlterConfigOp.OpType.SET)))).all().get();
            LOG.info("Raised max.message.bytes of dead-letter topic {} from {} to {}, the dead-letter producer's"
                    + " max.request.size", topic, current, bytes);
        }
    }

    private static List<String> installTemplates(ElasticsearchSettings es, DriftMonitorSettings drift, int dims)
            throws IOException {
        List<IndexTemplate> templates = new ArrayList<>();
        if (dims > 0) {
            templates.add(IndexTemplates.documents(
                    es.index() + "*", dims, es.indexOptions().options(dims), es.shards(), es.replicas()));
        } else {
            LOG.warn("No embed task: the documents template is not installed and Elasticsearch maps documents dynamically");
        }
        templates.add(IndexTemplates.drift(drift.index() + "*", es.shards(), es.replicas()));
        templates.add(IndexTemplates.referenceProfiles(drift.profileIndex() + "*", es.shards(), es.replicas()));
        if (es.indexesDeadLetters()) {
            templates.add(IndexTemplates.deadLetters(es.deadLetterIndex() + "*", es.shards(), es.replicas()));
        }
        try (ElasticsearchTransport transport = es.connection().createTransport()) {
            ElasticsearchClient client = new ElasticsearchClient(transport);
            for (IndexTemplate template : templates) {
                IndexTemplates.install(client, template);
            }
        }
        return templates.stream().map(IndexTemplate::name).toList();
    }
}
