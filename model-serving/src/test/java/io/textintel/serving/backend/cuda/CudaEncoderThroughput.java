package io.textintel.serving.backend.cuda;

import static jcuda.driver.JCudaDriver.cuMemFree;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.textintel.serving.backend.Backend;
import io.textintel.serving.backend.cpu.CpuBackend;
import io.textintel.serving.batch.TokenBatch;
import io.textintel.serving.model.EncoderModel;
import io.textintel.serving.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import jcuda.driver.CUdeviceptr;

/**
 * The Java side of the encoder throughput comparison against transformers
 * ({@code gpu/torch_encoder_peer.py}): loads the directory the Python side saved, checks its
 * embeddings against the ones transformers computed there ({@code check.json}; cosine above 0.999,
 * as the CUDA encoder test asks of the CPU backend), then times {@link EncoderModel#embed} on
 * batches of sequences of one length: token ids from the host, embeddings back on the host, as the
 * Python side times it. Prints one JSON line per batch with every iteration's seconds.
 *
 * <p>Usage: {@code CudaEncoderThroughput DIR --shape NAME --round N [--batches 1,32,128]
 * [--length 128] [--iterations 20] [--backend cuda|cpu]}. Exit status 3 when no CUDA device is there
 * (saying why), 4 when the check fails, 2 for bad arguments. {@code --backend cpu} runs the same
 * check and timing on the CPU backend, so that the whole path can be tried on a machine without a GPU.
 */
public final class CudaEncoderThroughput {

    private static final int WARMUP = 3;
    private static final double MIN_COSINE = 0.999;
    private static final ObjectMapper JSON = new ObjectMapper();

    private CudaEncoderThroughput() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            usage("no model directory given");
        }
        Path dir = Path.of(args[0]);
        String shape = null;
        String backendName = "cuda";
        int round = 1;
        int length = 128;
        int iterations = 20;
        int[] batches = {1, 32, 128};
        for (int i = 1; i < args.length; i += 2) {
            if (i + 1 >= args.length) {
                usage("option " + args[i] + " has no value");
            }
            String value = args[i + 1];
            switch (args[i]) {
                case "--shape" -> shape = value;
                case "--round" -> round = Integer.parseInt(value);
                case "--length" -> length = Integer.parseInt(value);
                case "--iterations" -> iterations = Integer.parseInt(value);
                case "--batches" -> batches = Arrays.stream(value.split(",")).mapToInt(Integer::parseInt).toArray();
                case "--backend" -> backendName = value;
                default -> usage("unknown option " + args[i]);
            }
        }
        if (shape == null) {
            usage("--shape is missing");
        }
        if (!Files.isRegularFile(dir.resolve("config.json"))) {
            usage(dir + " has no config.json, expected the directory torch_encoder_peer.py save wrote");
        }
        try (Backend backend = open(backendName)) {
            EncoderModel model = EncoderModel.load(dir, backend);
            check(model, dir.resolve("check.json"), shape, backend.name());
            Random random = new Random(20261204L + round);
            for (int batch : batches) {
                List<int[]> sequences = new ArrayList<>();
                for (int s = 0; s < batch; s++) {
                    int[] ids = new int[length];
                    for (int t = 0; t < length; t++) {
                        ids[t] = 1000 + random.nextInt(29000);
                    }
                    sequences.add(ids);
                }
                TokenBatch tokens = TokenBatch.of(sequences, backend.batchLayout(), 0);
                double[] seconds = new double[iterations];
                for (int i = 0; i < WARMUP + iterations; i++) {
                    long start = System.nanoTime();
                    Tensor embeddings = model.embed(tokens);
                    double elapsed = (System.nanoTime() - start) / 1e9;
                    if (i >= WARMUP) {
                        seconds[i - WARMUP] = elapsed;
                    }
                    if (!Float.isFinite(embeddings.get(batch - 1, 0))) {
                        System.err.printf("%s batch %d produced a non-finite embedding%n", shape, batch);
                        System.exit(4);
                    }
                }
                ObjectNode line = JSON.createObjectNode();
                line.put("side", "textintel-" + backend.name());
                line.put("shape", shape);
                line.put("round", round);
                line.put("batch", batch);
                line.put("length", length);
                line.putPOJO("seconds", seconds);
                System.out.println(JSON.writeValueAsString(line));
            }
        }
    }

    private static Backend open(String name) {
        switch (name) {
            case "cpu":
                return new CpuBackend(Runtime.getRuntime().availableProcessors());
            case "cuda":
                CudaAvailability availability = CudaAvailability.probe();
                if (!availability.available()) {
                    System.err.println("no CUDA device: " + availability.reason());
                    System.exit(3);
                }
                return CudaBackend.open(0, new DeviceWeights<CUdeviceptr>(
                        pointer -> CudaCheck.check(cuMemFree(pointer), "cuMemFree(weights)")), false);
            default:
                usage("--backend " + name + ", expected cuda or cpu");
                throw new AssertionError("unreachable");
        }
    }

    /** Embeddings of check.json's sequences against transformers' float32 ones: every cosine above 0.999. */
    private static void check(EncoderModel model, Path file, String shape, String backend) throws Exception {
        if (!Files.isRegularFile(file)) {
            usage(file + " is missing, expected the check embeddings torch_encoder_peer.py save wrote");
        }
        JsonNode expected = JSON.readTree(file.toFile());
        List<int[]> sequences = new ArrayList<>();
        for (JsonNode sequence : expected.get("sequences")) {
            int[] ids = new int[sequence.size()];
            for (int t = 0; t < ids.length; t++) {
                ids[t] = sequence.get(t).asInt();
            }
            sequences.add(ids);
        }
        Tensor actual = model.embed(TokenBatch.packed(sequences));
        double minCosine = 1;
        double maxAbs = 0;
        for (int s = 0; s < sequences.size(); s++) {
            JsonNode row = expected.get("embeddings").get(s);
            double dot = 0;
            for (int c = 0; c < row.size(); c++) {
                dot += actual.get(s, c) * row.get(c).asDouble();
                maxAbs = Math.max(maxAbs, Math.abs(actual.get(s, c) - row.get(c).asDouble()));
            }
            minCosine = Math.min(minCosine, dot); // both unit norm
        }
        ObjectNode line = JSON.createObjectNode();
        line.put("check", "embeddings against transformers float32");
        line.put("side", "textintel-" + backend);
        line.put("shape", shape);
        line.put("min_cosine", minCosine);
        line.put("max_abs_error", maxAbs);
        line.put("passed", minCosine > MIN_COSINE);
        System.out.println(JSON.writeValueAsString(line));
        if (!(minCosine > MIN_COSINE)) {
            System.err.printf("%s on %s: smallest cosine to transformers' embeddings %.6f, expected > %s%n", shape,
                    backend, minCosine, MIN_COSINE);
            System.exit(4);
        }
    }

    private static void usage(String problem) {
        System.err.println("CudaEncoderThroughput: " + problem);
        System.err.println("usage: CudaEncoderThroughput DIR --shape NAME --round N [--batches 1,32,128] [--length 128]"
                + " [--iterations 20] [--backend cuda|cpu]");
        System.exit(2);
    }
}
