package io.textintel.jobs.demo;

import io.textintel.jobs.PipelineSetup;
import io.textintel.jobs.TextIntelligenceJob;
import io.textintel.jobs.config.PipelineConfig;
import io.textintel.jobs.config.PipelineConfigLoader;
import io.textintel.services.LocalElasticsearch;
import io.textintel.services.LocalKafka;

import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The embedded demo: a real Kafka broker and Elasticsearch node on this machine, sample customer
 * feedback published to Kafka, the pipeline run to the end of it in an in-process Flink MiniCluster,
 * and a look at what arrived in Elasticsearch.
 */
public final class Demo {

    /** The embedder the demo runs on unless told otherwise: shipped on Maven Central, no hub needed. */
    public static final String DEFAULT_EMBED_MODEL = "maven:all-minilm-l6-v2";

    /** How the demo tags topics on the embedder's embeddings when no classifier is named. */
    public enum TagMode {
        /** A head fitted on the demo's labelled example file. */
        FEW_SHOT,
        /** Similarity to written descriptions of each topic. */
        ZERO_SHOT;

        @Override
        public String toString() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }

    /**
     * Options of one demo run.
     *
     * @param embedModel the embedder: a {@code maven:} id, a hub id or a checkpoint directory
     * @param tagModel a topic classifier (hub id or directory) to tag with instead of the embedder; may be null
     * @param tagMode how the embedder tags when {@code tagModel} is null
     * @param untrainedDecoder summaries by a generated, untrained decoder instead of extractive ones
     */
    public record Options(Path workDir, int parallelism, boolean keepRunning, String embedModel, String tagModel,
            TagMode tagMode, boolean untrainedDecoder, String query) {}

    /**
     * What a demo run showed.
     *
     * @param indexed documents in the index at the end
     * @param expected documents the pipeline should have indexed
     * @param accuracy the topic tags against the sample's labels
     * @param neighbours the kNN query's hits, nearest first: each one's expected topic, or its best tag
     * @param drift the drift reports' alarms before and during the drift phase
     * @param pipelineSeconds the job's run time
     */
    public record Result(long indexed, int expected, TagAccuracy accuracy, List<String> neighbours,
            DriftAlarms drift, double pipelineSeconds) {}

    static final String INPUT_TOPIC = "feedback";
    static final String DEAD_LETTER_TOPIC = "textintel-dead-letters";
    static final String INDEX = "textintel-documents";

    private final Options options;
    private final PrintStream out;

    public Demo(Options options, PrintStream out) {
        this.options = options;
        this.out = out;
    }

    /** Runs the demo; returns once the results are shown (and, with keep-running, once interrupted). */
    public Result run() throws Exception {
        long started = System.nanoTime();
        out.println("textintel demo — work directory " + options.workDir());

        step("Starting a local Kafka broker and Elasticsearch node (real servers, no Docker)");
        CompletableFuture<LocalElasticsearch> esStart = CompletableFuture.supplyAsync(() -> startElasticsearch());
        try (LocalKafka kafka = LocalKafka.builder().workDir(options.workDir().resolve("kafka")).partitions(2).start();
                LocalElasticsearch es = esStart.join()) {
            out.printf("  Kafka          %s%n  Elasticsearch  %s%n", kafka.bootstrapServers(), es.httpUrl());

            step("Preparing models");
            DemoModels models = DemoModels.prepare(options, out);

            PipelineConfig config = pipelineConfig(kafka.bootstrapServers(), es.httpUrl(), models);
            step("Creating topics and installing index templates");
            kafka.createTopics(2, INPUT_TOPIC);
            PipelineSetup.prepare(config);

            step("Publishing sample feedback to topic '" + INPUT_TOPIC + "'");
            DemoPublisher.Published published = DemoPublisher.publish(kafka.bootstrapServers(), INPUT_TOPIC);
            out.printf("  %d feedback messages and %d malformed records (%d of them, without an id, to be indexed under"
                    + " an id derived from its Kafka position; the rest to become dead letters)%n", published.valid(),
                    published.malformed(), DemoPublisher.REPAIRED);
            out.printf("  then the drift phase: %d messages from %s on, as a broken producer mangles them%n",
                    published.garbled(), DemoPublisher.GARBLED_FROM);

            step("Running the pipeline in an in-process Flink MiniCluster");
            long jobStarted = System.nanoTime();
            runJob(config, es, published.indexable());
            double jobSeconds = (System.nanoTime() - jobStarted) / 1e9;

            step("Results");
            DemoReport report = new DemoReport(es.httpUrl(), INDEX, out);
            long indexed = report.showIndexed(models.untrainedDecoder() != null);
            TagAccuracy accuracy = report.showTagAccuracy();
            List<String> neighbours = report.showKnn(options.query(), models.embedQuery(options.query()));
            DemoPublisher.showDeadLetters(kafka.bootstrapServers(), DEAD_LETTER_TOPIC, out);
            DriftAlarms drift = report.showDrift(config.drift().index(), DemoPublisher.GARBLED_FROM);

            double total = (System.nanoTime() - started) / 1e9;
            out.printf("%nIndexed %d documents in %.1f s of pipeline time (%.0f documents/s); demo wall time %.1f s.%n",
                    indexed, jobSeconds, indexed / jobSeconds, total);
            if (models.untrainedDecoder() != null) {
                out.println("Reminder: the summaries come from a generated, UNTRAINED decoder: random text that shows"
                        + " the decoder at work, not a model's quality. See README, 'Summaries and generative tags'.");
            }
            Result result = new Result(indexed, published.indexable(), accuracy, neighbours, drift, jobSeconds);
            if (options.keepRunning()) {
                out.printf("%nServices keep running: Kafka %s, Elasticsearch %s. Press Ctrl-C to stop.%n",
                        kafka.bootstrapServers(), es.httpUrl());
                Thread.currentThread().join();
            }
            return result;
        }
    }

    private LocalElasticsearch startElasticsearch() {
        try {
            return LocalElasticsearch.builder().workDir(options.workDir().resolve("elasticsearch")).start();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private PipelineConfig pipelineConfig(String bootstrap, String esUrl, DemoModels models) throws IOException {
        String yaml = DemoTasks.configure(DemoData.resource("/demo/pipeline.yaml"), options, models);
        List<String> overrides = new ArrayList<>(List.of(
                "kafka.bootstrap-servers=" + bootstrap,
                "elasticsearch.hosts=[" + esUrl + "]",
                "parallelism=" + options.parallelism(),
                "checkpointing.directory=" + options.workDir().resolve("checkpoints").toUri()));
        return PipelineConfigLoader.parse(yaml, "demo/pipeline.yaml", overrides);
    }

    private void runJob(PipelineConfig config, LocalElasticsearch es, int expected) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(
                config.parallelism(), TextIntelligenceJob.flinkConfiguration(config));
        new TextIntelligenceJob(config).addTo(env);
        JobClient job = env.executeAsync(config.jobName());
        DemoReport progress = new DemoReport(es.httpUrl(), INDEX, out);
        CompletableFuture<?> result = job.getJobExecutionResult();
        while (!result.isDone()) {
            try {
                result.get(1, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                out.printf("  indexed %s / %d%n", progress.progressCount(), expected);
            }
        }
        result.get();
        out.printf("  job finished: indexed %s / %d%n", progress.progressCount(), expected);
    }

    private void step(String title) {
        out.println();
        out.println("== " + title);
    }
}
