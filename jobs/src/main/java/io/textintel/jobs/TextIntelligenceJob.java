package io.textintel.jobs;

import io.textintel.connectors.deadletter.KafkaRejectedDocumentHandler;
import io.textintel.connectors.deadletter.KafkaRejectedDocumentSink;
import io.textintel.connectors.elasticsearch.DeadLetterSerializer;
import io.textintel.connectors.elasticsearch.DocumentSerializer;
import io.textintel.connectors.elasticsearch.DriftReportSerializer;
import io.textintel.connectors.elasticsearch.CommittedIndexingSink;
import io.textintel.connectors.elasticsearch.ElasticsearchSink;
import io.textintel.connectors.elasticsearch.ElasticsearchSinkBuilder;
import io.textintel.connectors.elasticsearch.EnrichedDocumentSerializer;
import io.textintel.connectors.elasticsearch.LoggedRejectedDocumentHandler;
import io.textintel.connectors.kafka.AvroKafkaSinkBuilder;
import io.textintel.connectors.kafka.KafkaRawSource;
import io.textintel.connectors.kafka.KafkaSinks;
import io.textintel.connectors.kafka.StartingOffsets;
import io.textintel.jobs.config.CheckpointSettings;
import io.textintel.jobs.config.DeadLetterLimits;
import io.textintel.jobs.config.DriftMonitorSettings;
import io.textintel.jobs.config.ElasticsearchSettings;
import io.textintel.jobs.config.KafkaSettings;
import io.textintel.jobs.config.PipelineConfig;
import io.textintel.jobs.config.PipelineConfigLoader;
import io.textintel.jobs.config.RestartSettings;
import io.textintel.operators.DeadLetters;
import io.textintel.operators.DecodedRecord;
import io.textintel.operators.decode.DecodeFunction;
import io.textintel.operators.drift.DriftMonitor;
import io.textintel.operators.inference.AsyncInferenceSettings;
import io.textintel.operators.inference.InferenceFunction;
import io.textintel.operators.inference.InferenceOutcome;
import io.textintel.operators.inference.ModelTask;
import io.textintel.operators.inference.SplitOutcomes;
import io.textintel.operators.tokenize.TokenizeFunction;
import io.textintel.operators.inference.TokenizedDocument;
import io.textintel.schemas.DeadLetter;
import io.textintel.schemas.EnrichedDocument;
import io.textintel.schemas.RawRecord;
import io.textintel.schemas.codec.DeadLetterBound;
import io.textintel.schemas.codec.InputFormat;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.async.AsyncRetryStrategy;
import org.apache.flink.streaming.util.retryable.AsyncRetryStrategies;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The textintel pipeline: raw text from Kafka, decoded and validated, tokenized, run through the
 * configured model tasks, and indexed in Elasticsearch; everything that fails on the way goes to the
 * dead-letter topic with its reason, and is also indexed in {@code elasticsearch.dead-letter-index}
 * unless that is {@code none}.
 *
 * <pre>
 * kafka-raw → decode-validate → tokenize → inference (async) → route-outcomes ─┬→ elasticsearch
 *                  └────────────────┴────────────────────────────────┴─────────│→ dead-letters (Kafka
 *                                                                             │   and Elasticsearch)
 *                                                                             └→ drift monitor → drift reports
 *                                                                                (Elasticsearch + Kafka), profiles
 * </pre>
 *
 * <p>Delivery: documents in Elasticsearch are idempotent by {@code _id}. When
 * {@code kafka.delivery-guarantee} is {@code exactly-once} (the default), dead letters (rejections by
 * Elasticsearch included) and drift reports on Kafka are written in Kafka transactions committed with
 * each checkpoint, and drift reports and profiles are indexed when their checkpoint completes; at
 * least once otherwise. Dead letters in Elasticsearch are at least once with ids that a replay
 * overwrites.
 *
 * <p>Submit the shaded {@code jobs/target/textintel-jobs.jar} with {@code flink run -c
 * io.textintel.jobs.TextIntelligenceJob textintel-jobs.jar --config pipeline.yaml [--set key=value ...]},
 * or run in-process with {@code bin/textintel run}. Submission does no set-up: run {@code textintel setup}
 * (topics, index templates) and {@code textintel models pull} (the models, into the cache the TaskManagers
 * read) first; {@link StartChecks} fails the submission, naming the command, when either is missing.
 */
public final class TextIntelligenceJob {

    private final PipelineConfig config;

    public TextIntelligenceJob(PipelineConfig config) {
        this.config = config;
    }

