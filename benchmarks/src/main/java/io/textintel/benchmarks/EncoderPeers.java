package io.textintel.benchmarks;

import io.textintel.serving.backend.cpu.CpuBackend;
import io.textintel.serving.batch.TokenBatch;
import io.textintel.serving.importer.ShippedModel;
import io.textintel.serving.importer.ShippedModels;
import io.textintel.serving.model.EncoderModel;
import io.textintel.serving.tensor.Tensor;
import io.textintel.serving.tokenizer.TextTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * textintel's encoder against ONNX Runtime on a real embedder: the model imported by
 * {@link ShippedModels} (the engine's own load path) against the original ONNX graph in the same
 * LangChain4j jar, fed the same token ids from the engine's tokenizer. textintel packs a batch's
 * sequences; ONNX Runtime pads them to the batch's longest.
 *
 * <p>Cases: 128-token sequences (consecutive feedback messages joined and cut at 128 tokens) at
 * batch 1 (eight passes a run) and 32; 128 feedback messages at their natural lengths in batches
 * of 32, in the sample's order and sorted by length. Each case checks that the two engines'
 * embeddings agree (the smallest cosine over its sentences).
 */
final class EncoderPeers {

    private static final int LONG_TOKENS = 128;
    private static final int NATURAL_SENTENCES = 128;
    private static final int BATCH = 32;

    private final ShippedModel shipped;
    private final int threads;
    private final int rounds;

    EncoderPeers(ShippedModel shipped, int threads, int rounds) {
        this.shipped = shipped;
        this.threads = threads;
        this.rounds = rounds;
    }

    /** Imports the model, loads both engines, runs every case; table rows and memory rows. */
    void run(Path cacheDir, List<String> feedback, PeerTable table) throws Exception {
        Path dir = ShippedModels.importInto(cacheDir, shipped.key());
        byte[] onnx;
        try (InputStream in = EncoderPeers.class.getClassLoader().getResourceAsStream(shipped.onnxEntry())) {
            if (in == null) {
                throw new IllegalStateException(shipped.onnxEntry() + " is not on the classpath: the benchmarks jar"
                        + " is built with " + shipped.coordinates());
            }
            onnx = in.readAllBytes();
        }
        List<int[]> longSequences = longSequences(dir, feedback);
        List<int[]> natural = new ArrayList<>();
        try (TextTokenizer tokenizer = TextTokenizer.load(dir, shipped.maxSeqLength())) {
            for (String text : feedback.subList(0, NATURAL_SENTENCES)) {
                natural.add(tokenizer.encode(text).ids());
            }
        }
        List<int[]> sorted = new ArrayList<>(natural);
        sorted.sort(Comparator.comparingInt(s -> s.length));

        CpuBackend backend = new CpuBackend(threads);
        try {
            EncoderModel model = EncoderModel.load(dir, backend);
            try (OrtEncoder ort = new OrtEncoder(onnx, shipped.pooling(), threads)) {
                List<List<int[]>> single = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    single.add(longSequences.subList(i, i + 1));
                }
                compare(table, "128 tokens, batch 1", model, ort, single);
                compare(table, "128 tokens, batch 32", model, ort, List.of(longSequences.subList(0, BATCH)));
                compare(table, "feedback, natural lengths, batch 32", model, ort, batches(natural));
                compare(table, "feedback, length-sorted, batch 32", model, ort, batches(sorted));
            }
        } finally {
            backend.close();
        }
    }

    private void compare(PeerTable table, String name, EncoderModel model, OrtEncoder ort, List<List<int[]>> batches)
            throws Exception {
        int sentences = batches.stream().mapToInt(List::size).sum();
        long paddedRows = batches.stream().mapToLong(b -> (long) b.size() * b.stream().mapToInt(s -> s.length).max()
                .orElseThrow()).sum();
        long rows = batches.stream().flatMap(List::stream).mapToLong(s -> s.length).sum();
        Map<String, InterleavedRounds.Runs> runs = new InterleavedRounds()
                .add("textintel", () -> timed(() -> {
                    List<float[]> out = new ArrayList<>();
                    for (List<int[]> batch : batches) {
                        Tensor embeddings = model.embed(TokenBatch.packed(batch));
                        for (int r = 0; r < embeddings.rows(); r++) {
                            out.add(embeddings.row(r));
                        }
                    }
                    return out;
                }))
                .add("ort", () -> timed(() -> {
                    List<float[]> out = new ArrayList<>();
                    for (List<int[]> batch : batches) {
                        out.addAll(List.of(ort.embed(batch)));
                    }
                    return out;
                }))
                .run(rounds);
        double cosine = minCosine(runs.get("textintel").warmUp().output(), runs.get("ort").warmUp().output());
        table.encoderRow(shipped.key(), name + String.format(Locale.ROOT, " (%d rows packed, %d padded)", rows,
                paddedRows), sentences, runs.get("textintel"), runs.get("ort"), cosine);
    }

    @SuppressWarnings("unchecked")
    private static double minCosine(Object a, Object b) {
        List<float[]> x = (List<float[]>) a;
        List<float[]> y = (List<float[]>) b;
        double min = 1;
        for (int i = 0; i < x.size(); i++) {
            double dot = 0;
            double nx = 0;
            double ny = 0;
            for (int d = 0; d < x.get(i).length; d++) {
                dot += (double) x.get(i)[d] * y.get(i)[d];
                nx += (double) x.get(i)[d] * x.get(i)[d];
                ny += (double) y.get(i)[d] * y.get(i)[d];
            }
            min = Math.min(min, dot / Math.sqrt(nx * ny));
        }
        return min;
    }

    /** Work that returns what it computed. */
    interface Work {
        Object run() throws Exception;
    }

    /** Runs {@code work} once, timing its wall and this process's CPU time. */
    static Sample timed(Work work) throws Exception {
        double cpu = MachineLoad.processCpuSeconds();
        long start = System.nanoTime();
        Object output = work.run();
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Sample(seconds, MachineLoad.processCpuSeconds() - cpu, output);
    }

    private static List<List<int[]>> batches(List<int[]> sequences) {
        List<List<int[]>> batches = new ArrayList<>();
        for (int i = 0; i < sequences.size(); i += BATCH) {
            batches.add(sequences.subList(i, Math.min(sequences.size(), i + BATCH)));
        }
        return batches;
    }

    /** 40 sequences of exactly 128 tokens: twelve consecutive messages joined, cut by the tokenizer. */
    private static List<int[]> longSequences(Path dir, List<String> feedback) throws IOException {
        List<int[]> sequences = new ArrayList<>();
        try (TextTokenizer tokenizer = TextTokenizer.load(dir, LONG_TOKENS)) {
            for (int i = 0; i < BATCH + 8; i++) {
                int[] ids = tokenizer.encode(String.join(" ", feedback.subList(i * 6, i * 6 + 12))).ids();
                if (ids.length != LONG_TOKENS) {
                    throw new IllegalStateException("twelve feedback messages came to " + ids.length
                            + " tokens, expected at least " + LONG_TOKENS);
                }
                sequences.add(ids);
            }
        }
        return sequences;
    }
}
