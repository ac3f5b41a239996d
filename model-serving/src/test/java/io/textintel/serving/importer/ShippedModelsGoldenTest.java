package io.textintel.serving.importer;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.textintel.serving.config.BackendChoice;
import io.textintel.serving.config.EngineConfig;
import io.textintel.serving.engine.EncoderEngine;
import io.textintel.serving.tokenizer.TextTokenizer;
import io.textintel.serving.tokenizer.TokenizedText;
import java.io.IOException;
import java.io.InputStream;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Golden test against an implementation no one here wrote: ONNX Runtime runs the ORIGINAL ONNX
 * graph from the Maven-shipped jar; the engine (CPU backend, through {@link EncoderEngine}) runs
 * the checkpoint imported from it. Pooling on the ONNX Runtime side is computed here from its
 * {@code last_hidden_state}, independently of the engine's pooling code.
 *
 * <p>Tolerance: per embedding, cosine >= 0.99999 and max |difference| <= 1e-5. Both sides compute
 * in FP32 with different kernels (summation order, GELU/erf, exp and the LayerNorm's reductions),
 * so they differ by rounding that grows with depth and length (measured: below 4e-7); a unit
 * vector of 384 components differing by 1e-5 in some component is still the same embedding, while
 * a misnamed or untransposed weight, a wrong mask or pooling changes it by orders of magnitude more.
 */
class ShippedModelsGoldenTest {

    private static final Logger LOG = LoggerFactory.getLogger(ShippedModelsGoldenTest.class);
    private static final double MIN_COSINE = 0.99999;
    private static final double MAX_ABS = 1e-5;
    private static final int MAX_POSITIONS = 512;

    @TempDir
    static Path cache;

    private static List<String> texts;
    private static OrtEnvironment ort;

    @BeforeAll
    static void loadTexts() throws IOException {
        List<String> feedback;
        try (InputStream in = ShippedModelsGoldenTest.class.getResourceAsStream("feedback-texts.txt")) {
            feedback = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).toList();
        }
        texts = new ArrayList<>(feedback);
        // Long texts, made deterministically by joining consecutive messages: from ~130 to ~800 tokens,
        // so that some exceed MiniLM's 256, and some the 512 positions of both models.
        for (int j = 0; j < 16; j++) {
            StringBuilder text = new StringBuilder();
            int minChars = 600 + j * 200;
            for (int i = (j * 37) % feedback.size(); text.length() < minChars; i = (i + 1) % feedback.size()) {
                text.append(text.length() == 0 ? "" : " ").append(feedback.get(i));
            }
            texts.add(text.toString());
        }
        ort = OrtEnvironment.getEnvironment();
    }

    @Test
    void allMiniLmMatchesOnnxRuntimeWithMeanPooling() throws Exception {
        compare(ShippedModels.ALL_MINILM_L6_V2, false);
    }

    @Test
    void bgeSmallMatchesOnnxRuntimeWithClsPooling() throws Exception {
        compare(ShippedModels.BGE_SMALL_EN_V15, true);
    }

    private void compare(ShippedModel model, boolean cls) throws Exception {
        Path dir = ShippedModels.importInto(cache, model.key());
        byte[] onnx;
        byte[] originalTokenizer;
        ClassLoader loader = getClass().getClassLoader();
        try (InputStream in = loader.getResourceAsStream(model.onnxEntry());
                InputStream tok = loader.getResourceAsStream(model.tokenizerEntry())) {
            onnx = in.readAllBytes();
            originalTokenizer = tok.readAllBytes();
        }
        EngineConfig engineConfig = EngineConfig.builder().backend(BackendChoice.CPU).threads(2).maxBatchSize(32)
                .maxBatchDelay(Duration.ofMillis(2)).maxQueuedRequests(4096).build();
        try (TextTokenizer tokenizer = TextTokenizer.load(dir, MAX_POSITIONS);
                EncoderEngine engine = EncoderEngine.open(dir, engineConfig);
                OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(2);
            // spinning worker threads starve each other on a shared 2-core CI machine
            options.addConfigEntry("session.intra_op.allow_spinning", "0");
            try (OrtSession session = ort.createSession(onnx, options)) {
                int limit = tokenizer.maxLength();
                assertThat(limit).isEqualTo(model.maxSeqLength());

                // 1. token ids: the engine's tokenizer on the imported directory = the original tokenizer.json
                //    run by DJL with the same truncation and no padding
                List<TokenizedText> encoded = tokenizer.encodeBatch(texts);
                List<int[]> ids = encoded.stream().map(TokenizedText::ids).toList();
                List<int[]> reference = originalIds(originalTokenizer, limit);
                for (int i = 0; i < texts.size(); i++) {
                    assertThat(ids.get(i)).as("token ids of text %d", i).isEqualTo(reference.get(i));
                }
                long over128 = encoded.stream().filter(t -> t.untruncatedLength() > 128).count();
                long over256 = encoded.stream().filter(t -> t.untruncatedLength() > 256).count();
                long over512 = encoded.stream().filter(t -> t.untruncatedLength() > 512).count();
                assertThat(texts).hasSizeGreaterThanOrEqualTo(300);
                assertThat(over512).isGreaterThanOrEqualTo(5);
                assertThat(over128 - over512).isGreaterThanOrEqualTo(10);

                // 2. embeddings at the model's limit; where that is below the positions (MiniLM's 256), the
                //    texts longer than it again at all 512 positions, with ids from the original tokenizer
                List<int[]> sequences = new ArrayList<>(ids);
                if (limit < MAX_POSITIONS) {
                    List<int[]> full = originalIds(originalTokenizer, MAX_POSITIONS);
                    for (int i = 0; i < texts.size(); i++) {
                        if (encoded.get(i).untruncatedLength() > limit) {
                            sequences.add(full.get(i));
                        }
                    }
                }
                long start = System.nanoTime();
                List<CompletableFuture<float[]>> futures = sequences.stream().map(engine::embed).toList();
                List<float[]> actual = futures.stream().map(CompletableFuture::join).toList();
                long engineNanos = System.nanoTime() - start;
                start = System.nanoTime();
                List<double[]> expected = new ArrayList<>();
                for (int[] sequence : sequences) {
                    expected.add(ortEmbedding(session, sequence, cls));
                }
                long ortNanos = System.nanoTime() - start;

                double worstCosine = 1;
                double worstAbs = 0;
                for (int i = 0; i < sequences.size(); i++) {
                    double cosine = cosine(actual.get(i), expected.get(i));
                    double abs = maxAbs(actual.get(i), expected.get(i));
                    worstCosine = Math.min(worstCosine, cosine);
                    worstAbs = Math.max(worstAbs, abs);
                    assertThat(cosine).as("cosine of sequence %d (%d tokens)", i, sequences.get(i).length)
                            .isGreaterThanOrEqualTo(MIN_COSINE);
                    assertThat(abs).as("max abs difference of sequence %d (%d tokens)", i, sequences.get(i).length)
                            .isLessThanOrEqualTo(MAX_ABS);
                }
                int longest = sequences.stream().mapToInt(s -> s.length).max().orElse(0);
                LOG.info("Golden {} vs ONNX Runtime: {} texts ({} > 128 tokens, {} > 256, {} > 512), {} sequences"
                                + " compared (longest {} tokens): worst cosine 1 - {}, worst max abs {};"
                                + " engine {} ms, ONNX Runtime {} ms",
                        model.name(), texts.size(), over128, over256, over512, sequences.size(), longest,
                        String.format("%.2e", 1 - worstCosine), String.format("%.2e", worstAbs),
                        engineNanos / 1_000_000, ortNanos / 1_000_000);
            }
        }
    }

    private List<int[]> originalIds(byte[] tokenizerJson, int maxLength) throws IOException {
        Map<String, String> options = Map.of("addSpecialTokens", "true", "truncation", "true",
                "maxLength", Integer.toString(maxLength), "padding", "false");
        try (HuggingFaceTokenizer original = HuggingFaceTokenizer.newInstance(
                new java.io.ByteArrayInputStream(tokenizerJson), options)) {
            List<int[]> result = new ArrayList<>();
            for (String text : texts) {
                Encoding encoding = original.encode(text);
                result.add(Arrays.stream(encoding.getIds()).mapToInt(Math::toIntExact).toArray());
            }
            return result;
        }
    }

    /** ONNX Runtime's last_hidden_state for one sequence, pooled (mean over the mask, or CLS) and L2-normalised. */
    private static double[] ortEmbedding(OrtSession session, int[] ids, boolean cls) throws OrtException {
        long[] shape = {1, ids.length};
        long[] inputIds = Arrays.stream(ids).asLongStream().toArray();
        long[] mask = new long[ids.length];
        Arrays.fill(mask, 1);
        long[] types = new long[ids.length];
        try (OnnxTensor idsTensor = OnnxTensor.createTensor(ort, LongBuffer.wrap(inputIds), shape);
                OnnxTensor maskTensor = OnnxTensor.createTensor(ort, LongBuffer.wrap(mask), shape);
                OnnxTensor typesTensor = OnnxTensor.createTensor(ort, LongBuffer.wrap(types), shape);
                OrtSession.Result result = session.run(Map.of("input_ids", idsTensor, "attention_mask", maskTensor,
                        "token_type_ids", typesTensor))) {
            OnnxTensor hidden = (OnnxTensor) result.get("last_hidden_state").orElseThrow();
            long[] hiddenShape = hidden.getInfo().getShape(); // [1, tokens, hidden]
            int tokens = (int) hiddenShape[1];
            int width = (int) hiddenShape[2];
            FloatBuffer states = hidden.getFloatBuffer();
            double[] pooled = new double[width];
            if (cls) {
                for (int d = 0; d < width; d++) {
                    pooled[d] = states.get(d);
                }
            } else {
                double maskSum = 0;
                for (int t = 0; t < tokens; t++) {
                    maskSum += mask[t];
                    for (int d = 0; d < width; d++) {
                        pooled[d] += mask[t] * states.get(t * width + d);
                    }
                }
                for (int d = 0; d < width; d++) {
                    pooled[d] /= maskSum;
                }
            }
            double norm = Math.sqrt(Arrays.stream(pooled).map(v -> v * v).sum());
            for (int d = 0; d < width; d++) {
                pooled[d] /= norm;
            }
            return pooled;
        }
    }

    private static double cosine(float[] a, double[] b) {
        assertThat(a).hasSize(b.length);
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }

    private static double maxAbs(float[] a, double[] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }
}