    /** Adds the pipeline's operators to {@code env}; the caller executes it. */
    public void addTo(StreamExecutionEnvironment env) {
        KafkaSettings kafka = config.kafka();
        List<ModelTask> tasks = config.modelTasks();
        AsyncInferenceSettings async = config.inference();

        DataStream<RawRecord> raw = env.fromSource(rawSource(kafka), WatermarkStrategy.noWatermarks(), "kafka-raw")
                .uid("kafka-raw");

        SingleOutputStreamOperator<DecodedRecord> decoded = raw
                .process(new DecodeFunction(InputFormat.parse(kafka.inputFormat()), config.validation().toNormalizer(),
                        config.validation().toValidator()))
                .name("decode-validate").uid("decode-validate");

        SingleOutputStreamOperator<TokenizedDocument> tokenized = decoded
                .process(new TokenizeFunction(tasks, config.hub()))
                .name("tokenize").uid("tokenize");

        SingleOutputStreamOperator<InferenceOutcome> outcomes = AsyncDataStream.unorderedWaitWithRetry(
                        tokenized,
                        new InferenceFunction(tasks, config.hub(), config.engine(), async.timeout().toMillis()),
                        async.timeout().toMillis(), TimeUnit.MILLISECONDS, async.capacity(), retryStrategy(async))
                .name("inference").uid("inference");

        SingleOutputStreamOperator<EnrichedDocument> documents = outcomes
                .process(new SplitOutcomes())
                .name("route-outcomes").uid("route-outcomes");

        addElasticsearchSink(documents, config.elasticsearch().index(), new EnrichedDocumentSerializer(),
                "elasticsearch");
        if (config.drift().enabled()) {
            addDriftMonitor(documents, config.drift(), kafka);
        }
        if (kafka.writesEnrichedDocuments()) {
            addEnrichedKafkaSink(documents, kafka);
        }

        // Bounded before the sink: one huge input must not make the producer fail and the job crash-loop.
        DeadLetterLimits limits = config.deadLetterLimits();
        DataStream<DeadLetter> deadLetters = decoded.getSideOutput(DeadLetters.TAG)
                .union(tokenized.getSideOutput(DeadLetters.TAG), documents.getSideOutput(DeadLetters.TAG))
                .map(new BoundDeadLetter(limits.bound()))
                .name("bound-dead-letters").uid("bound-dead-letters");
        deadLetters.sinkTo(deadLetterSink("dead-letters"))
                .name("dead-letters").uid("dead-letters");
        if (config.elasticsearch().indexesDeadLetters()) {
            addDeadLetterIndexing(deadLetters, config.elasticsearch().deadLetterIndex());
        }
    }

    /**
     * Also indexes the bounded dead letters in {@code index}, for Kibana. Their ids come from their
     * Kafka provenance and stage ({@link DeadLetterSerializer}), so a replay overwrites what the
     * failed attempt indexed, and no committed sink is needed. A dead letter Elasticsearch rejects
     * is logged and counted, not sent to the dead-letter topic (it is there already) nor allowed to
     * fail the job. Rejections of enriched documents (stage SINK) go to the Kafka topic only.
     */
    private void addDeadLetterIndexing(DataStream<DeadLetter> deadLetters, String index) {
        deadLetters.sinkTo(elasticsearchSinkBuilder(index, new DeadLetterSerializer())
                        .setRejectedDocumentHandler(LoggedRejectedDocumentHandler.factory())
                        .build())
                .name("dead-letters-elasticsearch").uid("dead-letters-elasticsearch");
    }

    private static KafkaSource<RawRecord> rawSource(KafkaSettings kafka) {
        return KafkaRawSource.builder()
                .bootstrapServers(kafka.bootstrapServers())
                .topics(kafka.topics())
                .groupId(kafka.groupId())
                .startingOffsets(StartingOffsets.parse(kafka.startingOffsets()))
                .bounded(kafka.bounded())
                .properties(kafka.properties())
                .build();
    }

    /** Drift reports to Elasticsearch and Kafka; the reference profile to Elasticsearch. */
    private void addDriftMonitor(DataStream<EnrichedDocument> documents, DriftMonitorSettings drift, KafkaSettings kafka) {
        DriftMonitor.Outputs outputs = drift.monitor().attach(documents);
        addDriftElasticsearchSink(outputs.reports(), drift.index(), new DriftReportSerializer(), "drift-elasticsearch");
        outputs.reports().sinkTo(kafkaSink(KafkaSinks.driftReports()
                                .topic(drift.topic())
                                .properties(kafka.properties()), "drift-kafka"))
                .name("drift-kafka").uid("drift-kafka");
        addDriftElasticsearchSink(outputs.profiles(), drift.profileIndex(), new ReferenceProfileDocumentSerializer(),
                "drift-profile-elasticsearch");
    }

