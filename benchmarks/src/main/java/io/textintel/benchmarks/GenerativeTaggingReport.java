package io.textintel.benchmarks;

import io.textintel.serving.task.DecoderTasks;
import io.textintel.serving.task.DecoderTasksConfig;
import io.textintel.serving.task.GenerativeTagger;
import io.textintel.serving.task.Summarizer;
import io.textintel.serving.task.SummaryOptions;
import io.textintel.serving.task.Tagging;
import io.textintel.serving.task.TaggingOptions;
import io.textintel.serving.tools.TinyDecoderSpec;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Throughput of generative topic tagging ({@link GenerativeTagger}, the operators'
 * {@code generative-tag} task) with many documents in flight, beside summaries of the same
 * documents ({@link Summarizer}, the operators' {@code generative-summary} task) as the reference
 * of what batching gives; both run on the engine's continuous-batching generation loop (tagging as
 * continuation requests).
 *
 * <p>The decoder is a generated Llama instruction checkpoint ({@link #SPEC}: hidden 256, 4 layers,
 * 8 query and 4 key/value heads, intermediate 704, 512 positions, about 3.3M parameters, random
 * weights, F32), opened as the operators open one: {@link DecoderTasks#open} with the engine
 * settings' defaults (16 running sequences, 1024 tokens per step, no speculation) and the given
 * threads. Both tasks are built as the operators build them: a {@link GenerativeTagger} over
 * {@link #LABELS} ({@link TaggingOptions#greedy}), single-label (every label scored, one pass each)
 * and multi-label (a greedy constrained answer), and a {@link Summarizer} with greedy summaries of
 * at most {@value #SUMMARY_TOKENS} tokens. Documents are generated news-like texts of about
 * {@value #WORDS} words, every one short enough for one summary request.
 *
 * <p>Load ({@link InFlightLoad}): N documents in flight, each submitted from the main thread as soon
 * as one completes, as Flink's async operator with capacity N submits them. A round of a point is
 * {@code max(documents, 2N)} documents, and every point runs {@code rounds} times, the rounds
 * interleaved (round 1 of every point and task, then round 2, ...) so that drift in the machine's
 * load hits every point alike. docs/s is the median over the rounds; p50 and p99 latency (from
 * submission to result) are over the documents of all rounds; scaling is docs/s at N over docs/s at
 * the first in-flight count (N = 1 by default) of the same task; "÷ summary" is the task's docs/s
 * over the summaries' at the same N; passes/doc is the generation engine's forward passes over the
 * point's rounds per document (below a document's own count once batching runs several documents
 * in a pass), own/doc a document's own count: a tagging's continuation runs
 * ({@link Tagging#targetPasses()}: the prompt's and one per label or answer step), a summary's
 * generated tokens. Load is the
 * one-minute system load average after the point's last round, this run's own threads included.
 * Warm-up: a round of every task at N = 1 and at N = 8 before anything is measured.
 *
 * <p>{@code java --add-modules=jdk.incubator.vector -Xmx2g -cp benchmarks/target/benchmarks.jar
 * io.textintel.benchmarks.GenerativeTaggingReport [threads [documents [rounds [inFlight,...]]]]}:
 * forward-pass threads (default: every processor), documents per round at least (default
 * {@value #DEFAULT_DOCUMENTS}), rounds per point (default {@value #DEFAULT_ROUNDS}) and the
 * comma-separated in-flight counts (default {@code 1,8,32,64}). About 3 minutes on two cores with the
 * defaults (plus a few seconds the first time, to write the checkpoint under {@code java.io.tmpdir}).
 */
public final class GenerativeTaggingReport {

    static final TinyDecoderSpec SPEC = TinyDecoderSpec.llama()
            .withSizes(256, 4, 8, 4, 704)
            .withMaxPositions(512)
            .withSeed(5);

    static final List<String> LABELS = List.of("sports", "politics", "science", "business news", "technology",
            "health");

    static final int SUMMARY_TOKENS = 8;
    static final int WORDS = 40;
    static final int DEFAULT_DOCUMENTS = 24;
    static final int WARM_UP_DOCUMENTS = 16;
    static final int DEFAULT_ROUNDS = 3;
    static final int[] DEFAULT_IN_FLIGHT = {1, 8, 32, 64};

    private static final String[] VOCABULARY = ("the team won a match at home while the league said players and"
            + " coaches would meet the minister of finance after the vote in parliament on new rules for banks"
            + " markets and trade as scientists in the lab found a cell that grows in water and light the company"
            + " reported profit from software and phones and the hospital said patients need care for heart and"
            + " lung disease this week").split(" ");

    /** The tasks measured; the summaries are the continuous-batching reference. */
    enum Task {
        TAG_SINGLE("tag, single-label"),
        TAG_MULTI("tag, multi-label"),
        SUMMARY("summary, <= " + SUMMARY_TOKENS + " tokens");

        final String title;

        Task(String title) {
            this.title = title;
        }
    }

    /**
     * The rounds of one point: a task at one in-flight count.
     *
     * @param enginePasses forward passes of the generation engine over the rounds
     * @param load the load average after the last round
     */
    record Point(Task task, int inFlight, List<InFlightLoad.Round<Integer>> rounds, long[] enginePasses,
            double[] load) {

        double documentsPerSecond() {
            return median(rounds.stream().mapToDouble(InFlightLoad.Round::documentsPerSecond).toArray());
        }

        long[] latencies() {
            return rounds.stream().flatMapToLong(round -> Arrays.stream(round.latencyNanos())).toArray();
        }

        /** The task's result per document: target passes of a tagging, generated tokens of a summary. */
        double resultPerDocument() {
            return rounds.stream().flatMap(round -> round.results().stream()).mapToInt(Integer::intValue)
                    .average().orElseThrow();
        }

        /** The generation engine's forward passes per document, which fall as batching runs several documents in one pass. */
        double passesPerDocument() {
            return (double) enginePasses[0] / rounds.stream().mapToInt(round -> round.results().size()).sum();
        }
    }

    private final DecoderTasks engine;
    private final List<Function<String, CompletableFuture<Integer>>> tasks = new ArrayList<>();
    private final List<String> documents;

    GenerativeTaggingReport(DecoderTasks engine, int maxDocuments) {
        this.engine = engine;
        GenerativeTagger single = new GenerativeTagger(engine, TaggingOptions.greedy(LABELS, false));
        GenerativeTagger multi = new GenerativeTagger(engine, TaggingOptions.greedy(LABELS, true));
        Summarizer summarizer = new Summarizer(engine, SummaryOptions.greedy(SUMMARY_TOKENS));
        tasks.add(text -> single.tagging(text).thenApply(tagging -> checked(tagging, LABELS.size())));
        tasks.add(text -> multi.tagging(text).thenApply(tagging -> checked(tagging, 1)));
        tasks.add(text -> summarizer.summarize(text).thenApply(summary -> {
            if (summary.chunks() != 1) {
                throw new IllegalStateException("a document was summarised in " + summary.chunks() + " pieces,"
                        + " expected one request per document. This is a bug.");
            }
            return summary.outputTokens();
        }));
        this.documents = documents(maxDocuments, summarizer.inputBudget());
    }

    public static void main(String[] args) throws Exception {
        int threads = args.length > 0 ? positive("threads", args[0]) : Runtime.getRuntime().availableProcessors();
        int documents = args.length > 1 ? positive("documents", args[1]) : DEFAULT_DOCUMENTS;
        int rounds = args.length > 2 ? positive("rounds", args[2]) : DEFAULT_ROUNDS;
        int[] inFlight = args.length > 3 ? inFlight(args[3]) : DEFAULT_IN_FLIGHT;
        if (args.length > 4) {
            throw new IllegalArgumentException("GenerativeTaggingReport takes at most 4 arguments (threads, documents,"
                    + " rounds, in-flight counts), got " + args.length + ": " + String.join(" ", args));
        }
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        long started = System.nanoTime();
        Path checkpoint = DecoderFixture.checkpoint(SPEC);
        try (DecoderTasks engine = DecoderTasks.open(checkpoint,
                DecoderTasksConfig.builder().threads(threads).build())) {
            System.out.printf(Locale.ROOT, "Decoder: generated Llama, hidden %d, %d layers, %d/%d heads, intermediate"
                    + " %d, %d positions, random weights, F32; %d threads; engine: %d running sequences, %d tokens per"
                    + " step, no speculation; %d processors, load average %.2f before the run%n", SPEC.hiddenSize(),
                    SPEC.layers(), SPEC.heads(), SPEC.kvHeads(), SPEC.intermediateSize(), SPEC.maxPositions(),
                    threads, engine.config().generation().maxRunningSequences(),
                    engine.config().generation().maxBatchTokens(), os.getAvailableProcessors(),
                    os.getSystemLoadAverage());
            int largest = Arrays.stream(inFlight).max().orElseThrow();
            GenerativeTaggingReport report = new GenerativeTaggingReport(engine,
                    Math.max(WARM_UP_DOCUMENTS, Math.max(documents, 2 * largest)));
            report.warmUp();
            List<Point> points = report.measure(documents, rounds, inFlight, os);
            report.print(points, documents, rounds);
        }
        System.out.printf(Locale.ROOT, "Whole run: %.0f s, load average %.2f at the end%n",
                (System.nanoTime() - started) / 1e9, os.getSystemLoadAverage());
    }

    void warmUp() throws InterruptedException {
        for (Function<String, CompletableFuture<Integer>> task : tasks) {
            InFlightLoad.run(documents.subList(0, 4), 1, task);
            InFlightLoad.run(documents.subList(0, WARM_UP_DOCUMENTS), 8, task);
        }
    }

    /** Every point {@code rounds} times, the rounds interleaved. */
    List<Point> measure(int minDocuments, int rounds, int[] inFlight, OperatingSystemMXBean os)
            throws InterruptedException {
        List<Point> points = new ArrayList<>();
        for (Task task : Task.values()) {
            for (int n : inFlight) {
                points.add(new Point(task, n, new ArrayList<>(), new long[1], new double[1]));
            }
        }
        for (int round = 0; round < rounds; round++) {
            for (int n : inFlight) {
                List<String> texts = documents.subList(0, Math.max(minDocuments, 2 * n));
                for (Point point : points) {
                    if (point.inFlight() == n) {
                        long passes = engine.metrics().steps();
                        point.rounds().add(InFlightLoad.run(texts, n, tasks.get(point.task().ordinal())));
                        point.enginePasses()[0] += engine.metrics().steps() - passes;
                        point.load()[0] = os.getSystemLoadAverage();
                    }
                }
            }
        }
        return points;
    }

    private void print(List<Point> points, int minDocuments, int rounds) {
        double textTokens = documents.stream().mapToInt(engine::countTokens).average().orElseThrow();
        System.out.printf(Locale.ROOT, "%nDocuments of %d words (%.0f tokens on average), max(%d, 2N) per round, %d"
                + " rounds per point, interleaved; docs/s the median of the rounds, latency percentiles over the"
                + " documents of all rounds%n%-22s %4s %9s %9s %10s %9s %9s %11s %8s %6s%n", WORDS, textTokens,
                minDocuments, rounds, "task", "N", "docs/s", "scaling", "÷ summary", "p50 ms", "p99 ms", "passes/doc",
                "own/doc", "load");
        for (Point point : points) {
            double rate = point.documentsPerSecond();
            double alone = find(points, point.task(), points.get(0).inFlight()).documentsPerSecond();
            double summary = find(points, Task.SUMMARY, point.inFlight()).documentsPerSecond();
            long[] latencies = point.latencies();
            System.out.printf(Locale.ROOT, "%-22s %4d %9.2f %8.2fx %9.2fx %9.1f %9.1f %11.2f %8.2f %6.2f%n",
                    point.task().title, point.inFlight(), rate, rate / alone, rate / summary,
                    InFlightLoad.percentileMillis(latencies, 0.5), InFlightLoad.percentileMillis(latencies, 0.99),
                    point.passesPerDocument(), point.resultPerDocument(), point.load()[0]);
        }
        System.out.printf(Locale.ROOT, "passes/doc: the generation engine's forward passes per document; own/doc: a"
                + " tagging's continuation runs (single-label: the prompt's and one per label), a summary's tokens%n");
    }

    private static Point find(List<Point> points, Task task, int inFlight) {
        return points.stream().filter(p -> p.task() == task && p.inFlight() == inFlight).findFirst().orElseThrow();
    }

    /** The target passes of a tagging that named at least {@code minLabels} labels. */
    private static int checked(Tagging tagging, int minLabels) {
        if (tagging.labels().size() < minLabels) {
            throw new IllegalStateException("a tagging named " + tagging.labels() + ", expected at least " + minLabels
                    + " labels. This is a bug.");
        }
        return tagging.targetPasses();
    }

    /** {@code count} distinct documents of {@link #WORDS} words, each within {@code budget} tokens. */
    private List<String> documents(int count, int budget) {
        Random random = new Random(3);
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            StringBuilder text = new StringBuilder("Report " + (i + 1) + ":");
            for (int w = 0; w < WORDS; w++) {
                text.append(' ').append(VOCABULARY[random.nextInt(VOCABULARY.length)]);
                if (w % 12 == 11) {
                    text.append('.');
                }
            }
            String document = text.append('.').toString();
            int tokens = engine.countTokens(document);
            if (tokens > budget) {
                throw new IllegalStateException("document " + i + " has " + tokens + " tokens, more than the "
                        + budget + " one summary request takes: the benchmark's documents must fit");
            }
            texts.add(document);
        }
        return texts;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static int positive(String name, String value) {
        int parsed;
        try {
            parsed = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " is '" + value + "', expected a whole number >= 1", e);
        }
        if (parsed < 1) {
            throw new IllegalArgumentException(name + " is " + parsed + ", expected >= 1");
        }
        return parsed;
    }

    private static int[] inFlight(String value) {
        int[] counts = Arrays.stream(value.split(",")).mapToInt(count -> positive("documents in flight", count))
                .toArray();
        if (Arrays.stream(counts).distinct().count() != counts.length) {
            throw new IllegalArgumentException("in-flight counts '" + value + "' repeat a count, expected distinct"
                    + " counts such as 1,8,32,64");
        }
        return counts;
    }
}
