package io.textintel.benchmarks;

import io.textintel.serving.backend.cpu.CpuBackend;
import io.textintel.serving.backend.cpu.FastDecoderOps;
import io.textintel.serving.batch.TokenBatch;
import io.textintel.serving.importer.ShippedModel;
import io.textintel.serving.importer.ShippedModels;
import io.textintel.serving.kv.PagedKvCache;
import io.textintel.serving.model.EncoderModel;
import io.textintel.serving.model.SequenceChunk;
import io.textintel.serving.model.decoder.DecoderModel;
import io.textintel.serving.tokenizer.TextTokenizer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.ref.Reference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * One engine alone in a fresh JVM, so that its resident set and heap are its own: loads the
 * engine, runs one batch of 32 feedback messages (a decoder: one 512-token prefill), and prints
 * {@code RESULT rss=<bytes> heap=<bytes after a GC>}. Kind {@code none} loads no engine: the
 * JVM, the tokenizer and the inputs alone, the baseline the engines' figures are read against.
 * {@link PeerReport} starts it with the running JVM's {@code java} and class path.
 *
 * <pre>
 * PeerMemory none|textintel|ort &lt;shipped model&gt; &lt;threads&gt;
 * PeerMemory textintel-decoder &lt;checkpoint dir&gt; &lt;threads&gt;
 * </pre>
 */
public final class PeerMemory {

    private PeerMemory() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            throw new IllegalArgumentException("expected none|textintel|ort <shipped model> <threads> or"
                    + " textintel-decoder <checkpoint dir> <threads>, got " + args.length + " arguments");
        }
        int threads = Integer.parseInt(args[2]);
        if (args[0].equals("textintel-decoder")) {
            decoder(Path.of(args[1]), threads);
        } else {
            encoder(args[0], ShippedModels.find(args[1]), threads);
        }
        System.out.printf(Locale.ROOT, "RESULT rss=%d heap=%d%n", MachineLoad.residentBytes(),
                MachineLoad.heapUsedAfterGc());
    }

    private static void encoder(String kind, ShippedModel shipped, int threads) throws Exception {
        Path dir = ShippedModels.importInto(ShippedModels.defaultCacheDir(), shipped.key());
        List<int[]> batch = new ArrayList<>();
        try (TextTokenizer tokenizer = TextTokenizer.load(dir, shipped.maxSeqLength())) {
            for (String text : PeerReport.feedback().subList(0, 32)) {
                batch.add(tokenizer.encode(text).ids());
            }
        }
        switch (kind) {
            case "none":
                return;
            case "textintel":
                try (CpuBackend backend = new CpuBackend(threads)) {
                    EncoderModel model = EncoderModel.load(dir, backend);
                    model.embed(TokenBatch.packed(batch));
                    report(model);
                }
                return;
            case "ort":
                try (OrtEncoder ort = openOrt(shipped, threads)) {
                    ort.embed(batch);
                    report(ort);
                }
                return;
            default:
                throw new IllegalArgumentException("engine '" + kind + "', expected none, textintel or ort");
        }
    }

    private static void decoder(Path checkpoint, int threads) throws IOException {
        try (DecoderModel model = DecoderModel.load(checkpoint, new FastDecoderOps(threads));
                PagedKvCache cache = new PagedKvCache(model.kvLayout(), 16, 33)) {
            int[] prompt = new Random(11).ints(512, 1, model.vocabSize()).toArray();
            cache.reserve(0, prompt.length);
            model.forward(List.of(new SequenceChunk(0, prompt, 0, 1)), cache);
            report(model);
        }
    }

    /** The session alone: the graph's bytes are garbage once it is built, as in a long-running engine. */
    private static OrtEncoder openOrt(ShippedModel shipped, int threads) throws Exception {
        try (InputStream in = PeerMemory.class.getClassLoader().getResourceAsStream(shipped.onnxEntry())) {
            return new OrtEncoder(in.readAllBytes(), shipped.pooling(), threads);
        }
    }

    /** Prints the figures while {@code engine} is open and reachable, then ends the JVM. */
    private static void report(Object engine) {
        System.out.printf(Locale.ROOT, "RESULT rss=%d heap=%d%n", MachineLoad.residentBytes(),
                MachineLoad.heapUsedAfterGc());
        System.out.flush();
        Reference.reachabilityFence(engine);
        Runtime.getRuntime().halt(0);
    }

    /**
     * Runs this class in a fresh JVM of the running one's {@code java} and class path; returns
     * {resident bytes, heap bytes}.
     */
    static long[] measure(String... args) throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "--add-modules=jdk.incubator.vector", "-Xmx3g",
                "-cp", System.getProperty("java.class.path"), PeerMemory.class.getName()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        List<String> output = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null; ) {
                output.add(line);
                if (line.startsWith("RESULT ")) {
                    String[] fields = line.split(" ");
                    process.waitFor(60, TimeUnit.SECONDS);
                    return new long[] {Long.parseLong(fields[1].substring(4)), Long.parseLong(fields[2].substring(5))};
                }
            }
        }
        process.waitFor(60, TimeUnit.SECONDS);
        throw new IllegalStateException("PeerMemory " + String.join(" ", args) + " printed no RESULT line: " + output);
    }
}
