package io.textintel.benchmarks;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.textintel.serving.config.PoolingMode;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.List;
import java.util.Map;

/**
 * ONNX Runtime, the peer engine, on an embedder's original ONNX graph: graph optimisation ALL,
 * {@code threads} intra-op threads. A batch is padded to its longest sequence (ONNX Runtime runs
 * dense {@code [batch, tokens]} inputs); the output {@code last_hidden_state} is pooled as the
 * model's sentence-transformers pooling says (mean over the mask, or the first token) and
 * L2-normalised, as textintel's engine does.
 */
final class OrtEncoder implements AutoCloseable {

    private final OrtEnvironment environment;
    private final OrtSession session;
    private final PoolingMode pooling;
    private final boolean tokenTypes;

    OrtEncoder(byte[] onnx, PoolingMode pooling, int threads) throws OrtException {
        if (pooling != PoolingMode.MEAN && pooling != PoolingMode.CLS) {
            throw new IllegalArgumentException("pooling " + pooling + ", expected MEAN or CLS");
        }
        this.environment = OrtEnvironment.getEnvironment();
        this.pooling = pooling;
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            options.setIntraOpNumThreads(threads);
            options.setInterOpNumThreads(1);
            this.session = environment.createSession(onnx, options);
        }
        this.tokenTypes = session.getInputNames().contains("token_type_ids");
    }

    /** Normalised embeddings of {@code sequences}, {@code [sequences][hidden]}, in one padded run. */
    float[][] embed(List<int[]> sequences) throws OrtException {
        int batch = sequences.size();
        int longest = sequences.stream().mapToInt(s -> s.length).max().orElseThrow(
                () -> new IllegalArgumentException("an empty batch, expected at least one sequence"));
        long[] shape = {batch, longest};
        long[] ids = new long[batch * longest];
        long[] mask = new long[batch * longest];
        for (int b = 0; b < batch; b++) {
            int[] sequence = sequences.get(b);
            for (int t = 0; t < sequence.length; t++) {
                ids[b * longest + t] = sequence[t];
                mask[b * longest + t] = 1;
            }
        }
        try (OnnxTensor idsTensor = OnnxTensor.createTensor(environment, LongBuffer.wrap(ids), shape);
                OnnxTensor maskTensor = OnnxTensor.createTensor(environment, LongBuffer.wrap(mask), shape);
                OnnxTensor typesTensor = OnnxTensor.createTensor(environment, LongBuffer.wrap(new long[ids.length]), shape)) {
            Map<String, OnnxTensor> inputs = tokenTypes
                    ? Map.of("input_ids", idsTensor, "attention_mask", maskTensor, "token_type_ids", typesTensor)
                    : Map.of("input_ids", idsTensor, "attention_mask", maskTensor);
            try (OrtSession.Result result = session.run(inputs)) {
                OnnxTensor hidden = (OnnxTensor) result.get("last_hidden_state").orElseThrow(
                        () -> new IllegalStateException("the ONNX graph has no output last_hidden_state"));
                long[] hiddenShape = hidden.getInfo().getShape(); // [batch, longest, hidden]
                return pool(hidden.getFloatBuffer(), sequences, longest, (int) hiddenShape[2]);
            }
        }
    }

    private float[][] pool(FloatBuffer states, List<int[]> sequences, int longest, int width) {
        float[][] pooled = new float[sequences.size()][width];
        for (int b = 0; b < sequences.size(); b++) {
            int tokens = pooling == PoolingMode.CLS ? 1 : sequences.get(b).length;
            float[] out = pooled[b];
            for (int t = 0; t < tokens; t++) {
                int base = (b * longest + t) * width;
                for (int d = 0; d < width; d++) {
                    out[d] += states.get(base + d);
                }
            }
            double norm = 0;
            for (float v : out) {
                norm += (double) v * v;
            }
            float scale = (float) (1 / Math.max(Math.sqrt(norm), 1e-12));
            for (int d = 0; d < width; d++) {
                out[d] *= scale;
            }
        }
        return pooled;
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
