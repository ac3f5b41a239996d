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
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
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

    /** Options of one demo run. */
    public record Options(Path workDir, int parallelism, boolean keepRunning, String embedModel, String tagModel,
            String query) {}

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
    public void run() throws Exception {
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
            out.printf("  %d feedback messages and %d malformed records%n", published.valid(), published.malformed());
            out.printf("  then the drift phase: %d messages from %s on, as a broken producer mangles them%n",
                    published.garbled(), DemoPublisher.GARBLED_FROM);

            step("Running the pipeline in an in-process Flink MiniCluster");
            long jobStarted = System.nanoTime();
            runJob(config, es, published.indexable());
            double jobSeconds = (System.nanoTime() - jobStarted) / 1e9;

            step("Results");
            DemoReport report = new DemoReport(es.httpUrl(), INDEX, out);
            long indexed = report.showIndexed();
            report.showKnn(options.query(), models.embedQuery(options.query()));
            DemoPublisher.showDeadLetters(kafka.bootstrapServers(), DEAD_LETTER_TOPIC, out);
            report.showDrift(config.drift().index(), DemoPublisher.GARBLED_FROM);

            double total = (System.nanoTime() - started) / 1e9;
            out.printf("%nIndexed %d documents in %.1f s of pipeline time (%.0f documents/s); demo wall time %.1f s.%n",
                    indexed, jobSeconds, indexed / jobSeconds, total);
            if (models.untrained()) {
                out.println("Reminder: the models were generated with random weights; their tags and neighbours are"
                        + " not meaningful. Use --embed-model / --tag-model with real checkpoints for real results.");
            }
            out.println("The summaries come from a generated, untrained decoder: random text that shows the"
                    + " pipeline, not a model's quality. See README, 'Summaries and generative tags'.");
            if (options.keepRunning()) {
                out.printf("%nServices keep running: Kafka %s, Elasticsearch %s. Press Ctrl-C to stop.%n",
                        kafka.bootstrapServers(), es.httpUrl());
                Thread.currentThread().join();
            }
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
        String yaml;
        try (InputStream in = Demo.class.getResourceAsStream("/demo/pipeline.yaml")) {
            if (in == null) {
                throw new IOException("demo resource /demo/pipeline.yaml is missing from the classpath");
            }
            yaml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        List<String> overrides = new ArrayList<>(List.of(
                "kafka.bootstrap-servers=" + bootstrap,
                "elasticsearch.hosts=[" + esUrl + "]",
                "parallelism=" + options.parallelism(),
                "tasks.embed.model=" + models.embedder(),
                "tasks.tag.model=" + models.tagger(),
                "tasks.summary.model=" + models.summarizer(),
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
