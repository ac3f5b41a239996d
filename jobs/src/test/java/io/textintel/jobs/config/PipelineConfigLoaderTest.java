package io.textintel.jobs.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.textintel.operators.inference.GenerativeSettings;
import io.textintel.operators.inference.ModelTask;
import io.textintel.operators.inference.TaskKind;
import io.textintel.serving.spec.Speculation;
import io.textintel.serving.task.SummaryOptions;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

class PipelineConfigLoaderTest {

    private static final String VALID = """
            job-name: feedback
            parallelism: 2
            kafka:
              bootstrap-servers: broker:9092
              topics: [feedback]
              input-format: avro
              properties:
                security.protocol: SSL
            elasticsearch:
              hosts: [http://es:9200]
              bulk-flush-interval: 500ms
            tasks:
              tag:
                kind: tag
                model: org/topic-model
                revision: v2
                top-k: 2
                min-score: 0.1
              embed:
                kind: embed
                model: sentence-transformers/all-MiniLM-L6-v2
                max-length: 128
            engine:
              max-batch-size: 16
              max-batch-delay: 2ms
            checkpointing:
              interval: 30s
            """;

    @Test
    void readsEveryKeyAndKeepsTaskOrder() {
        PipelineConfig config = PipelineConfigLoader.parse(VALID, "test.yaml", List.of());

        assertThat(config.jobName()).isEqualTo("feedback");
        assertThat(config.parallelism()).isEqualTo(2);
        assertThat(config.kafka().inputFormat()).isEqualTo("avro");
        assertThat(config.kafka().properties()).containsEntry("security.protocol", "SSL");
        assertThat(config.elasticsearch().bulkFlushInterval()).isEqualTo(Duration.ofMillis(500));
        assertThat(config.engine().maxBatchSize()).isEqualTo(16);
        assertThat(config.engine().toEngineConfig().maxBatchDelay()).isEqualTo(Duration.ofMillis(2));
        assertThat(config.checkpointing().interval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.modelTasks())
                .extracting(ModelTask::name, ModelTask::kind, ModelTask::maxLength)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("tag", TaskKind.TAG, 0),
                        org.assertj.core.groups.Tuple.tuple("embed", TaskKind.EMBED, 128));
        assertThat(config.modelTasks().get(0).topK()).isEqualTo(2);
        assertThat(config.modelTasks().get(0).revision()).isEqualTo("v2");
    }

    @Test
    void unsetKeysTakeDefaults() {
        PipelineConfig config = PipelineConfigLoader.parse(VALID, "test.yaml", List.of());

        assertThat(config.kafka().groupId()).isEqualTo("textintel");
        assertThat(config.kafka().startingOffsets()).isEqualTo("committed-or-earliest");
        assertThat(config.kafka().deadLetterTopic()).isEqualTo("textintel-dead-letters");
        assertThat(config.kafka().bounded()).isFalse();
        assertThat(config.elasticsearch().index()).isEqualTo("textintel-documents");
        assertThat(config.checkpointing().mode()).isEqualTo("exactly-once");
        assertThat(config.inference().capacity()).isEqualTo(256);
    }

    @Test
    void commandLineOverridesWinAndCreateMissingKeys() {
        PipelineConfig config = PipelineConfigLoader.parse(VALID, "test.yaml", List.of(
                "kafka.bootstrap-servers=127.0.0.1:19092",
                "kafka.topics=[a, b]",
                "kafka.bounded=true",
                "tasks.embed.max-length=64",
                "inference.timeout=5s"));

        assertThat(config.kafka().bootstrapServers()).isEqualTo("127.0.0.1:19092");
        assertThat(config.kafka().topics()).containsExactly("a", "b");
        assertThat(config.kafka().bounded()).isTrue();
        assertThat(config.modelTasks().get(1).maxLength()).isEqualTo(64);
        assertThat(config.inference().timeout()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void dottedKafkaPropertyNamesAreOneKeyInAnOverride() {
        PipelineConfig config = PipelineConfigLoader.parse(VALID, "test.yaml", List.of(
                "kafka.properties.max.request.size=2097152",
                "kafka.properties.sasl.mechanism=SCRAM-SHA-512"));

        assertThat(config.kafka().properties())
                .containsEntry("max.request.size", "2097152")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                .containsEntry("security.protocol", "SSL");
        assertThat(config.deadLetterLimits().maxMessageBytes()).isEqualTo(2_097_152);
    }

    @Test
    void deadLettersAreIndexedInTheirOwnIndexUnlessTurnedOff() {
        PipelineConfig defaults = PipelineConfigLoader.parse(VALID, "test.yaml", List.of());
        assertThat(defaults.elasticsearch().deadLetterIndex()).isEqualTo("textintel-dead-letters");
        assertThat(defaults.elasticsearch().indexesDeadLetters()).isTrue();

        PipelineConfig custom = PipelineConfigLoader.parse(VALID, "test.yaml",
                List.of("elasticsearch.dead-letter-index=feedback-dead-letters"));
        assertThat(custom.elasticsearch().deadLetterIndex()).isEqualTo("feedback-dead-letters");

        PipelineConfig off = PipelineConfigLoader.parse(VALID, "test.yaml",
                List.of("elasticsearch.dead-letter-index=none"));
        assertThat(off.elasticsearch().indexesDeadLetters()).isFalse();

        assertThatThrownBy(() -> PipelineConfigLoader.parse(VALID, "test.yaml",
                List.of("elasticsearch.dead-letter-index=Dead-Letters")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("elasticsearch.dead-letter-index is 'Dead-Letters', expected a lowercase index");
        assertThatThrownBy(() -> PipelineConfigLoader.parse(VALID, "test.yaml",
                List.of("elasticsearch.dead-letter-index=textintel-documents")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("elasticsearch.dead-letter-index is the documents index 'textintel-documents'");
    }

    @Test
    void deadLetterLimitsFollowTheBoundAndAnExplicitRequestSizeMustHoldIt() {
        PipelineConfig defaults = PipelineConfigLoader.parse(VALID, "test.yaml", List.of());
        assertThat(defaults.validation().deadLetterMaxBytes()).isEqualTo(65_536);
        assertThat(defaults.validation().controlCharacters()).isEqualTo("strip");
        assertThat(defaults.deadLetterLimits().maxMessageBytes()).isEqualTo(1_048_576);
        assertThat(defaults.deadLetterLimits().producerProperties(Map.of("acks", "all")))
                .containsEntry("max.request.size", "1048576").containsEntry("acks", "all");

        PipelineConfig big = PipelineConfigLoader.parse(VALID, "test.yaml",
                List.of("validation.dead-letter-max-bytes=4194304"));
        assertThat(big.deadLetterLimits().maxMessageBytes()).isEqualTo(4_194_304 + 16 * 1024);

        assertThatThrownBy(() -> PipelineConfigLoader.parse(VALID, "test.yaml",
                List.of("validation.dead-letter-max-bytes=4194304", "kafka.properties.max.request.size=1048576")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("kafka.properties.max.request.size")
                .hasMessageContaining("at least 4210688 bytes");
        assertThatThrownBy(() -> PipelineConfigLoader.parse(VALID, "test.yaml",
                List.of("validation.control-characters=drop")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("validation.control-characters");
    }

    @Test
    void kafkaOutputsAreExactlyOnceByDefaultWithAPrefixPerSinkAndATimeoutTheBrokerAccepts() {
        KafkaSettings kafka = PipelineConfigLoader.parse(VALID, "test.yaml", List.of()).kafka();
        assertThat(kafka.exactlyOnce()).isTrue();
        assertThat(kafka.transactionTimeout()).isEqualTo(Duration.ofMinutes(15));
        assertThat(kafka.transactionalIdPrefix("feedback", "dead-letters")).isEqualTo("feedback-dead-letters");

        KafkaSettings set = PipelineConfigLoader.parse(VALID, "test.yaml", List.of(
                "kafka.delivery-guarantee=at-least-once", "kafka.transactional-id-prefix=feedback-eu",
                "kafka.transaction-timeout=5min")).kafka();
        assertThat(set.exactlyOnce()).isFalse();
        assertThat(set.transactionTimeout()).isEqualTo(Duration.ofMinutes(5));
        assertThat(set.transactionalIdPrefix("feedback", "drift-kafka")).isEqualTo("feedback-eu-drift-kafka");
    }

    @Test
    void exactlyOnceIsCheckedAgainstCheckpointingAndTheProducerProperties() {
        assertThatThrownBy(() -> PipelineConfigLoader.parse(VALID, "test.yaml", List.of(
                "kafka.delivery-guarantee=exactly-twice")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).containsExactly(
                        "kafka.delivery-guarantee is 'exactly-twice', expected one of exactly-once, at-least-once"));
        ConfigProblems blankPrefix = new ConfigProblems();
        new KafkaSettings("broker:9092", List.of("in"), null, null, null, null, null, null, null, " ", null, null)
                .validate(blankPrefix);
        assertThatThrownBy(() -> blankPrefix.throwIfAny("test.yaml"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).containsExactly(
                        "kafka.transactional-id-prefix is blank, expected a prefix unique to this job, or no key for"
                                + " the job name"));
        assertThatThrownBy(() -> PipelineConfigLoader.parse(VALID, "test.yaml", List.of(
                "checkpointing.mode=at-least-once", "checkpointing.timeout=15min")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).containsExactlyInAnyOrder(
                        "kafka.delivery-guarantee is exactly-once with checkpointing.mode at-least-once, expected"
                                + " checkpointing.mode exactly-once (without aligned barriers a replay repeats records"
                                + " that a committed transaction holds), or kafka.delivery-guarantee at-least-once",
                        "kafka.transaction-timeout is PT15M, expected more than checkpointing.interval plus"
                                + " checkpointing.timeout (PT15M30S), and at most the broker's"
                                + " transaction.max.timeout.ms (15min by default)"));
        assertThatThrownBy(() -> PipelineConfigLoader.parse(VALID, "test.yaml", List.of(
                "kafka.properties.transaction.timeout.ms=60000")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("kafka.properties sets transaction.timeout.ms, expected"
                        + " kafka.transactional-id-prefix and kafka.transaction-timeout instead");
        // At least once neither needs aligned checkpoints nor uses transactions.
        assertThat(PipelineConfigLoader.parse(VALID, "test.yaml", List.of("kafka.delivery-guarantee=at-least-once",
                "checkpointing.mode=at-least-once", "checkpointing.timeout=15min")).kafka().exactlyOnce()).isFalse();
    }

    @Test
    void enrichedDocumentsGoToKafkaOnlyWhenATopicIsSet() {
        assertThat(PipelineConfigLoader.parse(VALID, "test.yaml", List.of()).kafka().writesEnrichedDocuments())
                .isFalse();
        KafkaSettings set = PipelineConfigLoader.parse(VALID, "test.yaml", List.of(
                "kafka.enriched-topic=feedback-enriched")).kafka();
        assertThat(set.writesEnrichedDocuments()).isTrue();
        assertThat(set.enrichedTopic()).isEqualTo("feedback-enriched");
        assertThat(set.toString()).contains("enrichedTopic=feedback-enriched");

        assertThatThrownBy(() -> PipelineConfigLoader.parse(VALID, "test.yaml", List.of("kafka.enriched-topic=feedback")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).containsExactly(
                        "kafka.enriched-topic is feedback, also an input or the dead-letter topic, expected a topic"
                                + " of its own"));
        ConfigProblems blank = new ConfigProblems();
        new KafkaSettings("broker:9092", List.of("in"), null, null, null, null, null, null, null, null, null, " ")
                .validate(blank);
        assertThatThrownBy(() -> blank.throwIfAny("test.yaml"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).hasSize(1)
                        .allSatisfy(problem -> assertThat(problem).startsWith("kafka.enriched-topic")));
    }

    @Test
    void unknownKeyIsNamedWithTheKeysThatExist() {
        assertThatThrownBy(() -> PipelineConfigLoader.parse(VALID, "test.yaml", List.of("kafka.bootstrap=x:1")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("test.yaml")
                .hasMessageContaining("unknown key 'kafka.bootstrap'")
                .hasMessageContaining("bootstrap-servers");
    }

    @Test
    void wrongTypesNameTheKeyAndTheExpectedType() {
        assertThatThrownBy(() -> PipelineConfigLoader.parse(VALID, "test.yaml", List.of("parallelism=many")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("parallelism has value 'many', expected a whole number");
        assertThatThrownBy(() -> PipelineConfigLoader.parse(VALID, "test.yaml", List.of("checkpointing.interval=soon")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("checkpointing.interval has value 'soon', expected a duration");
    }

    @Test
    void invalidValuesInOperatorSettingsAreReportedWithTheirKey() {
        assertThatThrownBy(() -> PipelineConfigLoader.parse(VALID, "test.yaml", List.of("engine.max-batch-size=0")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("engine: engine maxBatchSize is 0, expected >= 1");
    }

    @Test
    void reportsAllSemanticProblemsAtOnce() {
        String yaml = """
                kafka:
                  topics: []
                  input-format: xml
                elasticsearch:
                  hosts: [es:9200]
                tasks:
                  tag:
                    kind: tag
                    model: m
                    top-k: 0
                """;

        assertThatThrownBy(() -> PipelineConfigLoader.parse(yaml, "bad.yaml", List.of()))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).containsExactlyInAnyOrder(
                        "kafka.bootstrap-servers is missing, expected host:port of a Kafka broker",
                        "kafka.topics is empty, expected at least one input topic",
                        "kafka.input-format is 'xml', expected one of json, avro, text",
                        "elasticsearch.hosts[0] is 'es:9200', expected an http:// or https:// URL",
                        "tasks.tag.top-k is 0, expected 1 or more"));
    }

    @Test
    void aMaxLengthWithoutRoomForTheSpecialTokensIsRejectedAtLoad() {
        assertThatThrownBy(() -> PipelineConfigLoader.parse(VALID, "test.yaml", List.of("tasks.embed.max-length=1")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("tasks.embed.max-length is 1, expected 0 (the model's limit) or at least 2");
    }

    @Test
    void theEngineQueueMustHoldEverythingTheAsyncOperatorsAdmit() {
        assertThatThrownBy(() -> PipelineConfigLoader.parse(VALID, "test.yaml",
                        List.of("inference.capacity=100", "parallelism=4", "engine.max-queued-requests=300")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("engine.max-queued-requests is 300, expected at least inference.capacity"
                        + " × parallelism = 400");
        PipelineConfigLoader.parse(VALID, "test.yaml",
                List.of("inference.capacity=100", "parallelism=4", "engine.max-queued-requests=400"));
    }

    @Test
    void theDecoderWeightFormatIsConfiguredInTheEngineSection() {
        PipelineConfig config = PipelineConfigLoader.parse(VALID, "test.yaml", List.of("engine.weights=bf16"));
        assertThat(config.engine().toDecoderConfig(Speculation.NONE, null).weights())
                .isEqualTo(io.textintel.serving.backend.WeightFormat.BF16);
        assertThatThrownBy(() -> PipelineConfigLoader.parse(VALID, "test.yaml", List.of("engine.weights=int4")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("engine.weights is int4, expected one of [f32, bf16, int8]");
    }

    @Test
    void theDecoderKvCacheIsConfiguredInTheEngineSection() {
        PipelineConfig config = PipelineConfigLoader.parse(VALID, "test.yaml",
                List.of("engine.kv-cache-blocks=512", "engine.kv-block-size=32"));
        var generation = config.engine().toDecoderConfig(Speculation.NONE, null).generation();
        assertThat(generation.kvBlocks()).isEqualTo(512);
        assertThat(generation.kvBlockSize()).isEqualTo(32);
        assertThatThrownBy(() -> PipelineConfigLoader.parse(VALID, "test.yaml", List.of("engine.kv-cache-blocks=0")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("engine: ")
                .hasMessageContaining("kvBlocks is 0, expected >= 1");
    }

    @Test
    void theDriftSectionTakesDefaultsAndRejectsWhatTheMonitorWouldRefuse() {
        PipelineConfig config = PipelineConfigLoader.parse(VALID, "test.yaml",
                List.of("drift.window=10min", "drift.reference-documents=500", "drift.consecutive-windows=2"));
        assertThat(config.drift().enabled()).isTrue();
        assertThat(config.drift().window()).isEqualTo(Duration.ofMinutes(10));
        assertThat(config.drift().detector().referenceDocuments()).isEqualTo(500);
        assertThat(config.drift().detector().consecutiveWindows()).isEqualTo(2);
        assertThat(config.drift().detector().expectedRunTime()).isEqualTo(200);
        assertThat(config.drift().index()).isEqualTo("textintel-drift");

        assertThatThrownBy(() -> PipelineConfigLoader.parse(VALID, "test.yaml", List.of("drift.expected-run-time=1")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("drift: expectedRunTime is 1.0, expected a finite number of windows above 1");
        assertThatThrownBy(() -> PipelineConfigLoader.parse(VALID, "test.yaml",
                        List.of("drift.reference-from=2026-11-01T00:00:00Z")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("drift: the reference time range needs both from and to");
        assertThatThrownBy(() -> PipelineConfigLoader.parse(VALID, "test.yaml",
                        List.of("drift.reference-from=yesterday", "drift.reference-to=today")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("drift: ")
                .hasMessageContaining("yesterday");
        PipelineConfigLoader.parse(VALID, "test.yaml", List.of("drift.enabled=false", "drift.expected-run-time=1"));
    }

    @Test
    void malformedYamlAndNonMappingDocumentsAreRejected() {
        assertThatThrownBy(() -> PipelineConfigLoader.parse("kafka: [unclosed", "broken.yaml", List.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("broken.yaml")
                .hasMessageContaining("is not valid YAML");
        assertThatThrownBy(() -> PipelineConfigLoader.parse("- a\n- b\n", "list.yaml", List.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("expected a mapping");
        assertThatThrownBy(() -> PipelineConfigLoader.parse(VALID, "t.yaml", List.of("no-equals-sign")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("is not key=value");
    }

    private static final String DECODER_TASKS = """
            kafka:
              bootstrap-servers: broker:9092
              topics: [feedback]
            elasticsearch:
              hosts: [http://es:9200]
            tasks:
              summary:
                kind: summarize
                model: Qwen/Qwen2.5-1.5B-Instruct
                max-summary-tokens: 48
                max-summary-input-tokens: 2000
                style: one sentence
                temperature: 0.7
                top-p: 0.9
                seed: 11
                speculation: draft-model
                draft-model: Qwen/Qwen2.5-0.5B-Instruct
              topics:
                kind: tag
                mode: generative
                model: Qwen/Qwen2.5-1.5B-Instruct
                labels: [billing, delivery, praise]
                multi-label: true
                top-k: 2
            """;

    @Test
    void summarizeAndGenerativeTagTasksReadTheirDecoderKeys() {
        List<ModelTask> tasks = PipelineConfigLoader.parse(DECODER_TASKS, "test.yaml", List.of()).modelTasks();
        assertThat(tasks).extracting(ModelTask::kind).containsExactly(TaskKind.SUMMARIZE, TaskKind.GENERATIVE_TAG);
        GenerativeSettings summary = tasks.get(0).generative();
        assertThat(summary.maxSummaryTokens()).isEqualTo(48);
        assertThat(summary.maxSummaryInputTokens()).isEqualTo(2000);
        assertThat(summary.summaryOptions().maxInputTokens()).isEqualTo(2000);
        assertThat(tasks.get(1).generative().maxSummaryInputTokens()).as("default")
                .isEqualTo(SummaryOptions.DEFAULT_MAX_INPUT_TOKENS);
        assertThat(summary.style()).isEqualTo("one sentence");
        assertThat(summary.temperature()).isEqualTo(0.7f);
        assertThat(summary.topP()).isEqualTo(0.9f);
        assertThat(summary.seed()).isEqualTo(11L);
        assertThat(summary.speculation()).isEqualTo("draft-model");
        assertThat(summary.draftModel()).isEqualTo("Qwen/Qwen2.5-0.5B-Instruct");
        GenerativeSettings topics = tasks.get(1).generative();
        assertThat(topics.labels()).containsExactly("billing", "delivery", "praise");
        assertThat(topics.multiLabel()).isTrue();
        assertThat(tasks.get(1).topK()).isEqualTo(2);
    }

    @Test
    void badDecoderKeysAreReportedWithTheirKeys() {
        assertThatThrownBy(() -> PipelineConfigLoader.parse(DECODER_TASKS, "test.yaml", List.of(
                "tasks.summary.max-summary-tokens=0", "tasks.summary.max-summary-input-tokens=0",
                "tasks.summary.top-p=1.5", "tasks.summary.speculation=medusa",
                "tasks.topics.labels=[]", "tasks.topics.mode=keywords", "tasks.summary.temperature=-1")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("tasks.summary.max-summary-tokens is 0, expected 1 or more")
                .hasMessageContaining("tasks.summary.max-summary-input-tokens is 0, expected 1 or more")
                .hasMessageContaining("tasks.summary.top-p is 1.5, expected a number in (0, 1]")
                .hasMessageContaining("tasks.summary.temperature is -1.0, expected a number >= 0")
                .hasMessageContaining("tasks.summary.speculation is 'medusa', expected one of none, prompt-lookup,"
                        + " draft-model")
                .hasMessageContaining("tasks.topics.mode is 'keywords', expected one of classifier, generative,"
                        + " zero-shot, few-shot");
        assertThatThrownBy(() -> PipelineConfigLoader.parse(DECODER_TASKS, "test.yaml", List.of(
                "tasks.summary.speculation=prompt-lookup", "tasks.topics.labels=[]")))
                .hasMessageContaining("tasks.summary.draft-model is set but speculation is prompt-lookup")
                .hasMessageContaining("tasks.topics.labels are missing");
        assertThatThrownBy(() -> PipelineConfigLoader.parse(DECODER_TASKS, "test.yaml", List.of(
                "tasks.summary.draft-model=", "tasks.topics.labels=[a, a]")))
                .hasMessageContaining("tasks.summary.draft-model is missing")
                .hasMessageContaining("tasks.topics.labels contain 'a' twice");
    }

    @Test
    void theMavenRepositoryOfShippedModelsIsReadWithItsCredentialsAndABadOneIsNamed() {
        PipelineConfig config = PipelineConfigLoader.parse(VALID, "test.yaml", List.of(
                "hub.maven-repository=https://mirror.example/maven2/", "hub.maven-username=reader",
                "hub.maven-password=s3cret"));

        assertThat(config.hub().remoteMavenRepository().jarUrl("a.b", "c", "1").toString())
                .isEqualTo("https://mirror.example/maven2/a/b/c/1/c-1.jar");
        assertThat(config.hub().remoteMavenRepository().username()).isEqualTo("reader");
        assertThat(config.toString()).doesNotContain("s3cret").contains("mavenPassword=***");
        assertThat(PipelineConfigLoader.parse(VALID, "test.yaml", List.of()).hub().remoteMavenRepository().url())
                .hasToString("https://repo.maven.apache.org/maven2");
        assertThatThrownBy(() -> PipelineConfigLoader.parse(VALID, "test.yaml",
                List.of("hub.maven-repository=repo.example/maven2")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("hub: Maven repository 'repo.example/maven2' is not an absolute http(s) URL");
    }
}
