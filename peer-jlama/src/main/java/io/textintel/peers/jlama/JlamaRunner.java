package io.textintel.peers.jlama;

import com.github.tjake.jlama.model.AbstractModel;
import com.github.tjake.jlama.model.ModelSupport;
import com.github.tjake.jlama.safetensors.DType;
import com.github.tjake.jlama.tensor.AbstractTensor;
import com.github.tjake.jlama.tensor.KvBufferCache;
import com.github.tjake.jlama.tensor.operations.TensorOperationsProvider;
import com.github.tjake.jlama.util.PhysicalCoreExecutor;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

/**
 * Jlama, the peer engine, behind a line protocol on standard input and output, so that the
 * benchmarks' {@code PeerReport} can interleave its rounds with textintel's in another JVM (Jlama
 * needs Java 21+ and {@code --add-modules jdk.incubator.vector}; the project runs on Java 17).
 *
 * <p>Arguments: {@code decoder|encoder <model dir> <threads>}. Once the model is loaded it prints
 * {@code READY ops=<tensor operations> load_s=<seconds>}; then it answers one line per command,
 * token ids given as comma lists and sequences separated by {@code ;}:
 * <ul>
 *   <li>{@code prefill <ids>}: one batched forward pass over the prompt; {@code RESULT s=<seconds>
 *       cpu_s=<process CPU seconds> next=<greedy next token>}</li>
 *   <li>{@code decode <ids> <n>}: the prompt's pass (not timed), then {@code n} one-token passes, greedy,
 *       the first fed the prompt's next token; {@code RESULT s=.. cpu_s=.. tokens=<the n tokens they gave>}</li>
 *   <li>{@code encode <ids>;<ids>;...}: each sequence through the encoder in turn (Jlama embeds one
 *       sequence per pass), mean-pooled; {@code RESULT s=.. cpu_s=.. first=<first sequence's embedding>}</li>
 *   <li>{@code memory}: {@code RESULT rss=<bytes> heap=<bytes>} after a GC</li>
 *   <li>{@code quit}</li>
 * </ul>
 * A command that fails answers {@code ERROR <message>} and the runner goes on.
 */
public final class JlamaRunner {

    private final AbstractModel model;
    private final KvBufferCache cache;

    private JlamaRunner(AbstractModel model) {
        this.model = model;
        this.cache = new KvBufferCache(model);
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 3 || !(args[0].equals("decoder") || args[0].equals("encoder"))) {
            System.err.println("usage: JlamaRunner decoder|encoder <model dir> <threads>, got " + Arrays.toString(args));
            System.exit(2);
        }
        Path dir = Path.of(args[1]);
        if (!Files.isRegularFile(dir.resolve("config.json"))) {
            System.err.println("model directory " + dir + " has no config.json");
            System.exit(2);
        }
        PhysicalCoreExecutor.overrideThreadCount(Integer.parseInt(args[2]));
        long start = System.nanoTime();
        AbstractModel model = args[0].equals("decoder")
                ? ModelSupport.loadModel(dir.toFile(), DType.F32, DType.F32)
                : ModelSupport.loadEmbeddingModel(dir.toFile(), DType.F32, DType.F32);
        JlamaRunner runner = new JlamaRunner(model);
        System.out.printf(Locale.ROOT, "READY ops=%s load_s=%.3f%n", TensorOperationsProvider.get().name(),
                (System.nanoTime() - start) / 1e9);
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null && !line.equals("quit"); ) {
            String answer;
            try {
                answer = runner.answer(line.trim());
            } catch (RuntimeException e) {
                answer = "ERROR " + e.toString().replace('\n', ' ');
            }
            System.out.println(answer);
            System.out.flush();
        }
    }

    private String answer(String line) {
        String[] words = line.split(" ");
        switch (words[0]) {
            case "prefill":
                return prefill(ids(words[1]));
            case "decode":
                return decode(ids(words[1]), Integer.parseInt(words[2]));
            case "encode":
                return encode(words[1].split(";"));
            case "memory":
                return memory();
            default:
                throw new IllegalArgumentException("unknown command '" + words[0]
                        + "', expected prefill, decode, encode, memory or quit");
        }
    }

    private String prefill(int[] prompt) {
        double cpu = cpuSeconds();
        long start = System.nanoTime();
        int next;
        try (KvBufferCache.KvBuffer kv = cache.getKvBuffer(UUID.randomUUID())) {
            next = argmax(lastRowLogits(model.batchForward(prompt, 0, kv)));
        }
        return String.format(Locale.ROOT, "RESULT s=%.6f cpu_s=%.6f next=%d", (System.nanoTime() - start) / 1e9,
                cpuSeconds() - cpu, next);
    }

    private String decode(int[] prompt, int newTokens) {
        int[] tokens = new int[newTokens];
        double cpu;
        long start;
        try (KvBufferCache.KvBuffer kv = cache.getKvBuffer(UUID.randomUUID())) {
            int next = argmax(lastRowLogits(model.batchForward(prompt, 0, kv)));
            cpu = cpuSeconds();
            start = System.nanoTime();
            for (int i = 0; i < newTokens; i++) {
                next = argmax(lastRowLogits(model.forward(next, prompt.length + i, kv, Optional.empty())));
                tokens[i] = next;
            }
        }
        return String.format(Locale.ROOT, "RESULT s=%.6f cpu_s=%.6f tokens=%s", (System.nanoTime() - start) / 1e9,
                cpuSeconds() - cpu, join(tokens));
    }

    private String encode(String[] sequences) {
        double cpu = cpuSeconds();
        long start = System.nanoTime();
        float[] first = null;
        for (String sequence : sequences) {
            float[] pooled;
            try (KvBufferCache.KvBuffer kv = cache.getEphemeralKvBuffer()) {
                pooled = meanPool(model.batchForward(ids(sequence), 0, kv));
            }
            if (first == null) {
                first = pooled;
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        StringBuilder out = new StringBuilder();
        for (float value : first) {
            out.append(out.length() == 0 ? "" : ",").append(value);
        }
        return String.format(Locale.ROOT, "RESULT s=%.6f cpu_s=%.6f first=%s", seconds, cpuSeconds() - cpu, out);
    }

    private String memory() {
        System.gc();
        Runtime runtime = Runtime.getRuntime();
        return String.format(Locale.ROOT, "RESULT rss=%d heap=%d", residentBytes(),
                runtime.totalMemory() - runtime.freeMemory());
    }

    /** Logits of the last row of a forward pass's output [rows, hidden]; the output is closed. */
    private float[] lastRowLogits(AbstractTensor output) {
        try (output) {
            AbstractTensor last = output.shape().dims() == 1 ? output : output.slice(output.shape().first() - 1);
            return model.getLogits(last).clone();
        }
    }

    /** The mean over the rows of an encoder output [tokens, hidden]; the output is closed. */
    private static float[] meanPool(AbstractTensor output) {
        try (output) {
            int rows = output.shape().first();
            int hidden = output.shape().last();
            float[] mean = new float[hidden];
            for (int r = 0; r < rows; r++) {
                for (int h = 0; h < hidden; h++) {
                    mean[h] += output.get(r, h) / rows;
                }
            }
            return mean;
        }
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

    private static int[] ids(String list) {
        return Arrays.stream(list.split(",")).mapToInt(Integer::parseInt).toArray();
    }

    private static String join(int[] values) {
        StringBuilder out = new StringBuilder();
        for (int value : values) {
            out.append(out.length() == 0 ? "" : ",").append(value);
        }
        return out.toString();
    }

    private static double cpuSeconds() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime() / 1e9;
    }

    private static long residentBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return -1;
    }
}
