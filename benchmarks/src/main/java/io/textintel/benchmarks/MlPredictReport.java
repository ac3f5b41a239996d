package io.textintel.benchmarks;

import io.textintel.serving.tools.TinyBertSpec;
import io.textintel.serving.tools.TinyModelGenerator;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Rows per second through {@code ML_PREDICT} with the {@code textintel} provider (asynchronous, the
 * rows in flight batched by the shared engine) against the same model called one row at a time
 * ({@link PerRowModelProviderFactory}, what a per-row provider does), in the same run.
 *
 * <p>The model is a generated BERT embedder ({@link #SPEC}: hidden 256, 4 layers, 4 heads,
 * intermediate 1024, random weights) on the CPU backend with {@code threads} threads, the same engine
 * settings for both providers. Each round is one Flink job in a local MiniCluster at parallelism 1:
 * {@code rows} generated feedback texts of 12 to 30 words from a collection source, through
 * {@code ML_PREDICT}, into a blackhole table; rows/s is rows over the job's net run time. The textintel
 * provider runs with {@code table.exec.async-ml-predict.max-concurrent-operations} = {@code inFlight}.
 * Rounds alternate (textintel, per-row, textintel, ...) so that drift in the machine's load hits both
 * alike; the figure is the median over the rounds, and the load is the one-minute load average after
 * each round, this run's own threads included. A warm-up round of each comes first.
 *
 * <p>{@code java --add-modules=jdk.incubator.vector -Xmx2g -cp
 * "benchmarks/target/benchmarks.jar:jobs/target/flink-lib/*" io.textintel.benchmarks.MlPredictReport
 * [rows [rounds [threads [inFlight]]]]} (defaults 2000, 3, every processor, 64).
 */
public final class MlPredictReport {

    static final TinyBertSpec SPEC = TinyBertSpec.small().withSizes(256, 4, 4, 1024).withMaxPositions(128)
            .withSeed(11);

    private static final String[] WORDS = ("the parcel arrived late and the box was damaged I was charged twice"
            + " for my subscription please refund the app crashes when I open the search page great support"
            + " thanks the delivery driver left it at the wrong door my card was billed again").split(" ");

    private MlPredictReport() {}

    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : Runtime.getRuntime().availableProcessors();
        int inFlight = args.length > 3 ? Integer.parseInt(args[3]) : 64;
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        Path model = TinyModelGenerator.writeBertEmbedder(Files.createTempDirectory("ml-predict-report"), SPEC);
        List<String> texts = texts(rows);
        System.out.printf(Locale.ROOT, "Embedder: generated BERT, hidden %d, %d layers, %d heads, intermediate %d,"
                        + " random weights; cpu backend, %d threads; %d rows of 12 to 30 words; parallelism 1;"
                        + " %d processors, load average %.2f before the run%n", SPEC.hiddenSize(), SPEC.layers(),
                SPEC.heads(), SPEC.intermediateSize(), threads, rows, os.getAvailableProcessors(),
                os.getSystemLoadAverage());
        run(model, texts.subList(0, Math.min(rows, 200)), threads, inFlight, true);
        run(model, texts.subList(0, Math.min(rows, 200)), threads, inFlight, false);
        double[] async = new double[rounds];
        double[] perRow = new double[rounds];
        for (int round = 0; round < rounds; round++) {
            async[round] = run(model, texts, threads, inFlight, true);
            System.out.printf(Locale.ROOT, "round %d textintel: %.1f rows/s, load %.2f%n", round + 1, async[round],
                    os.getSystemLoadAverage());
            perRow[round] = run(model, texts, threads, inFlight, false);
            System.out.printf(Locale.ROOT, "round %d per-row:   %.1f rows/s, load %.2f%n", round + 1, perRow[round],
                    os.getSystemLoadAverage());
        }
        double a = median(async);
        double p = median(perRow);
        System.out.printf(Locale.ROOT, "ML_PREDICT rows/s, median of %d rounds: textintel (async, %d in flight) %.1f,"
                + " per-row %.1f: %.2fx%n", rounds, inFlight, a, p, a / p);
    }

    /** One job over {@code texts}; rows per second of its net run time. */
    private static double run(Path model, List<String> texts, int threads, int inFlight, boolean async)
            throws Exception {
        Configuration flink = new Configuration();
        flink.setString("table.exec.async-ml-predict.max-concurrent-operations", Integer.toString(inFlight));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1, flink);
        StreamTableEnvironment tables = StreamTableEnvironment.create(env);
        tables.createTemporaryView("feedback", tables.fromDataStream(env.fromData(texts)).as("text"));
        tables.executeSql("CREATE TABLE sink (text STRING, embedding ARRAY<FLOAT>) WITH ('connector' = 'blackhole')");
        String options = async
                ? "'provider' = 'textintel', 'task' = 'embed', 'engine.backend' = 'cpu'"
                : "'provider' = 'textintel-per-row'";
        tables.executeSql("CREATE MODEL m INPUT (text STRING) OUTPUT (embedding ARRAY<FLOAT>) WITH (" + options
                + ", 'model' = '" + model + "', 'engine.threads' = '" + threads + "')");
        TableResult result = tables.executeSql(
                "INSERT INTO sink SELECT text, embedding FROM ML_PREDICT(TABLE feedback, MODEL m, DESCRIPTOR(text))");
        long millis = result.getJobClient().orElseThrow().getJobExecutionResult().get().getNetRuntime();
        return texts.size() * 1000.0 / millis;
    }

    private static List<String> texts(int rows) {
        Random random = new Random(42);
        List<String> texts = new ArrayList<>(rows);
        for (int i = 0; i < rows; i++) {
            StringBuilder text = new StringBuilder("feedback " + i);
            int words = 12 + random.nextInt(19);
            for (int w = 0; w < words; w++) {
                text.append(' ').append(WORDS[random.nextInt(WORDS.length)]);
            }
            texts.add(text.toString());
        }
        return texts;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
