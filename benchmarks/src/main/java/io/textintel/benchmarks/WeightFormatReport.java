package io.textintel.benchmarks;

import io.textintel.serving.backend.WeightFormat;
import io.textintel.serving.backend.cpu.FastDecoderOps;
import io.textintel.serving.kv.PagedKvCache;
import io.textintel.serving.model.SequenceChunk;
import io.textintel.serving.model.decoder.DecoderModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.IntStream;

/**
 * Decode tokens/s at batch 1 on {@link DecoderFixture}'s ~270M parameter Llama with its linear
 * layers in f32, bf16 and int8 ({@code engine.weights}), the three models loaded from the same F32
 * checkpoint and run in turn in every round, so that the machine's load drifts over all alike. Also
 * prints the bytes of linear-layer weights read per token, the rate that makes, the streaming-read
 * bandwidth of the machine measured in the same run (a sum over 1 GiB of longs, four chains per thread),
 * and the load average before and after. Quality against f32: how many of f32's greedy tokens each
 * format reproduces before its own greedy run first differs, and, given f32's tokens as input, on
 * how many steps its top-1 token is f32's and the lowest cosine of its logits to f32's. Last, the
 * best of three prefills of that whole sequence in each format.
 *
 * <p>Arguments: {@code [threads [newTokens [rounds]]]}, defaults 2, 48, 5.
 */
public final class WeightFormatReport {

    private static final int PROMPT = 16;

    private WeightFormatReport() {}

    public static void main(String[] args) throws IOException {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        int newTokens = args.length > 1 ? Integer.parseInt(args[1]) : 48;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        System.out.printf(Locale.ROOT, "load average before: %s%n", loadAverage());
        Path checkpoint = DecoderFixture.checkpoint();
        WeightFormat[] formats = WeightFormat.values();
        DecoderModel[] models = new DecoderModel[formats.length];
        for (int f = 0; f < formats.length; f++) {
            long start = System.nanoTime();
            models[f] = DecoderModel.load(checkpoint, new FastDecoderOps(threads), formats[f]);
            System.out.printf(Locale.ROOT, "loaded %s in %.1f s: %s%n", formats[f].configName(),
                    (System.nanoTime() - start) / 1e9, models[f]);
        }
        try {
            int[] prompt = new Random(1).ints(PROMPT, 0, models[0].vocabSize()).toArray();
            for (DecoderModel model : models) { // warm-up: the JIT compiles every kernel
                decode(model, prompt, 8);
            }
            double[][] rates = new double[formats.length][rounds];
            int[][] outputs = new int[formats.length][];
            for (int round = 0; round < rounds; round++) {
                for (int f = 0; f < formats.length; f++) {
                    Run run = decode(models[f], prompt, newTokens);
                    rates[f][round] = run.tokensPerSecond();
                    outputs[f] = run.tokens();
                }
            }
            double bandwidth = streamingReadBandwidth(threads);
            System.out.printf(Locale.ROOT, "%nstreaming read, %d threads: %.1f GB/s%n", threads, bandwidth / 1e9);
            int[] sequence = Arrays.copyOf(prompt, PROMPT + newTokens - 1); // f32's greedy run, its steps' inputs
            System.arraycopy(outputs[0], 0, sequence, PROMPT, newTokens - 1);
            float[][] f32Logits = allLogits(models[0], sequence);
            long[] prefillNanos = new long[formats.length];
            for (int f = 0; f < formats.length; f++) { // best of three prefills of the whole sequence
                prefillNanos[f] = Long.MAX_VALUE;
                for (int repeat = 0; repeat < 3; repeat++) {
                    long start = System.nanoTime();
                    allLogits(models[f], sequence);
                    prefillNanos[f] = Math.min(prefillNanos[f], System.nanoTime() - start);
                }
            }
            System.out.printf(Locale.ROOT, "%n%-6s %14s %-24s %12s %12s %10s %14s %18s %18s%n", "format", "weights/token",
                    "tokens/s (each round)", "median", "GB/s", "of stream", "greedy = f32",
                    "top-1, min cosine", "prefill");
            double f32 = median(rates[0]);
            for (int f = 0; f < formats.length; f++) {
                double rate = median(rates[f]);
                long bytes = weightBytes(formats[f], models[f].vocabSize());
                int agree = 0;
                while (agree < newTokens && outputs[f][agree] == outputs[0][agree]) {
                    agree++;
                }
                float[][] logits = allLogits(models[f], sequence);
                int top1 = 0;
                double minCosine = 1;
                for (int step = PROMPT - 1; step < sequence.length; step++) {
                    top1 += argmax(logits[step]) == argmax(f32Logits[step]) ? 1 : 0;
                    minCosine = Math.min(minCosine, cosine(logits[step], f32Logits[step]));
                }
                System.out.printf(Locale.ROOT,
                        "%-6s %11.1f MB %-24s %12.2f %12.1f %9.0f%% %8d of %d %8d of %d, %.5f %6.0f ms (%d tokens)"
                                + "   %.2fx f32%n",
                        formats[f].configName(), bytes / 1e6, Arrays.toString(round(rates[f])), rate,
                        bytes * rate / 1e9, 100 * bytes * rate / bandwidth, agree, newTokens, top1, newTokens,
                        minCosine, prefillNanos[f] / 1e6, sequence.length, rate / f32);
            }
        } finally {
            for (DecoderModel model : models) {
                model.close();
            }
        }
        System.out.printf(Locale.ROOT, "%nload average after: %s%n", loadAverage());
    }