    /** Every enriched document also as Avro to {@code kafka.enriched-topic}, with the configured guarantee. */
    private void addEnrichedKafkaSink(DataStream<EnrichedDocument> documents, KafkaSettings kafka) {
        documents.sinkTo(kafkaSink(KafkaSinks.enrichedDocuments()
                        .topic(kafka.enrichedTopic())
                        .properties(kafka.properties()), "enriched-kafka"))
                .name("enriched-kafka").uid("enriched-kafka");
    }

    /**
     * Indexes drift reports or profiles. With exactly-once they are indexed when the checkpoint that
     * holds them completes ({@link CommittedIndexingSink}): a replay builds the reference profile again
     * from the first documents in their new arrival order, so its version, and the ids of the reports
     * against it, differ from the failed attempt's, and deterministic ids alone would keep both.
     */
    private <T> void addDriftElasticsearchSink(DataStream<T> stream, String index, DocumentSerializer<T> serializer,
            String sinkName) {
        if (!config.kafka().exactlyOnce()) {
            addElasticsearchSink(stream, index, serializer, sinkName);
            return;
        }
        stream.sinkTo(elasticsearchSinkBuilder(index, serializer).buildCommitted()).name(sinkName).uid(sinkName);
    }

    /** A Kafka sink of dead letters with the configured bound, guarantee and a transactional id prefix of its own. */
    private KafkaSink<DeadLetter> deadLetterSink(String sinkName) {
        KafkaSettings kafka = config.kafka();
        return kafkaSink(KafkaSinks.deadLetters()
                .topic(kafka.deadLetterTopic())
                .properties(config.deadLetterLimits().producerProperties(kafka.properties())), sinkName);
    }

