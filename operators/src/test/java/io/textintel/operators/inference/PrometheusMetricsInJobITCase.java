package io.textintel.operators.inference;

import static org.assertj.core.api.Assertions.assertThat;

import io.textintel.operators.DecodedRecord;
import io.textintel.operators.TestModels;
import io.textintel.operators.decode.DecodeFunction;
import io.textintel.operators.tokenize.TokenizeFunction;
import io.textintel.schemas.EnrichedDocument;
import io.textintel.schemas.KafkaProvenance;
import io.textintel.schemas.RawRecord;
import io.textintel.schemas.codec.InputFormat;
import io.textintel.schemas.codec.TextRecordValidator;
import io.textintel.serving.tools.TinyDecoderSpec;
import io.textintel.serving.tools.TinyModelGenerator;

import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs decode → tokenize → async inference → {@link SplitOutcomes} in a local MiniCluster with
 * Flink's Prometheus reporter, scrapes the reporter's endpoint while the job still runs (the source
 * holds its last record back) and checks that every metric the README's "Metrics" section lists is
 * there with its labels and a plausible value.
 */
class PrometheusMetricsInJobITCase {

    private static final String PREFIX = "flink_taskmanager_job_task_operator_textintel_";
    private static final int VALID = 6;
    private static final CountDownLatch RELEASE = new CountDownLatch(1);

    @TempDir
    static Path models;

    private static RawRecord raw(long offset, String value) {
        return RawRecord.newBuilder().setKey(null)
                .setValue(ByteBuffer.wrap(value.getBytes(StandardCharsets.UTF_8)))
                .setProvenance(new KafkaProvenance("metrics", 0, offset, Instant.parse("2026-11-22T00:00:00Z")))
                .build();
    }

