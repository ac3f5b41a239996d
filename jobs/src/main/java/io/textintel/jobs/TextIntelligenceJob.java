package io.textintel.jobs;

import io.textintel.connectors.deadletter.KafkaRejectedDocumentHandler;
import io.textintel.connectors.elasticsearch.DocumentSerializer;
import io.textintel.connectors.elasticsearch.DriftReportSerializer;
import io.textintel.connectors.elasticsearch.ElasticsearchSink;
import io.textintel.connectors.elasticsearch.EnrichedDocumentSerializer;
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
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
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
 * dead-letter topic with its reason.
 *
 * <pre>
 * kafka-raw → decode-validate → tokenize → inference (async) → route-outcomes ─┬→ elasticsearch
 *                  └────────────────┴────────────────────────────────┴─────────│→ dead-letters (Kafka)
 *                                                                             └→ drift monitor → drift reports
 *                                                                                (Elasticsearch + Kafka), profiles
 * </pre>
 *
 * <p>Submit with {@code flink run -c io.textintel.jobs.TextIntelligenceJob textintel-jobs.jar
 * --config pipeline.yaml [--set key=value ...]}, or run in-process with {@code bin/textintel run}.
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

        documents.sinkTo(elasticsearchSink(config.deadLetterLimits(), config.elasticsearch(),
                        kafka, config.elasticsearch().index(),
                        new EnrichedDocumentSerializer()))
                .name("elasticsearch").uid("elasticsearch");
        if (config.drift().enabled()) {
            addDriftMonitor(documents, config.drift(), kafka);
        }

        // Bounded before the sink: one huge input must not make the producer fail and the job crash-loop.
        DeadLetterLimits limits = config.deadLetterLimits();
        DataStream<DeadLetter> deadLetters = decoded.getSideOutput(DeadLetters.TAG)
                .union(tokenized.getSideOutput(DeadLetters.TAG), documents.getSideOutput(DeadLetters.TAG))
                .map(new BoundDeadLetter(limits.bound()))
                .name("bound-dead-letters").uid("bound-dead-letters");
        deadLetters.sinkTo(KafkaSinks.deadLetters()
                        .bootstrapServers(kafka.bootstrapServers())
                        .topic(kafka.deadLetterTopic())
                        .properties(limits.producerProperties(kafka.properties()))
                        .build())
                .name("dead-letters").uid("dead-letters");
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
        outputs.reports().sinkTo(elasticsearchSink(config.deadLetterLimits(), config.elasticsearch(),
                        kafka, drift.index(),
                        new DriftReportSerializer()))
                .name("drift-elasticsearch").uid("drift-elasticsearch");
        outputs.reports().sinkTo(KafkaSinks.driftReports()
                        .bootstrapServers(kafka.bootstrapServers())
                        .topic(drift.topic())
                        .properties(kafka.properties())
                        .build())
                .name("drift-kafka").uid("drift-kafka");
        outputs.profiles().sinkTo(elasticsearchSink(config.deadLetterLimits(), config.elasticsearch(),
                        kafka, drift.profileIndex(),
                        new ReferenceProfileDocumentSerializer()))
                .name("drift-profile-elasticsearch").uid("drift-profile-elasticsearch");
    }

    private static <T> ElasticsearchSink<T> elasticsearchSink(DeadLetterLimits limits,
            ElasticsearchSettings es, KafkaSettings kafka, String index, DocumentSerializer<T> serializer) {
        var sink = ElasticsearchSink.<T>builder()
                .setConnection(es.connection())
                .setIndex(index)
                .setDocumentSerializer(serializer)
                .setBulkFlushMaxActions(es.bulkMaxActions())
                .setBulkFlushMaxBytes(es.bulkMaxSizeMb() * 1024L * 1024L)
                .setBulkFlushInterval(es.bulkFlushInterval())
                .setRetryPolicy(es.retry().initialBackoff(), es.retry().maxBackoff(), es.retry().maxDuration())
                .setRejectedDocumentHandler(KafkaRejectedDocumentHandler.factory(
                        kafka.bootstrapServers(), kafka.deadLetterTopic(), limits.producerProperties(kafka.properties()),
                        limits.bound()));
        return sink.build();
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

    /** Checkpointing as configured: it carries the Kafka offsets and triggers the sink's flushes. */
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
     * Entry point for {@code flink run}: {@code --config FILE} and any number of {@code --set key=value}.
     */
    public static void main(String[] args) throws Exception {
        Path file = null;
        List<String> overrides = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if ((arg.equals("--config") || arg.equals("--set")) && i + 1 < args.length) {
                if (arg.equals("--config")) {
                    file = Path.of(args[++i]);
                } else {
                    overrides.add(args[++i]);
                }
            } else {
                throw new IllegalArgumentException("unexpected argument '" + arg
                        + "', expected --config FILE and --set key=value");
            }
        }
        if (file == null) {
            throw new IllegalArgumentException("--config FILE is required");
        }
        PipelineConfig config = PipelineConfigLoader.load(file, overrides);
        PipelineSetup.prepare(config);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        configure(env, config);
        new TextIntelligenceJob(config).addTo(env);
        env.execute(config.jobName());
    }
}
