package io.textintel.benchmarks;

import io.textintel.serving.backend.WeightFormat;
import io.textintel.serving.backend.cpu.CpuBackend;
import io.textintel.serving.backend.cpu.FastDecoderOps;
import io.textintel.serving.batch.TokenBatch;
import io.textintel.serving.kv.PagedKvCache;
import io.textintel.serving.model.EncoderModel;
import io.textintel.serving.model.SequenceChunk;
import io.textintel.serving.model.decoder.DecoderModel;
import io.textintel.serving.tools.TinyBertSpec;
import io.textintel.serving.tools.TinyModelGenerator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * textintel against Jlama on the same generated checkpoints, Jlama in its own JVM twice: with its
 * default tensor operations (the native ones when {@code jlama-native} loads) and with its Panama
 * (Vector API) operations forced. The decoder is a Llama shape given by the caller, F32; the
 * encoder a MiniLM-L6-shaped BERT. Both engines get the same token ids and run greedy; agreement
 * is the count of equal greedy tokens (decoder) and the cosine of the first sequence's mean-pooled
 * embedding (encoder).
 */
final class JlamaPeers {

    static final int PROMPT = 16;
    static final int DECODE_TOKENS = 24;
    static final int PREFILL = 512;
    static final int ENCODER_TOKENS = 128;

    private final int threads;
    private final int rounds;
    private final Path log;

    JlamaPeers(int threads, int rounds, Path log) {
        this.threads = threads;
        this.rounds = rounds;
        this.log = log;
    }

    /**
     * Decode at batch 1 and a 512-token prefill on {@code checkpoint}, a Llama-family F32 decoder,
     * and decode at batch 1 again with textintel's int8 weights ({@code engine.weights: int8},
     * quantised at load) beside Jlama's F32, the comparison the int8 target names.
     */
    void decoder(Path checkpoint, String shape, PeerTable table) throws Exception {
        try (DecoderModel model = DecoderModel.load(checkpoint, new FastDecoderOps(threads));
                DecoderModel int8 = DecoderModel.load(checkpoint, new FastDecoderOps(threads), WeightFormat.INT8);
                JlamaProcess jlamaDefault = JlamaProcess.start("Jlama (default)", "decoder", checkpoint, threads, false, log);
                JlamaProcess panama = JlamaProcess.start("Jlama (Panama)", "decoder", checkpoint, threads, true, log)) {
            Random random = new Random(11);
            int[] prompt = random.ints(PROMPT, 1, model.vocabSize()).toArray();
            int[] longPrompt = random.ints(PREFILL, 1, model.vocabSize()).toArray();
            String jlamaOps = jlamaDefault.ops() + " / " + panama.ops();

            Map<String, InterleavedRounds.Runs> decode = rounds(
                    () -> textintelDecode(model, prompt, DECODE_TOKENS),
                    () -> jlama(jlamaDefault, "decode " + join(prompt) + " " + DECODE_TOKENS, "tokens"),
                    () -> jlama(panama, "decode " + join(prompt) + " " + DECODE_TOKENS, "tokens"));
            table.jlamaRow("decoder " + shape, "decode, batch 1 (" + PROMPT + "-token prompt, " + DECODE_TOKENS
                    + " tokens), tokens/s", DECODE_TOKENS, decode, agreement(decode), jlamaOps);
            Map<String, InterleavedRounds.Runs> decodeInt8 = rounds(
                    () -> textintelDecode(int8, prompt, DECODE_TOKENS),
                    () -> jlama(jlamaDefault, "decode " + join(prompt) + " " + DECODE_TOKENS, "tokens"),
                    () -> jlama(panama, "decode " + join(prompt) + " " + DECODE_TOKENS, "tokens"));
            table.jlamaRow("decoder " + shape + ", textintel int8 weights, Jlama F32", "decode, batch 1 (" + PROMPT
                    + "-token prompt, " + DECODE_TOKENS + " tokens), tokens/s", DECODE_TOKENS, decodeInt8,
                    agreement(decodeInt8) + " (int8: not the same computation)", jlamaOps);
            Map<String, InterleavedRounds.Runs> prefill = rounds(
                    () -> textintelPrefill(model, longPrompt),
                    () -> jlama(jlamaDefault, "prefill " + join(longPrompt), "next"),
                    () -> jlama(panama, "prefill " + join(longPrompt), "next"));
            table.jlamaRow("decoder " + shape, "prefill of " + PREFILL + " tokens, tokens/s", PREFILL, prefill,
                    agreement(prefill), jlamaOps);
            jlamaMemory(table, jlamaDefault, "decoder " + shape);
            jlamaMemory(table, panama, "decoder " + shape);
        }
    }