    private static List<RawRecord> records() {
        List<RawRecord> records = new ArrayList<>();
        records.add(raw(0, "{\"id\":\"broken\",\"text\":"));
        records.add(raw(1, "{\"id\":\"" + "x".repeat(600) + "\",\"text\":\"an id too long for Elasticsearch\"}"));
        for (int i = 0; i < VALID; i++) {
            records.add(raw(2 + i, "{\"id\":\"m-" + i + "\",\"text\":\"message " + i
                    + " about a parcel that arrived late and a refund that never came\"}"));
        }
        return records;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static String scrape(HttpClient http, int port) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).GET().build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            System.out.println("scrape failed: " + e);
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The values of every sample of {@code metric} (its name after {@link #PREFIX}) whose labels contain all {@code labels}. */
    private static List<Double> values(String text, String metric, String... labels) {
        List<Double> values = new ArrayList<>();
        String name = (metric.equals("deadLetters") ? "stage_reason_" : "model_engine_") + metric;
        Matcher m = Pattern.compile("(?m)^" + PREFIX + name + "\\{([^}]*)} (\\S+)$").matcher(text);
        while (m.find()) {
            boolean all = true;
            for (String label : labels) {
                all &= m.group(1).contains(label);
            }
            if (all) {
                values.add(Double.parseDouble(m.group(2)));
            }
        }
        return values;
    }

    @Test
    void theEngineFiguresAndDeadLettersAreScrapedFromThePrometheusEndpoint() throws Exception {
        Path embedder = TestModels.embedder(models.resolve("embedder"));
        Path target = TinyModelGenerator.writeDecoder(models.resolve("qwen"), TinyDecoderSpec.qwen2());
        Path draft = TinyModelGenerator.writeDecoder(models.resolve("draft"),
                TinyDecoderSpec.qwen2().withSizes(32, 1, 2, 1, 64).withSeed(7));
        List<ModelTask> tasks = List.of(ModelTask.embed("embed", embedder.toString(), null),
                new ModelTask("summary", TaskKind.SUMMARIZE, target.toString(), null, 0, 1, 0f,
                        GenerativeSettings.summary(8).withSpeculation("draft-model", draft.toString())));
        EngineSettings engine = new EngineSettings("cpu", 1, null, null, Duration.ofMillis(2), null);
        long timeoutMillis = 60_000;
        int port = freePort();
        Configuration conf = new Configuration();
        conf.setString("metrics.reporter.prom.factory.class",
                "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
        conf.setString("metrics.reporter.prom.port", Integer.toString(port));
        conf.setString("metrics.reporters", "prom");

        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1, conf);
        DataStream<RawRecord> raw = env.fromData(records()).map(new HoldLastRecord());
        DataStream<DecodedRecord> decoded =
                raw.process(new DecodeFunction(InputFormat.JSON, TextRecordValidator.defaults()));
        DataStream<TokenizedDocument> tokenized =
                decoded.process(new TokenizeFunction(tasks, ModelRepository.defaults()));
        DataStream<EnrichedDocument> documents = AsyncDataStream.unorderedWait(tokenized,
                        new InferenceFunction(tasks, ModelRepository.defaults(), engine, timeoutMillis),
                        timeoutMillis, TimeUnit.MILLISECONDS, 4)
                .process(new SplitOutcomes());
        documents.sinkTo(new DiscardingSink<>());

        JobClient job = env.executeAsync("prometheus-metrics");
        HttpClient http = HttpClient.newHttpClient();
        String text = "";
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(45);
            while (System.nanoTime() < deadline) {
                text = scrape(http, port);
                if (!values(text, "tokensPerSecond", "engine=\"encoder\"").stream().allMatch(v -> v == 0)
                        && !values(text, "tokensPerSecond", "engine=\"decoder_draft_model\"").stream()
                                .allMatch(v -> v == 0)
                        && values(text, "deadLetters", "reason=\"invalid\"").contains(1.0)) {
                    break;
                }
                Thread.sleep(500);
            }
        } finally {
            RELEASE.countDown();
        }
        System.out.println("Scraped " + text.lines().count() + " lines from port " + port);
        text.lines().filter(l -> l.contains("textintel") && !l.startsWith("#")).forEach(System.out::println);

        for (String engineLabel : List.of("encoder", "decoder_draft_model")) {
            String e = "engine=\"" + engineLabel + "\"";
            assertThat(values(text, "queueDepth", e)).as("queueDepth " + engineLabel).isNotEmpty()
                    .allMatch(v -> v >= 0);
            assertThat(values(text, "batchSize_count", e)).as("batch passes " + engineLabel).isNotEmpty()
                    .allMatch(v -> v >= 1);
            assertThat(values(text, "batchSize", e, "quantile=\"0.5\"")).as("batchSize " + engineLabel)
                    .isNotEmpty().allMatch(v -> v >= 1);
            assertThat(values(text, "forwardLatencyMicros", e, "quantile=\"0.5\"")).as("latency " + engineLabel)
                    .isNotEmpty().allMatch(v -> v > 0);
            assertThat(values(text, "tokensPerSecond", e)).as("tokens/s " + engineLabel).isNotEmpty()
                    .allMatch(v -> v > 0);
        }
        assertThat(values(text, "paddingShare", "engine=\"encoder\"")).isNotEmpty().allMatch(v -> v >= 0 && v <= 1);
        String decoder = "engine=\"decoder_draft_model\"";
        assertThat(values(text, "runningSequences", decoder)).isNotEmpty().allMatch(v -> v >= 0);
        assertThat(values(text, "kvCacheOccupancy", decoder)).isNotEmpty().allMatch(v -> v >= 0 && v <= 1);
        assertThat(values(text, "speculationAcceptance", decoder)).isNotEmpty().allMatch(v -> v >= 0 && v <= 1);
        assertThat(values(text, "draftTokensProposed", decoder)).isNotEmpty().allMatch(v -> v > 0);
        assertThat(values(text, "draftTokensAccepted", decoder)).isNotEmpty().allMatch(v -> v >= 0);
        for (String metric : List.of("queueDepth", "speculationAcceptance")) {
            assertThat(text).containsPattern(PREFIX + "model_engine_" + metric + "\\{[^}]*model=\"[^\"]+\"");
            assertThat(text).containsPattern(PREFIX + "model_engine_" + metric + "\\{[^}]*subtask_index=\"0\"");
            assertThat(text).containsPattern(PREFIX + "model_engine_" + metric + "\\{[^}]*task_name=\"[^\"]+\"");
        }
        assertThat(values(text, "deadLetters", "stage=\"decode\"", "reason=\"undecodable\"")).containsExactly(1.0);
        assertThat(values(text, "deadLetters", "stage=\"validate\"", "reason=\"invalid\"")).containsExactly(1.0);
        assertThat(values(text, "deadLetters", "stage=\"decode\"", "reason=\"decoder_failure\"")).containsExactly(0.0);
        assertThat(values(text, "deadLetters", "stage=\"inference\"", "reason=\"timeout\"")).containsExactly(0.0);

        job.getJobExecutionResult().get(60, TimeUnit.SECONDS);
    }

    /** Holds the last record back until the test has scraped, so that the operators still run. */
    private static final class HoldLastRecord implements MapFunction<RawRecord, RawRecord> {

        @Override
        public RawRecord map(RawRecord record) throws InterruptedException {
            if (record.getProvenance().getOffset() == VALID + 1 && !RELEASE.await(90, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the test did not release the last record within 90 s");
            }
            return record;
        }
    }
}
