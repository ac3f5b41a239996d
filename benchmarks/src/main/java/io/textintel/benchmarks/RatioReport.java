package io.textintel.benchmarks;

import java.util.Collection;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * The command-line entry point that runs the textintel JMH benchmarks and then prints each fast
 * implementation's throughput divided by its baseline's, all measured in the same run:
 * {@link LinearBenchmark} in GFLOP/s against the scalar reference and the naive loop,
 * {@link DecodeLinearBenchmark} (one row, weights from memory) in GB/s of weights against the
 * portable kernels, and {@link EncoderBenchmark} and {@link EncoderPortableBenchmark} in sentences
 * per second against {@link EncoderBaselineBenchmark}.
 *
 * <p>{@code java -cp benchmarks/target/benchmarks.jar io.textintel.benchmarks.RatioReport [JMH options]}.
 * Without options every benchmark runs with its annotated settings (one fork each, one to three
 * warm-up and one to three measured iterations of a second or more: under five minutes on two
 * cores, of which the scalar reference takes one); JMH options (for example {@code -f 2 -i 5}, or a
 * benchmark pattern) are passed through, and ratios are printed for whatever ran.
 */
public final class RatioReport {

    private static final String LINEAR = LinearBenchmark.class.getName() + ".linear";
    private static final String DECODE_LINEAR = DecodeLinearBenchmark.class.getName() + ".linear";
    private static final String ENCODER = EncoderBenchmark.class.getName() + ".embed";
    private static final String PORTABLE = EncoderPortableBenchmark.class.getName() + ".embed";
    private static final String BASELINE = EncoderBaselineBenchmark.class.getName() + ".embed";

    private RatioReport() {}

    public static void main(String[] args) throws RunnerException, CommandLineOptionException {
        CommandLineOptions commandLine = new CommandLineOptions(args);
        OptionsBuilder builder = new OptionsBuilder();
        builder.parent(commandLine);
        if (commandLine.getIncludes().isEmpty()) {
            builder.include("io\\.textintel\\.benchmarks\\..*");
        }
        Options options = builder.build();
        Collection<RunResult> results = new Runner(options).run();
        System.out.println();
        System.out.print(linearTable(results));
        System.out.println();
        System.out.print(decodeLinearTable(results));
        System.out.println();
        System.out.print(encoderTable(results));
    }

