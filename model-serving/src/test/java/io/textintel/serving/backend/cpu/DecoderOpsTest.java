package io.textintel.serving.backend.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.textintel.serving.backend.DecoderOps;
import io.textintel.serving.kv.KvLayout;
import io.textintel.serving.kv.PagedKvCache;
import io.textintel.serving.model.SequenceChunk;
import io.textintel.serving.model.decoder.DecoderBatch;
import io.textintel.serving.model.decoder.RotaryEmbedding;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The ops one at a time: the reference against hand-computed values (1e-6), the fast ops against
 * the reference on sizes that are not multiples of any tile or unroll width (1e-5 absolute on
 * values of order 1: float sums of at most a few hundred terms).
 */
class DecoderOpsTest {

    private static final ScalarDecoderOps SCALAR = new ScalarDecoderOps();
    private static final FastDecoderOps FAST = new FastDecoderOps(2);

    @AfterAll
    static void close() {
        FAST.close();
    }

    private static float[] random(Random random, int count) {
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }

    private static void assertClose(float[] actual, float[] expected, double tolerance) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < expected.length; i++) {
            assertThat((double) actual[i]).as("element %d", i).isCloseTo(expected[i], within(tolerance));
        }
    }

    @Test
    void referenceOpsGiveHandComputedValues() {
        float[] y = new float[2];
        // y = [1, 2] · [[1, 0], [3, -1]]ᵀ + [0.5, 0] = [1.5, 1]
        SCALAR.linear(new float[] {1, 2}, 1, SCALAR.prepareLinear("w", new float[] {1, 0, 3, -1},
                new float[] {0.5f, 0}, 2, 2), y);
        assertClose(y, new float[] {1.5f, 1f}, 1e-6);

        float[] normed = new float[2];
        SCALAR.rmsNorm(new float[] {3, 4}, 1, new float[] {1, 2}, 0, normed); // rms = sqrt(12.5)
        assertClose(normed, new float[] {(float) (3 / Math.sqrt(12.5)), (float) (8 / Math.sqrt(12.5))}, 1e-6);

        float[] swiglu = new float[1];
        SCALAR.swiglu(new float[] {2}, new float[] {3}, 1, swiglu);
        assertClose(swiglu, new float[] {(float) (2 / (1 + Math.exp(-2)) * 3)}, 1e-6);
    }

    @Test
    void referenceAttentionAveragesValuesBySoftmaxOfScaledScores() {
        KvLayout layout = new KvLayout(1, 1, 2);
        try (PagedKvCache cache = new PagedKvCache(layout, 2, 4)) {
            cache.reserve(1, 2);
            int p0 = cache.offset(1, 0);
            int p1 = cache.offset(1, 1);
            float[] keys = cache.keys(0);
            float[] values = cache.values(0);
            keys[p0] = 1; // k0 = [1, 0], v0 = [1, 2]
            values[p0] = 1;
            values[p0 + 1] = 2;
            keys[p1 + 1] = 1; // k1 = [0, 1], v1 = [3, 4]
            values[p1] = 3;
            values[p1 + 1] = 4;
            DecoderBatch batch = DecoderBatch.plan(List.of(new SequenceChunk(1, new int[] {0, 0}, 0, 1)), cache, 1,
                    8, new RotaryEmbedding(2, 10000, null));
            float[] q = {9, 9, 2, 0}; // token 0 sees only position 0; token 1 scores 2/sqrt(2) and 0
            float[] out = new float[4];
            SCALAR.attention(batch, q, 1, cache, 0, out);
            double w0 = Math.exp(Math.sqrt(2)) / (Math.exp(Math.sqrt(2)) + 1);
            assertClose(out, new float[] {1, 2, (float) (w0 * 1 + (1 - w0) * 3), (float) (w0 * 2 + (1 - w0) * 4)},
                    1e-6);
        }
    }

    @Test
    void fastLinearMatchesTheReferenceForEveryPassSizeUpToTwoTiles() {
        // 1 row (decode), 2..5 (verification, padded to one six-row tile), 6..13 (tiles plus rest)
        Random random = new Random(2);
        int in = 67;
        int out = 133;
        float[] weight = random(random, out * in);
        float[] bias = random(random, out);
        DecoderOps.Linear reference = SCALAR.prepareLinear("w", weight, bias, out, in);
        DecoderOps.Linear fast = FAST.prepareLinear("w", weight, bias, out, in);
        for (int rows = 1; rows <= 2 * FastDecoderOps.TILE_ROWS + 1; rows++) {
            float[] x = random(random, rows * in);
            float[] expected = new float[rows * out];
            float[] actual = new float[rows * out];
            SCALAR.linear(x, rows, reference, expected);
            FAST.linear(x, rows, fast, actual);
            assertClose(actual, expected, 1e-4); // values of order sqrt(67) ~ 8
        }
    }

    @Test
    void fastLinearNormAndSwigluMatchTheReferenceOnRaggedSizes() {
        Random random = new Random(1);
        int rows = 19;
        int in = 67;
        int out = 133;
        float[] x = random(random, rows * in);
        float[] weight = random(random, out * in);
        float[] bias = random(random, out);
        for (float[] b : new float[][] {bias, null}) {
            float[] expected = new float[rows * out];
            float[] actual = new float[rows * out];
            SCALAR.linear(x, rows, SCALAR.prepareLinear("w", weight, b, out, in), expected);
            FAST.linear(x, rows, FAST.prepareLinear("w", weight, b, out, in), actual);
            assertClose(actual, expected, 1e-4); // values of order sqrt(67) ~ 8
        }
        float[] gamma = random(random, in);
        float[] expected = new float[rows * in];
        float[] actual = new float[rows * in];
        SCALAR.rmsNorm(x, rows, gamma, 1e-6, expected);
        FAST.rmsNorm(x, rows, gamma, 1e-6, actual);
        assertClose(actual, expected, 1e-5);
        float[] up = random(random, rows * in);
        SCALAR.swiglu(x, up, rows * in, expected);
        FAST.swiglu(x, up, rows * in, actual);
        assertClose(actual, expected, 1e-5);
    }

    @Test
    void fastGroupedQueryAttentionMatchesTheReferenceAcrossBlocks() {
        Random random = new Random(2);
        int heads = 6;
        KvLayout layout = new KvLayout(1, 2, 10); // 3 query heads per key/value head
        try (PagedKvCache cache = new PagedKvCache(layout, 3, 32)) {
            cache.reserve(7, 2);
            cache.reserve(1, 11);
            cache.reserve(7, 9);
            System.arraycopy(random(random, cache.keys(0).length), 0, cache.keys(0), 0, cache.keys(0).length);
            System.arraycopy(random(random, cache.values(0).length), 0, cache.values(0), 0, cache.values(0).length);
            cache.commit(1, 5);
            DecoderBatch batch = DecoderBatch.plan(List.of(new SequenceChunk(1, new int[6], 5, 1),
                    new SequenceChunk(7, new int[9], 0, 1)), cache, 1, 64, new RotaryEmbedding(10, 10000, null));
            float[] q = random(random, 15 * heads * 10);
            float[] expected = new float[q.length];
            float[] actual = new float[q.length];
            SCALAR.attention(batch, q, heads, cache, 0, expected);
            FAST.attention(batch, q, heads, cache, 0, actual);
            assertClose(actual, expected, 1e-5);
        }
    }
}