    record Run(int[] tokens, long decodeNanos) {
        double tokensPerSecond() {
            return tokens.length * 1e9 / decodeNanos;
        }
    }

    /** A prefill of {@code prompt}, then {@code newTokens} greedy one-token passes, only those timed. */
    static Run decode(DecoderModel model, int[] prompt, int newTokens) {
        try (PagedKvCache cache = new PagedKvCache(model.kvLayout(), 16, (PROMPT + newTokens) / 16 + 2)) {
            cache.reserve(1, prompt.length);
            float[] logits = model.forward(List.of(new SequenceChunk(1, prompt, 0, 1)), cache)[0];
            cache.commit(1, prompt.length);
            int[] tokens = new int[newTokens];
            long nanos = 0;
            for (int i = 0; i < newTokens; i++) {
                tokens[i] = argmax(logits);
                int position = prompt.length + i;
                cache.reserve(1, 1);
                long start = System.nanoTime();
                logits = model.forward(List.of(new SequenceChunk(1, new int[] {tokens[i]}, position, 1)), cache)[0];
                nanos += System.nanoTime() - start;
                cache.commit(1, position + 1);
            }
            return new Run(tokens, nanos);
        }
    }

    /** Logits of every position of {@code tokens}, one prefill. */
    static float[][] allLogits(DecoderModel model, int[] tokens) {
        try (PagedKvCache cache = new PagedKvCache(model.kvLayout(), 16, tokens.length / 16 + 2)) {
            cache.reserve(1, tokens.length);
            return model.forward(List.of(new SequenceChunk(1, tokens, 0, tokens.length)), cache);
        }
    }

    private static double cosine(float[] a, float[] b) {
        double dot = 0;
        double aa = 0;
        double bb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            aa += (double) a[i] * a[i];
            bb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(aa * bb);
    }

    /** Bytes of linear-layer weights a one-token pass reads in {@code format} (the LM head among them). */
    static long weightBytes(WeightFormat format, int vocab) {
        var spec = DecoderFixture.SPEC;
        long hidden = spec.hiddenSize();
        long kvWidth = (long) spec.kvHeads() * spec.headDim();
        long qWidth = (long) spec.heads() * spec.headDim();
        long outChannels = spec.layers() * (qWidth + 2 * kvWidth + hidden + 3L * spec.intermediateSize()) + vocab;
        long weights = spec.layers() * (2 * hidden * qWidth + 2 * hidden * kvWidth
                + 3 * hidden * spec.intermediateSize()) + vocab * hidden;
        return switch (format) {
            case F32 -> 4 * weights;
            case BF16 -> 2 * weights;
            case INT8 -> weights + 4 * outChannels;
        };
    }

    /** Best of five sums over 1 GiB of longs, split over {@code threads} threads, in bytes/s. */
    static double streamingReadBandwidth(int threads) {
        long[] data = new long[1 << 27];
        Arrays.fill(data, 1L);
        int chunk = data.length / threads;
        double best = 0;
        for (int repeat = 0; repeat < 5; repeat++) {
            long start = System.nanoTime();
            long total = IntStream.range(0, threads).parallel().mapToLong(t -> {
                long s0 = 0;
                long s1 = 0;
                long s2 = 0;
                long s3 = 0;
                for (int i = t * chunk; i < (t + 1) * chunk; i += 4) {
                    s0 += data[i];
                    s1 += data[i + 1];
                    s2 += data[i + 2];
                    s3 += data[i + 3];
                }
                return s0 + s1 + s2 + s3;
            }).sum();
            double seconds = (System.nanoTime() - start) / 1e9;
            if (total != (long) chunk * threads) {
                throw new IllegalStateException("streaming sum is " + total + ", expected " + (long) chunk * threads
                        + ". This is a bug.");
            }
            best = Math.max(best, 8.0 * chunk * threads / seconds);
        }
        return best;
    }

    private static int argmax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted.length % 2 == 1 ? sorted[sorted.length / 2]
                : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    }

    private static double[] round(double[] values) {
        return Arrays.stream(values).map(v -> Math.round(v * 10) / 10.0).toArray();
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }
}