    /** GFLOP/s of each implementation per shape, and the fast ones over the baselines. */
    static String linearTable(Collection<RunResult> results) {
        Map<String, Double> gflops = new HashMap<>(); // "shape/impl" -> GFLOP/s
        for (RunResult result : results) {
            if (result.getParams().getBenchmark().equals(LINEAR)) {
                String shape = result.getParams().getParam("shape");
                double opsPerSecond = perSecond(result);
                gflops.put(shape + "/" + result.getParams().getParam("impl"),
                        opsPerSecond * LinearBenchmark.flops(shape) / 1e9);
            }
        }
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "Linear layer, %d rows, GFLOP/s (cpu-*: all %d cores; "
                + "cpu-reference and naive: one thread)%n", LinearBenchmark.ROWS,
                Runtime.getRuntime().availableProcessors()));
        out.append(String.format(Locale.ROOT, "%-9s %10s %12s %13s %8s | %12s %11s %17s %16s%n", "in x out",
                "cpu-vector", "cpu-portable", "cpu-reference", "naive", "vector÷ref", "vector÷naive",
                "vector÷portable", "portable÷ref"));
        for (String shape : new String[] {"384x1536", "1536x384"}) {
            Double vector = gflops.get(shape + "/cpu-vector");
            Double portable = gflops.get(shape + "/cpu-portable");
            Double reference = gflops.get(shape + "/cpu-reference");
            Double naive = gflops.get(shape + "/naive");
            if (vector == null && portable == null && reference == null && naive == null) {
                continue;
            }
            out.append(String.format(Locale.ROOT, "%-9s %10s %12s %13s %8s | %12s %11s %17s %16s%n", shape,
                    value(vector), value(portable), value(reference), value(naive), ratio(vector, reference),
                    ratio(vector, naive), ratio(vector, portable), ratio(portable, reference)));
        }
        return out.toString();
    }

    /** GB/s of weights of the one-row linear layer per kernel family, and vector over portable. */
    static String decodeLinearTable(Collection<RunResult> results) {
        Map<String, Double> gigabytes = new HashMap<>(); // "shape/impl" -> GB/s
        for (RunResult result : results) {
            if (result.getParams().getBenchmark().equals(DECODE_LINEAR)) {
                String shape = result.getParams().getParam("shape");
                gigabytes.put(shape + "/" + result.getParams().getParam("impl"),
                        perSecond(result) * DecodeLinearBenchmark.weightBytes(shape) / 1e9);
            }
        }
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "Linear layer, one row (a decode step), weights from memory, GB/s of"
                + " weights (all %d cores)%n", Runtime.getRuntime().availableProcessors()));
        out.append(String.format(Locale.ROOT, "%-10s %10s %12s | %15s %9s%n", "in x out", "cpu-vector",
                "cpu-portable", "vector÷portable", "µs/call"));
        for (String shape : new String[] {"1024x1024", "1024x2816", "2816x1024"}) {
            Double vector = gigabytes.get(shape + "/cpu-vector");
            Double portable = gigabytes.get(shape + "/cpu-portable");
            if (vector == null && portable == null) {
                continue;
            }
            String micros = vector == null ? "-"
                    : String.format(Locale.ROOT, "%.1f", DecodeLinearBenchmark.weightBytes(shape) / vector / 1e3);
            out.append(String.format(Locale.ROOT, "%-10s %10s %12s | %15s %9s%n", shape, value(vector), value(portable),
                    vector == null || portable == null ? "-"
                            : String.format(Locale.ROOT, "%.2fx", vector / portable), micros));
        }
        return out.toString();
    }

    /** Sentences per second of the encoder per kernel, and over the scalar baseline. */
    static String encoderTable(Collection<RunResult> results) {
        Map<String, Double> sentences = new HashMap<>(); // "seq/batch/kernel" -> sentences/s
        for (RunResult result : results) {
            String benchmark = result.getParams().getBenchmark();
            String kernel = benchmark.equals(ENCODER) ? "VECTOR"
                    : benchmark.equals(PORTABLE) ? "PORTABLE" : benchmark.equals(BASELINE) ? "reference" : null;
            if (kernel == null) {
                continue;
            }
            int batch = Integer.parseInt(result.getParams().getParam("batchSize"));
            sentences.put(result.getParams().getParam("sequenceLength") + "/" + batch + "/" + kernel,
                    perSecond(result) * batch);
        }
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "Encoder, MiniLM-L6 shape, sentences/s (cpu: all %d cores; "
                + "reference: ScalarBackend, one thread)%n", Runtime.getRuntime().availableProcessors()));
        out.append(String.format(Locale.ROOT, "%4s %6s %11s %13s %10s | %14s %16s %17s%n", "seq", "batch",
                "cpu-vector", "cpu-portable", "reference", "vector÷ref", "portable÷ref", "vector÷portable"));
        for (int length : new int[] {32, 128}) {
            for (int batch : new int[] {1, 32}) {
                String key = length + "/" + batch + "/";
                Double vector = sentences.get(key + "VECTOR");
                Double portable = sentences.get(key + "PORTABLE");
                Double reference = sentences.get(key + "reference");
                if (vector == null && portable == null && reference == null) {
                    continue;
                }
                out.append(String.format(Locale.ROOT, "%4d %6d %11s %13s %10s | %14s %16s %17s%n", length, batch,
                        value(vector), value(portable), value(reference), ratio(vector, reference),
                        ratio(portable, reference), ratio(vector, portable)));
            }
        }
        return out.toString();
    }

    /** Operations per second from a throughput or an average-time result. */
    private static double perSecond(RunResult result) {
        double score = result.getPrimaryResult().getScore();
        String unit = result.getPrimaryResult().getScoreUnit();
        Mode mode = result.getParams().getMode();
        double seconds = unitSeconds(unit, mode);
        return mode == Mode.Throughput ? score / seconds : 1.0 / (score * seconds);
    }

    private static double unitSeconds(String unit, Mode mode) {
        // "ops/s" for throughput, "s/op" for average time; JMH writes the time unit as s, ms, us or ns
        String time = mode == Mode.Throughput ? unit.substring(unit.indexOf('/') + 1) : unit.substring(0, unit.indexOf('/'));
        switch (time) {
            case "s":
                return 1.0;
            case "ms":
                return 1e-3;
            case "us":
                return 1e-6;
            case "ns":
                return 1e-9;
            default:
                throw new IllegalArgumentException("score unit " + unit + ", expected a time unit of s, ms, us or ns");
        }
    }

    private static String value(Double value) {
        return value == null ? "-" : String.format(Locale.ROOT, "%.2f", value);
    }

    private static String ratio(Double fast, Double baseline) {
        return fast == null || baseline == null ? "-" : String.format(Locale.ROOT, "%.1fx", fast / baseline);
    }
}