    /** The MiniLM-L6-shaped BERT {@code spec}, generated, at 128 tokens in batches of 1 and 32. */
    void encoder(TinyBertSpec spec, Path workDir, PeerTable table) throws Exception {
        Path dir = Files.createDirectories(workDir.resolve("peer-bert"));
        TinyModelGenerator.writeBertEmbedder(dir, spec);
        try (CpuBackend backend = new CpuBackend(threads);
                JlamaProcess jlamaDefault = JlamaProcess.start("Jlama (default)", "encoder", dir, threads, false, log);
                JlamaProcess panama = JlamaProcess.start("Jlama (Panama)", "encoder", dir, threads, true, log)) {
            EncoderModel model = EncoderModel.load(dir, backend);
            Random random = new Random(13);
            List<int[]> sequences = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                sequences.add(random.ints(ENCODER_TOKENS, 1, model.config().vocabSize()).toArray());
            }
            String jlamaOps = jlamaDefault.ops() + " / " + panama.ops();
            for (int batch : new int[] {1, 32}) {
                List<int[]> input = sequences.subList(0, batch);
                String command = "encode " + input.stream().map(JlamaPeers::join).collect(Collectors.joining(";"));
                Map<String, InterleavedRounds.Runs> runs = rounds(
                        () -> EncoderPeers.timed(() -> model.embed(TokenBatch.packed(input)).row(0)),
                        () -> jlama(jlamaDefault, command, "first"),
                        () -> jlama(panama, command, "first"));
                table.jlamaRow("encoder MiniLM-L6 shape", ENCODER_TOKENS + " tokens, batch " + batch
                        + ", sentences/s (Jlama: one sequence a pass)", batch, runs, cosines(runs), jlamaOps);
            }
        }
    }

    private Map<String, InterleavedRounds.Runs> rounds(Callable<Sample> textintel, Callable<Sample> jlamaDefault,
            Callable<Sample> jlamaPanama) throws Exception {
        return new InterleavedRounds().add("textintel", textintel).add("jlama", jlamaDefault)
                .add("jlama-panama", jlamaPanama).run(rounds);
    }

    private static Sample textintelDecode(DecoderModel model, int[] prompt, int tokens) throws Exception {
        try (PagedKvCache cache = cache(model, prompt.length + tokens)) {
            int next = argmax(pass(model, cache, prompt, 0));
            int[] generated = new int[tokens];
            double cpu = MachineLoad.processCpuSeconds();
            long start = System.nanoTime();
            for (int i = 0; i < tokens; i++) {
                next = argmax(pass(model, cache, new int[] {next}, prompt.length + i));
                generated[i] = next;
            }
            return new Sample((System.nanoTime() - start) / 1e9, MachineLoad.processCpuSeconds() - cpu,
                    join(generated));
        }
    }

    private static Sample textintelPrefill(DecoderModel model, int[] prompt) throws Exception {
        try (PagedKvCache cache = cache(model, prompt.length)) {
            return EncoderPeers.timed(() -> Integer.toString(argmax(pass(model, cache, prompt, 0))));
        }
    }

    private static PagedKvCache cache(DecoderModel model, int positions) {
        int blockSize = 16;
        return new PagedKvCache(model.kvLayout(), blockSize, (positions + blockSize - 1) / blockSize + 1);
    }

    /** One forward pass of {@code tokens} at {@code position} of sequence 0; the last row's logits. */
    private static float[] pass(DecoderModel model, PagedKvCache cache, int[] tokens, int position) {
        if (!cache.reserve(0, tokens.length)) {
            throw new IllegalStateException("the KV cache cannot hold " + tokens.length + " more tokens. This is a bug.");
        }
        float[][] logits = model.forward(List.of(new SequenceChunk(0, tokens, position, 1)), cache);
        cache.commit(0, position + tokens.length);
        return logits[logits.length - 1];
    }

    private static Sample jlama(JlamaProcess jlama, String command, String outputKey) {
        Map<String, String> answer = jlama.call(command);
        return new Sample(Double.parseDouble(answer.get("s")), Double.parseDouble(answer.get("cpu_s")),
                answer.get(outputKey));
    }

    private void jlamaMemory(PeerTable table, JlamaProcess jlama, String model) {
        Map<String, String> answer = jlama.call("memory");
        table.memory("Jlama " + jlama.ops() + ", " + model + ", after its runs", Long.parseLong(answer.get("rss")),
                Long.parseLong(answer.get("heap")), -1);
    }

    /** How many of the greedy tokens each Jlama run produced equal textintel's, e.g. "24/24, 24/24". */
    private static String agreement(Map<String, InterleavedRounds.Runs> runs) {
        String[] reference = ((String) runs.get("textintel").warmUp().output()).split(",");
        List<String> parts = new ArrayList<>();
        for (String peer : List.of("jlama", "jlama-panama")) {
            String[] tokens = ((String) runs.get(peer).warmUp().output()).split(",");
            int equal = 0;
            while (equal < Math.min(reference.length, tokens.length) && reference[equal].equals(tokens[equal])) {
                equal++;
            }
            parts.add(equal + "/" + reference.length);
        }
        return "same greedy tokens " + String.join(", ", parts);
    }

    private static String cosines(Map<String, InterleavedRounds.Runs> runs) {
        float[] reference = (float[]) runs.get("textintel").warmUp().output();
        List<String> parts = new ArrayList<>();
        for (String peer : List.of("jlama", "jlama-panama")) {
            String[] values = ((String) runs.get(peer).warmUp().output()).split(",");
            double dot = 0;
            double nx = 0;
            double ny = 0;
            for (int d = 0; d < reference.length; d++) {
                double y = Double.parseDouble(values[d]);
                dot += reference[d] * y;
                nx += (double) reference[d] * reference[d];
                ny += y * y;
            }
            parts.add(String.format(Locale.ROOT, "%.6f", dot / Math.sqrt(nx * ny)));
        }
        return "cosine " + String.join(", ", parts);
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

    private static String join(int[] values) {
        return Arrays.stream(values).mapToObj(Integer::toString).collect(Collectors.joining(","));
    }
}
