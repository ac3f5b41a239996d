package io.textintel.serving.model;

import io.textintel.serving.backend.Backend;
import io.textintel.serving.backend.cpu.CpuBackend;
import io.textintel.serving.backend.cpu.ScalarBackend;
import io.textintel.serving.batch.TokenBatch;
import io.textintel.serving.config.ModelConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/**
 * A command-line throughput check of the CPU backends on a MiniLM-L6 shape (hidden 384, 6
 * layers, 12 heads, intermediate 1536, vocabulary 30522) with random weights: sentences per
 * second at sequence lengths 32 and 128. Arguments: {@code [threads] [cpuBatches] [referenceBatch]}.
 * A rough figure until the JMH harness; the reference runs one small batch since it is ~100x slower.
 */
public final class EncoderThroughputBenchmark {

    private EncoderThroughputBenchmark() {}

    public static void main(String[] args) {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : Runtime.getRuntime().availableProcessors();
        int cpuBatches = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        int referenceBatch = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        ModelConfig config = new ModelConfig("bert", List.of("BertModel"), 384, 6, 12, 1536, "gelu", 512, 2, 30522,
                1e-12, 0, List.of(), null, "absolute");
        MapWeights weights = new MapWeights().randomBert(new Random(42), "", 30522, 384, 6, 1536, 512, 2);
        System.out.printf("MiniLM-L6 shape, random weights, %d threads, %d cores%n", threads,
                Runtime.getRuntime().availableProcessors());
        try (CpuBackend cpu = new CpuBackend(threads)) {
            EncoderModel fast = EncoderModel.load("minilm-shape", config, Optional.empty(), weights, cpu);
            EncoderModel reference = EncoderModel.load("minilm-shape", config, Optional.empty(), weights,
                    new ScalarBackend());
            for (int length : new int[] {32, 128}) {
                measure("cpu", fast, 32, length, cpuBatches, 2);
                measure("cpu-reference", reference, referenceBatch, length, 1, 0);
            }
        }
    }

    private static void measure(String name, EncoderModel model, int batchSize, int length, int batches, int warmup) {
        Random random = new Random(length);
        List<int[]> sequences = new ArrayList<>();
        for (int i = 0; i < batchSize; i++) {
            int[] ids = new int[length];
            for (int t = 0; t < length; t++) {
                ids[t] = 1 + random.nextInt(30000);
            }
            sequences.add(ids);
        }
        TokenBatch batch = TokenBatch.packed(sequences);
        for (int i = 0; i < warmup; i++) {
            model.embed(batch);
        }
        long start = System.nanoTime();
        for (int i = 0; i < batches; i++) {
            model.embed(batch);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        double sentences = (double) batchSize * batches / seconds;
        // 2 FLOPs per multiply-add: 4 h^2 + 2 h i per token per layer for the linears, 4 L h for attention
        double flops = 2.0 * 6 * ((4.0 * 384 * 384 + 2.0 * 384 * 1536) + 2.0 * length * 384) * length * batchSize
                * batches;
        System.out.printf("%-14s seq %3d batch %2d: %8.1f sentences/s, %6.2f GFLOP/s (%d batches in %.2f s)%n",
                name, length, batchSize, sentences, flops / seconds / 1e9, batches, seconds);
    }
}
