package io.textintel.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.textintel.serving.importer.ShippedModels;
import io.textintel.serving.tools.TinyDecoderSpec;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The peer harness: textintel beside ONNX Runtime and Jlama on this CPU, every figure beside its
 * peer's from the same interleaved rounds, plus this machine's streaming-read memory bandwidth and
 * its load (the machines are shared). Run from the repository root (Jlama's classpath is found
 * under {@code peer-jlama/}, see {@link JlamaProcess}):
 *
 * <pre>
 * ./mvnw -B -pl benchmarks,peer-jlama -am package -DskipTests
 * java --add-modules=jdk.incubator.vector -Xmx6g -cp benchmarks/target/benchmarks.jar \
 *     io.textintel.benchmarks.PeerReport [threads [rounds [decoder]]]
 * </pre>
 *
 * Defaults: every processor, 3 rounds, decoder {@code full} (the 272M-parameter Llama shape of
 * {@link DecoderFixture}; {@code small} is hidden 512, 8 layers, 8/2 heads, intermediate 1408).
 * Without a Java 21+ runtime or Jlama's classpath the Jlama rows are left out, saying why.
 */
public final class PeerReport {

    private static final TinyDecoderSpec SMALL_DECODER = TinyDecoderSpec.llama().withSizes(512, 8, 8, 2, 1408)
            .withMaxPositions(640).withSeed(7);
    private static final TinyDecoderSpec FULL_DECODER = DecoderFixture.SPEC.withMaxPositions(640);

    private PeerReport() {}

    public static void main(String[] args) throws Exception {
        int threads = args.length > 0 ? positive(args[0], "threads") : Runtime.getRuntime().availableProcessors();
        int rounds = args.length > 1 ? positive(args[1], "rounds") : 3;
        String decoder = args.length > 2 ? args[2] : "full";
        if (!decoder.equals("full") && !decoder.equals("small")) {
            throw new IllegalArgumentException("decoder '" + decoder + "', expected full or small");
        }
        long start = System.nanoTime();
        System.out.printf(Locale.ROOT, "peer report: %d threads, %d rounds after a warm-up, medians; %d processors;"
                + " Java %s; load average %s%n", threads, rounds, Runtime.getRuntime().availableProcessors(),
                Runtime.version(), MachineLoad.loadAverage());
        PeerTable table = new PeerTable();

        double bandwidth = MemoryBandwidth.streamingRead(2, 256 << 20, 5);
        String bandwidthLine = String.format(Locale.ROOT, "streaming-read memory bandwidth, 2 threads: %.1f GB/s"
                + " (load average %s)", bandwidth / 1e9, MachineLoad.loadAverage());
        System.out.println(bandwidthLine);
        table.note(bandwidthLine);

        List<String> feedback = feedback();
        for (var model : List.of(ShippedModels.ALL_MINILM_L6_V2, ShippedModels.BGE_SMALL_EN_V15)) {
            System.out.println("ONNX Runtime against textintel: " + model.key());
            new EncoderPeers(model, threads, rounds).run(ShippedModels.defaultCacheDir(), feedback, table);
        }
        System.out.println("memory of each engine in a JVM of its own");
        for (var model : List.of(ShippedModels.ALL_MINILM_L6_V2, ShippedModels.BGE_SMALL_EN_V15)) {
            long[] none = PeerMemory.measure("none", model.key(), Integer.toString(threads));
            long[] textintel = PeerMemory.measure("textintel", model.key(), Integer.toString(threads));
            long[] ort = PeerMemory.measure("ort", model.key(), Integer.toString(threads));
            table.memory("no engine (tokenizer and inputs), " + model.key(), none[0], none[1], none[0]);
            table.memory("textintel cpu, " + model.key() + ", after a batch of 32", textintel[0], textintel[1], none[0]);
            table.memory("ONNX Runtime, " + model.key() + ", after a batch of 32", ort[0], ort[1], none[0]);
        }

        String unavailable = JlamaProcess.unavailableReason();
        if (!unavailable.isEmpty()) {
            table.note("Jlama not run: " + unavailable);
        } else {
            Path work = Files.createTempDirectory("textintel-peers-");
            try {
                Path log = work.resolve("jlama.log");
                JlamaPeers jlama = new JlamaPeers(threads, rounds, log);
                TinyDecoderSpec spec = decoder.equals("full") ? FULL_DECODER : SMALL_DECODER;
                String shape = String.format(Locale.ROOT, "h%d l%d %d/%d heads i%d F32", spec.hiddenSize(),
                        spec.layers(), spec.heads(), spec.kvHeads(), spec.intermediateSize());
                System.out.println("Jlama against textintel: decoder " + shape);
                Path checkpoint = DecoderFixture.checkpoint(spec);
                jlama.decoder(checkpoint, shape, table);
                long[] decoderMemory = PeerMemory.measure("textintel-decoder", checkpoint.toString(),
                        Integer.toString(threads));
                table.memory("textintel fast decoder ops, decoder " + shape + ", after a 512-token prefill",
                        decoderMemory[0], decoderMemory[1], -1);
                System.out.println("Jlama against textintel: encoder");
                jlama.encoder(EncoderFixture.MINILM_L6, work, table);
                table.note("Jlama's log: " + log + " (kept)");
            } finally {
                deleteExceptLog(work);
            }
        }
        System.out.print(table.render());
        System.out.printf(Locale.ROOT, "whole run %.0f s; load average at the end %s%n", (System.nanoTime() - start) / 1e9,
                MachineLoad.loadAverage());
    }

    /** The demo's customer feedback messages (the {@code jobs} module's sample, copied into this jar). */
    static List<String> feedback() throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<String> texts = new ArrayList<>();
        try (InputStream in = PeerReport.class.getResourceAsStream("/peers/feedback.jsonl")) {
            if (in == null) {
                throw new IllegalStateException("/peers/feedback.jsonl is not in the benchmarks jar");
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = reader.readLine()) != null; ) {
                if (!line.isBlank()) {
                    texts.add(json.readTree(line).get("text").asText());
                }
            }
        }
        return texts;
    }

    private static void deleteExceptLog(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                if (!path.getFileName().toString().equals("jlama.log") && !path.equals(dir)) {
                    Files.delete(path);
                }
            }
        }
    }

    private static int positive(String value, String what) {
        try {
            int n = Integer.parseInt(value);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(what + " '" + value + "', expected a positive integer");
    }
}
