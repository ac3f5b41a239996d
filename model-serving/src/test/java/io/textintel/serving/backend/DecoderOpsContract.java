package io.textintel.serving.backend;

import static org.assertj.core.api.Assertions.assertThat;

import io.textintel.serving.backend.cpu.ScalarDecoderOps;
import io.textintel.serving.config.RopeScaling;
import io.textintel.serving.kv.KvLayout;
import io.textintel.serving.kv.PagedKvCache;
import io.textintel.serving.model.SequenceChunk;
import io.textintel.serving.model.decoder.DecoderBatch;
import io.textintel.serving.model.decoder.RotaryEmbedding;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link DecoderOps} contract, run against every implementation by a subclass per
 * implementation, each operation compared with {@link ScalarDecoderOps} (plain loops, double sums)
 * on random inputs from a seeded {@link SplittableRandom}: ragged sizes that are multiples of no
 * tile, grouped-query attention of several ratios, ragged prefill chunks after cached prefixes and
 * from position 0, decode over contexts of 1 to 1500 positions (several split-K partitions on a
 * device), block tables in shuffled order, and a speculative rollback rewritten in place.
 *
 * <p>Tolerances, each stated by the subclass and reported on failure: linear layers within
 * {@link #linearTolerance()} of the largest |output| (float sums against double; a device's bf16
 * GEMM rounds its operands); RMSNorm, SwiGLU and attention within {@link #fp32Tolerance()}
 * relative plus the same absolute (values of order 1); rotary within {@link #rotaryTolerance()}
 * absolute of {@code RotaryEmbedding#rotate} (0 on the CPU: the same floats, bit for bit).
 */
public abstract class DecoderOpsContract {

    private static final ScalarDecoderOps REFERENCE = new ScalarDecoderOps();

    private DecoderOps ops;

    /** New ops under test; closed after each test. */
    protected abstract DecoderOps createOps();

    /** Allowed |difference| of a linear output, relative to the largest |expected| output. */
    protected abstract double linearTolerance();

    /** Allowed |difference| of a rotated value (inputs in [-1, 1)). */
    protected abstract double rotaryTolerance();

    /** Relative and absolute tolerance of RMSNorm, SwiGLU and attention. */
    protected abstract double fp32Tolerance();

    @BeforeEach
    void open() {
        ops = createOps();
    }

    @AfterEach
    void close() {
        if (ops != null) { // null where createOps skipped the test by an assumption
            ops.close();
        }
    }

    private static float[] uniform(SplittableRandom random, int count) {
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return values;
    }

    private static void assertWithin(float[] actual, float[] expected, int count, double relative, double absolute,
            String what) {
        for (int i = 0; i < count; i++) {
            double allowed = absolute + relative * Math.abs(expected[i]);
            assertThat((double) Math.abs(actual[i] - expected[i])).as("%s: element %d (%s vs %s, tolerance %s)", what,
                    i, actual[i], expected[i], allowed).isLessThanOrEqualTo(allowed);
        }
    }

    @Test
    void linearMatchesTheReferenceForEveryPassSizeWithAndWithoutBias() {
        SplittableRandom random = new SplittableRandom(11);
        int in = 67;
        int out = 133;
        float[] weight = uniform(random, out * in);
        float[] bias = uniform(random, out);
        for (float[] b : new float[][] {bias, null}) {
            DecoderOps.Linear expectedLayer = REFERENCE.prepareLinear("w", weight, b, out, in);
            DecoderOps.Linear actualLayer = ops.prepareLinear("w", weight, b, out, in);
            for (int rows : new int[] {1, 2, 5, 6, 13, 70}) {
                float[] x = uniform(random, rows * in);
                float[] expected = new float[rows * out];
                float[] actual = new float[rows * out];
                REFERENCE.linear(x, rows, expectedLayer, expected);
                ops.linear(x, rows, actualLayer, actual);
                double scale = 0;
                for (float value : expected) {
                    scale = Math.max(scale, Math.abs(value));
                }
                assertWithin(actual, expected, expected.length, 0, linearTolerance() * scale,
                        rows + " rows, bias " + (b != null));
            }
        }
    }

    @Test
    void rmsNormAndSwigluMatchTheReferenceOnRaggedSizes() {
        SplittableRandom random = new SplittableRandom(12);
        for (int hidden : new int[] {67, 896, 4099}) {
            int rows = 19;
            float[] x = uniform(random, rows * hidden);
            float[] weight = uniform(random, hidden);
            float[] expected = new float[rows * hidden];
            float[] actual = new float[rows * hidden];
            REFERENCE.rmsNorm(x, rows, weight, 1e-6, expected);
            ops.rmsNorm(x, rows, weight, 1e-6, actual);
            assertWithin(actual, expected, expected.length, fp32Tolerance(), fp32Tolerance(), "rmsNorm " + hidden);
            float[] inPlace = x.clone();
            ops.rmsNorm(inPlace, rows, weight, 1e-6, inPlace);
            assertWithin(inPlace, expected, expected.length, fp32Tolerance(), fp32Tolerance(), "rmsNorm in place");
        }
        int count = 10_007;
        float[] gate = new float[count];
        for (int i = 0; i < count; i++) {
            gate[i] = (float) (random.nextDouble() * 16 - 8);
        }
        float[] up = uniform(random, count);
        float[] expected = new float[count];
        float[] actual = new float[count];
        REFERENCE.swiglu(gate, up, count, expected);
        ops.swiglu(gate, up, count, actual);
        assertWithin(actual, expected, count, fp32Tolerance(), fp32Tolerance(), "swiglu");
        ops.swiglu(gate, up, count, gate);
        assertWithin(gate, expected, count, fp32Tolerance(), fp32Tolerance(), "swiglu in place");
    }

    @Test
    void rotaryRotatesAsRotaryEmbeddingWithEachChunksFrequencies() {
        // dynamic NTK scaling: the chunk reaching past the trained 64 positions gets other frequencies
        int headDim = 64;
        int heads = 8;
        int kvHeads = 2;
        for (RopeScaling scaling : new RopeScaling[] {null, new RopeScaling("dynamic", 4, 0, 0, 64),
                new RopeScaling("yarn", 4, 0, 0, 64)}) {
            RotaryEmbedding rotary = new RotaryEmbedding(headDim, 10_000, scaling);
            KvLayout layout = new KvLayout(1, kvHeads, headDim);
            try (PagedKvCache cache = new PagedKvCache(layout, 16, 64)) {
                cache.reserve(1, 40);
                cache.reserve(2, 300);
                cache.commit(2, 200);
                DecoderBatch batch = DecoderBatch.plan(List.of(new SequenceChunk(1, new int[40], 0, 1),
                        new SequenceChunk(2, new int[100], 200, 1)), cache, 1, 4096, rotary);
                SplittableRandom random = new SplittableRandom(13);
                float[] q = uniform(random, 140 * heads * headDim);
                float[] k = uniform(random, 140 * kvHeads * headDim);
                float[] expectedQ = q.clone();
                float[] expectedK = k.clone();
                for (int t = 0; t < 140; t++) {
                    double[] frequencies = batch.inverseFrequencies(batch.chunkOfToken(t));
                    rotary.rotate(expectedQ, t * heads * headDim, heads, batch.position(t), frequencies);
                    rotary.rotate(expectedK, t * kvHeads * headDim, kvHeads, batch.position(t), frequencies);
                }
                ops.rotary(batch, q, heads, k, kvHeads, headDim, rotary.attentionFactor());
                String what = "rotary, scaling " + (scaling == null ? "none" : scaling.type());
                assertWithin(q, expectedQ, q.length, 0, rotaryTolerance(), what + ", q");
                assertWithin(k, expectedK, k.length, 0, rotaryTolerance(), what + ", k");
            }
        }
    }

    /**
     * Fills sequences' caches by {@link DecoderOps#writeKeyValues} (prefixes of the given lengths,
     * blocks handed out round robin so that tables interleave), then compares attention of a mixed
     * pass of decode tokens and prefill chunks.
     */
    private void attentionOfMixedPass(int heads, int kvHeads, int headDim, int blockSize, int[] cached,
            int[] chunkTokens, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        KvLayout layout = new KvLayout(2, kvHeads, headDim);
        int width = kvHeads * headDim;
        int positions = 0;
        for (int s = 0; s < cached.length; s++) {
            positions += cached[s] + chunkTokens[s] + blockSize;
        }
        RotaryEmbedding rotary = new RotaryEmbedding(headDim, 10_000, null);
        try (PagedKvCache cache = new PagedKvCache(layout, blockSize, positions / blockSize + 8)) {
            // blocks round robin, a few at a time, then one sequence freed: tables out of order
            cache.reserve(99, 3 * blockSize);
            for (int round = 0; ; round++) {
                boolean any = false;
                for (int s = 0; s < cached.length; s++) {
                    int want = Math.min(cached[s] + chunkTokens[s], (round + 1) * 2 * blockSize);
                    if (!cache.contains(s) || cache.capacity(s) < want) {
                        assertThat(cache.reserve(s, want)).isTrue();
                        any = true;
                    }
                }
                if (!any) {
                    break;
                }
            }
            cache.free(99);
            for (int s = 0; s < cached.length; s++) {
                if (cached[s] > 0) {
                    DecoderBatch prefix = DecoderBatch.plan(List.of(new SequenceChunk(s, new int[cached[s]], 0, 1)),
                            cache, 1, 1 << 20, rotary);
                    for (int l = 0; l < 2; l++) {
                        ops.writeKeyValues(prefix, uniform(random, cached[s] * width), uniform(random,
                                cached[s] * width), cache, l);
                    }
                    cache.commit(s, cached[s]);
                }
            }
            List<SequenceChunk> chunks = new ArrayList<>();
            int tokens = 0;
            for (int s = 0; s < cached.length; s++) {
                chunks.add(new SequenceChunk(s, new int[chunkTokens[s]], cached[s], 1));
                tokens += chunkTokens[s];
            }
            DecoderBatch pass = DecoderBatch.plan(chunks, cache, 1, 1 << 20, rotary);
            for (int l = 0; l < 2; l++) {
                ops.writeKeyValues(pass, uniform(random, tokens * width), uniform(random, tokens * width), cache, l);
            }
            for (int l = 0; l < 2; l++) {
                float[] q = uniform(random, tokens * heads * headDim);
                float[] expected = new float[q.length];
                float[] actual = new float[q.length];
                REFERENCE.attention(pass, q, heads, cache, l, expected);
                ops.attention(pass, q, heads, cache, l, actual);
                assertWithin(actual, expected, q.length, fp32Tolerance(), fp32Tolerance(), "attention, heads "
                        + heads + "/" + kvHeads + ", headDim " + headDim + ", blocks of " + blockSize + ", layer " + l);
            }
        }
    }

    @Test
    void attentionOfRaggedPrefillChunksAfterCachedPrefixesMatchesTheReference() {
        // chunks of 17, 100 and 2 tokens from position 0 and after cached prefixes; one chunk crosses blocks
        attentionOfMixedPass(8, 2, 64, 16, new int[] {0, 50, 31}, new int[] {17, 100, 2}, 21);
        attentionOfMixedPass(7, 7, 16, 3, new int[] {5, 0}, new int[] {9, 33}, 22);
        attentionOfMixedPass(16, 1, 32, 1, new int[] {12}, new int[] {20}, 23);
    }

    @Test
    void attentionOfDecodeTokensOverLongContextsMatchesTheReference() {
        // contexts 1, 17, 512 (one partition of 512), 513 and 1500 (several, with the reduce), GQA 4
        attentionOfMixedPass(8, 2, 64, 16, new int[] {0, 16, 511, 512, 1499}, new int[] {1, 1, 1, 1, 1}, 31);
        // decode and prefill in one pass, group of 16 query heads per key/value head, blocks of 32
        attentionOfMixedPass(16, 1, 128, 32, new int[] {700, 40, 0}, new int[] {1, 60, 1}, 32);
    }

    @Test
    void aRolledBackSpeculativeTailIsRewrittenInPlace() {
        SplittableRandom random = new SplittableRandom(41);
        int heads = 4;
        int kvHeads = 2;
        int headDim = 32;
        int width = kvHeads * headDim;
        RotaryEmbedding rotary = new RotaryEmbedding(headDim, 10_000, null);
        try (PagedKvCache cache = new PagedKvCache(new KvLayout(1, kvHeads, headDim), 4, 32)) {
            cache.reserve(1, 20);
            DecoderBatch prompt = DecoderBatch.plan(List.of(new SequenceChunk(1, new int[10], 0, 1)), cache, 1, 512,
                    rotary);
            ops.writeKeyValues(prompt, uniform(random, 10 * width), uniform(random, 10 * width), cache, 0);
            cache.commit(1, 10);
            DecoderBatch draft = DecoderBatch.plan(List.of(new SequenceChunk(1, new int[6], 10, 6)), cache, 1, 512,
                    rotary);
            ops.writeKeyValues(draft, uniform(random, 6 * width), uniform(random, 6 * width), cache, 0);
            cache.commit(1, 16);
            cache.truncate(1, 12); // four drafted positions rejected, their block freed
            cache.reserve(1, 4);
            DecoderBatch next = DecoderBatch.plan(List.of(new SequenceChunk(1, new int[3], 12, 1)), cache, 1, 512,
                    rotary);
            ops.writeKeyValues(next, uniform(random, 3 * width), uniform(random, 3 * width), cache, 0);
            float[] q = uniform(random, 3 * heads * headDim);
            float[] expected = new float[q.length];
            float[] actual = new float[q.length];
            REFERENCE.attention(next, q, heads, cache, 0, expected);
            ops.attention(next, q, heads, cache, 0, actual);
            assertWithin(actual, expected, q.length, fp32Tolerance(), fp32Tolerance(), "attention after a rollback");
        }
    }
}