    /**
     * {@code builder}'s sink with the configured brokers and delivery guarantee; for exactly-once, the
     * transactional id prefix {@code <kafka.transactional-id-prefix or job name>-<sinkName>}, unique per sink.
     */
    private <T extends SpecificRecord> KafkaSink<T> kafkaSink(AvroKafkaSinkBuilder<T> builder, String sinkName) {
        KafkaSettings kafka = config.kafka();
        builder.bootstrapServers(kafka.bootstrapServers());
        if (kafka.exactlyOnce()) {
            builder.deliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                    .transactionalIdPrefix(kafka.transactionalIdPrefix(config.jobName(), sinkName))
                    .transactionTimeout(kafka.transactionTimeout());
        } else {
            builder.deliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE);
        }
        return builder.build();
    }

    /**
     * Indexes {@code stream} in {@code index}; rejections become dead letters, through a transactional Kafka
     * sink behind the writer for exactly-once, through a producer inside the writer for at-least-once.
     */
    private <T> void addElasticsearchSink(DataStream<T> stream, String index, DocumentSerializer<T> serializer,
            String sinkName) {
        KafkaSettings kafka = config.kafka();
        DeadLetterLimits limits = config.deadLetterLimits();
        var sink = elasticsearchSinkBuilder(index, serializer);
        if (kafka.exactlyOnce()) {
            String rejections = sinkName + "-rejections";
            sink.setRejectedDocumentSink(new KafkaRejectedDocumentSink(deadLetterSink(rejections), limits.bound(),
                    rejections));
            sink.build().addTo(stream, sinkName);
        } else {
            sink.setRejectedDocumentHandler(KafkaRejectedDocumentHandler.factory(
                    kafka.bootstrapServers(), kafka.deadLetterTopic(), limits.producerProperties(kafka.properties()),
                    limits.bound()));
            stream.sinkTo(sink.build()).name(sinkName).uid(sinkName);
        }
    }

    /** A sink builder for {@code index} with the configured connection, bulk sizes and retry policy. */
    private <T> ElasticsearchSinkBuilder<T> elasticsearchSinkBuilder(String index, DocumentSerializer<T> serializer) {
        ElasticsearchSettings es = config.elasticsearch();
        return ElasticsearchSink.<T>builder()
                .setConnection(es.connection())
                .setIndex(index)
                .setDocumentSerializer(serializer)
                .setBulkFlushMaxActions(es.bulkMaxActions())
                .setBulkFlushMaxBytes(es.bulkMaxSizeMb() * 1024L * 1024L)
                .setBulkFlushInterval(es.bulkFlushInterval())
                .setRetryPolicy(es.retry().initialBackoff(), es.retry().maxBackoff(), es.retry().maxDuration());
    }

    /** Keeps each dead letter within the configured bound; see {@link DeadLetterBound}. */
    private static final class BoundDeadLetter implements MapFunction<DeadLetter, DeadLetter> {
        private static final long serialVersionUID = 1L;
        private final DeadLetterBound bound;

        BoundDeadLetter(DeadLetterBound bound) {
            this.bound = bound;
        }

        @Override
        public DeadLetter map(DeadLetter letter) {
            return bound.apply(letter);
        }
    }

    /** Retries requests the engine refused as overloaded or failed on its backend, with exponential backoff. */
    private static AsyncRetryStrategy<InferenceOutcome> retryStrategy(AsyncInferenceSettings async) {
        long initial = Math.max(1, async.retryDelay().toMillis());
        Predicate<Throwable> retryable = (Predicate<Throwable> & Serializable) InferenceFunction::isRetryable;
        return new AsyncRetryStrategies.ExponentialBackoffDelayRetryStrategyBuilder<InferenceOutcome>(
                        async.retries(), initial, initial * 64, 2.0)
                .ifException(retryable)
                .build();
    }

    /**
     * Checkpointing (retained, see {@link CheckpointSettings}) and the restart strategy as configured:
     * checkpoints carry the Kafka offsets and trigger the sink's flushes.
     */
    public static Configuration flinkConfiguration(PipelineConfig config) {
        CheckpointSettings checkpoints = config.checkpointing();
        Configuration flink = new Configuration();
        flink.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, checkpoints.interval());
        flink.set(CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE, checkpoints.mode().equals("exactly-once")
                ? CheckpointingMode.EXACTLY_ONCE : CheckpointingMode.AT_LEAST_ONCE);
        flink.set(CheckpointingOptions.CHECKPOINTING_TIMEOUT, checkpoints.timeout());
        if (checkpoints.directory() != null) {
            flink.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.directory());
        }
        flink.set(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
                checkpoints.retention().equals(CheckpointSettings.DELETE_ON_CANCELLATION)
                        ? ExternalizedCheckpointRetention.DELETE_ON_CANCELLATION
                        : ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        flink.set(CheckpointingOptions.MAX_RETAINED_CHECKPOINTS, checkpoints.retained());
        flink.set(CheckpointingOptions.TOLERABLE_FAILURE_NUMBER, checkpoints.tolerableFailures());
        RestartSettings restart = config.restart();
        flink.set(RestartStrategyOptions.RESTART_STRATEGY, "exponential-delay");
        flink.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF, restart.initialBackoff());
        flink.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF, restart.maxBackoff());
        flink.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_BACKOFF_MULTIPLIER, restart.multiplier());
        flink.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_RESET_BACKOFF_THRESHOLD,
                restart.resetAfter());
        flink.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_JITTER_FACTOR, restart.jitter());
        flink.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_ATTEMPTS, restart.attempts());
        return flink;
    }

    /** Configures {@code env} for {@code config}: parallelism and checkpointing. */
    public static void configure(StreamExecutionEnvironment env, PipelineConfig config) {
        env.configure(flinkConfiguration(config));
        env.setParallelism(config.parallelism());
    }

    /**
     * Entry point for {@code flink run}: {@code --config FILE}, any number of {@code --set key=value},
     * and {@code --no-start-checks} to submit without {@link StartChecks} (for a client that reaches
     * neither Kafka nor Elasticsearch).
     */
    public static void main(String[] args) throws Exception {
        Path file = null;
        List<String> overrides = new ArrayList<>();
        boolean startChecks = true;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if ((arg.equals("--config") || arg.equals("--set")) && i + 1 < args.length) {
                if (arg.equals("--config")) {
                    file = Path.of(args[++i]);
                } else {
                    overrides.add(args[++i]);
                }
            } else if (arg.equals("--no-start-checks")) {
                startChecks = false;
            } else {
                throw new IllegalArgumentException("unexpected argument '" + arg
                        + "', expected --config FILE, --set key=value and --no-start-checks");
            }
        }
        if (file == null) {
            throw new IllegalArgumentException("--config FILE is required");
        }
        // Submission only: topics and templates come from `textintel setup`, models from `textintel models pull`.
        PipelineConfig config = PipelineConfigLoader.load(file, overrides);
        if (startChecks) {
            StartChecks.run(config, file, StartChecks.Where.SUBMITTING_CLIENT);
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        configure(env, config);
        new TextIntelligenceJob(config).addTo(env);
        env.execute(config.jobName());
    }
}
