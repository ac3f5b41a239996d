package io.textintel.serving.backend.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.textintel.serving.backend.Activation;
import io.textintel.serving.backend.LinearWeights;
import io.textintel.serving.config.PoolingMode;
import io.textintel.serving.tensor.SequenceSpans;
import io.textintel.serving.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every {@link CpuBackend} operation against {@link ScalarBackend} on random inputs of awkward
 * sizes (1, 7, 33, 130: none a multiple of the kernel's blocks, tiles or panels), with three
 * threads so that tiles and tasks really split; once per {@link CpuKernel} family, by a subclass.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class CpuBackendTest {

    private static final ScalarBackend REFERENCE = new ScalarBackend();

    private final CpuBackend backend = new CpuBackend(3, kernel());

    /** The kernel family under test. */
    abstract CpuKernel kernel();

    @AfterAll
    void closeBackend() {
        backend.close();
    }

    @Test
    void runsTheKernelFamilyUnderTest() {
        assertThat(backend.kernel()).isEqualTo(kernel());
        assertThat(backend).hasToString("CpuBackend[threads=3, kernel=" + kernel() + "]");
    }

    @ParameterizedTest
    @CsvSource({"1,1,1", "1,384,384", "7,33,130", "33,7,1", "130,384,33", "33,1536,384", "130,130,1537",
        "200,384,1536", "5,1536,31", "1,1024,1000", "2,130,700", "3,384,200", "11,64,450"})
    void linearMatchesReference(int n, int in, int out) {
        Random random = new Random(n * 31L + in * 7L + out);
        Tensor x = random(random, 1f, n, in);
        Tensor weight = random(random, 1f, out, in);
        Tensor bias = random(random, 1f, out);

        Tensor fast = Tensor.zeros(n, out);
        Tensor reference = Tensor.zeros(n, out);
        backend.linear(x, backend.prepareLinear(weight, bias), Activation.NONE, fast);
        REFERENCE.linear(x, REFERENCE.prepareLinear(weight, bias), Activation.NONE, reference);

        // float32 sums of K products of N(0,1) values have magnitude ~sqrt(K) and a rounding error
        // of at most ~K * 2^-24 * sqrt(K) in the worst case; 2e-6 * K * sqrt(K) / 8 bounds it with
        // room while still catching any wrong index (errors of order 1).
        double tolerance = Math.max(1e-5, 2.5e-7 * in * Math.sqrt(in));
        assertThat(maxAbsDiff(fast, reference)).isLessThanOrEqualTo(tolerance);
    }

    @ParameterizedTest
    @EnumSource(Activation.class)
    void fusedActivationsMatchReference(Activation activation) {
        Random random = new Random(activation.ordinal());
        Tensor x = random(random, 1f, 33, 64);
        Tensor weight = random(random, 0.2f, 130, 64);
        Tensor bias = random(random, 1f, 130);
        Tensor fast = Tensor.zeros(33, 130);
        Tensor reference = Tensor.zeros(33, 130);
        backend.linear(x, backend.prepareLinear(weight, null), activation, fast);
        REFERENCE.linear(x, REFERENCE.prepareLinear(weight, null), activation, reference);
        // K = 64 accumulation (~1e-6) plus the float erf approximation (1.5e-7 * |x| / 2)
        assertThat(maxAbsDiff(fast, reference)).isLessThanOrEqualTo(1e-5);

        backend.linear(x, backend.prepareLinear(weight, bias), activation, fast);
        REFERENCE.linear(x, REFERENCE.prepareLinear(weight, bias), activation, reference);
        assertThat(maxAbsDiff(fast, reference)).isLessThanOrEqualTo(1e-5);
    }

    @ParameterizedTest
    @EnumSource(Activation.class)
    void standaloneActivationsMatchReference(Activation activation) {
        Random random = new Random(17 + activation.ordinal());
        Tensor fast = random(random, 4f, 7, 130);
        Tensor reference = Tensor.of(fast.toArray(), 7, 130);
        backend.activate(activation, fast);
        REFERENCE.activate(activation, reference);
        // the A&S erf approximation is within 1.5e-7 absolute; GELU scales it by |x|/2 <= ~8
        assertThat(maxAbsDiff(fast, reference)).isLessThanOrEqualTo(2e-6);
    }

    @ParameterizedTest
    @CsvSource({"1,1", "7,33", "130,384"})
    void layerNormMatchesReference(int rows, int cols) {
        Random random = new Random(rows * 1000L + cols);
        Tensor x = random(random, 3f, rows, cols);
        Tensor residual = random(random, 3f, rows, cols);
        Tensor gamma = random(random, 1f, cols);
        Tensor beta = random(random, 1f, cols);
        Tensor fast = Tensor.zeros(rows, cols);
        Tensor reference = Tensor.zeros(rows, cols);
        backend.layerNorm(x, residual, gamma, beta, 1e-12f, fast);
        REFERENCE.layerNorm(x, residual, gamma, beta, 1e-12f, reference);
        // the reference keeps statistics in double, the vector kernels in float lanes (relative
        // error ~1e-7 over 384 values); the float sum x + residual and affine step differ by a
        // few ulps of values of order 5
        assertThat(maxAbsDiff(fast, reference)).isLessThanOrEqualTo(5e-6);

        backend.layerNorm(x, null, gamma, beta, 1e-5f, fast);
        REFERENCE.layerNorm(x, null, gamma, beta, 1e-5f, reference);
        assertThat(maxAbsDiff(fast, reference)).isLessThanOrEqualTo(5e-6);
    }

    @Test
    void layerNormMayWriteOverItsResidual() {
        Random random = new Random(5);
        Tensor x = random(random, 1f, 7, 33);
        Tensor residual = random(random, 1f, 7, 33);
        Tensor gamma = random(random, 1f, 33);
        Tensor beta = random(random, 1f, 33);
        Tensor expected = Tensor.zeros(7, 33);
        REFERENCE.layerNorm(x, residual, gamma, beta, 1e-12f, expected);
        backend.layerNorm(x, residual, gamma, beta, 1e-12f, residual);
        assertThat(maxAbsDiff(residual, expected)).isLessThanOrEqualTo(5e-6);
    }

    @ParameterizedTest
    @CsvSource({"1,1", "7,33", "130,2"})
    void softmaxMatchesReference(int rows, int cols) {
        Random random = new Random(rows + cols);
        Tensor fast = random(random, 10f, rows, cols);
        Tensor reference = Tensor.of(fast.toArray(), rows, cols);
        backend.softmax(fast);
        REFERENCE.softmax(reference);
        // probabilities in [0, 1]: float exp and division are within a few ulps of 1
        assertThat(maxAbsDiff(fast, reference)).isLessThanOrEqualTo(1e-6);
    }

    @ParameterizedTest
    @CsvSource({"1,4", "12,384", "2,8", "1,64"})
    void attentionMatchesReferenceOnPackedSequences(int heads, int hidden) {
        int[][] cases = {{1}, {7, 33, 1, 130}, {130}, {1, 1, 1}};
        for (int[] lengths : cases) {
            SequenceSpans spans = SequenceSpans.packed(lengths);
            checkAttention(heads, hidden, spans);
        }
    }

    @Test
    void attentionIgnoresPaddingRows() {
        SequenceSpans spans = SequenceSpans.padded(33, 7, 33, 1);
        checkAttention(4, 32, spans);
        Random random = new Random(3);
        Tensor qkv = random(random, 1f, spans.rows(), 96);
        Tensor before = Tensor.zeros(spans.rows(), 32);
        backend.attention(qkv, 4, spans, before);
        for (int row = 7; row < 33; row++) {
            for (int c = 0; c < 96; c++) {
                qkv.data()[row * 96 + c] = 1e6f; // padding rows of the first sequence
            }
        }
        Tensor after = Tensor.zeros(spans.rows(), 32);
        backend.attention(qkv, 4, spans, after);
        assertThat(maxAbsDiff(before, after)).isZero();
    }

    private void checkAttention(int heads, int hidden, SequenceSpans spans) {
        Random random = new Random(heads * 7L + hidden + spans.rows());
        Tensor qkv = random(random, 1f, spans.rows(), 3 * hidden);
        Tensor fast = Tensor.zeros(spans.rows(), hidden);
        Tensor reference = Tensor.zeros(spans.rows(), hidden);
        backend.attention(qkv, heads, spans, fast);
        REFERENCE.attention(qkv, heads, spans, reference);
        // scores are dot products over headDim <= 384 (float rounding ~1e-5 relative), softmax
        // weights sum to 1, so outputs (convex combinations of N(0,1) values) differ by < 1e-5
        assertThat(maxAbsDiff(fast, reference)).as("attention %s heads %d", spans, heads).isLessThanOrEqualTo(2e-5);
    }

    @ParameterizedTest
    @CsvSource({"1,4", "12,384", "2,8", "4,32"})
    void attentionWithBiasMatchesReference(int heads, int hidden) {
        int[][] cases = {{1}, {7, 33, 1, 130}, {130}, {1, 1, 1}};
        for (int[] lengths : cases) {
            SequenceSpans spans = SequenceSpans.packed(lengths);
            checkBiasedAttention(heads, hidden, spans, spans.maxLength());
            // a bias wider than the longest sequence: rows and columns past it are never read
            checkBiasedAttention(heads, hidden, spans, spans.maxLength() + 5);
        }
        checkBiasedAttention(heads, hidden, SequenceSpans.padded(33, 7, 33, 1), 33);
    }

    @Test
    void attentionBiasChangesTheResult() {
        SequenceSpans spans = SequenceSpans.packed(7, 33);
        Random random = new Random(11);
        Tensor qkv = random(random, 1f, spans.rows(), 96);
        Tensor bias = random(random, 2f, 4, 33, 33);
        Tensor plain = Tensor.zeros(spans.rows(), 32);
        Tensor biased = Tensor.zeros(spans.rows(), 32);
        backend.attention(qkv, 4, spans, plain);
        backend.attention(qkv, 4, spans, bias, biased);
        assertThat(maxAbsDiff(plain, biased)).isGreaterThan(0.05);
    }

    @Test
    void attentionBiasOfTheWrongShapeIsRefused() {
        SequenceSpans spans = SequenceSpans.packed(7, 33);
        Tensor qkv = Tensor.zeros(spans.rows(), 96);
        Tensor out = Tensor.zeros(spans.rows(), 32);
        assertThatThrownBy(() -> backend.attention(qkv, 4, spans, Tensor.zeros(4, 32, 32), out))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("attention bias has shape [4, 32, 32], expected [4, n, n] with n >= 33");
        assertThatThrownBy(() -> backend.attention(qkv, 4, spans, Tensor.zeros(3, 33, 33), out))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> backend.attention(qkv, 4, spans, Tensor.zeros(4 * 33, 33), out))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private void checkBiasedAttention(int heads, int hidden, SequenceSpans spans, int n) {
        Random random = new Random(heads * 13L + hidden + spans.rows() + n);
        Tensor qkv = random(random, 1f, spans.rows(), 3 * hidden);
        // scale 2: comparable to the scores, as MPNet's learned bias is, so that a misplaced entry shows
        Tensor bias = random(random, 2f, heads, n, n);
        Tensor fast = Tensor.zeros(spans.rows(), hidden);
        Tensor reference = Tensor.zeros(spans.rows(), hidden);
        assertThat(backend.supportsAttentionBias()).isTrue();
        backend.attention(qkv, heads, spans, bias, fast);
        REFERENCE.attention(qkv, heads, spans, bias, reference);
        // as without a bias: adding a float bias to each score adds one rounding of ~1e-7, and the
        // outputs are convex combinations of N(0,1) values, so they differ by float rounding only
        assertThat(maxAbsDiff(fast, reference)).as("biased attention %s heads %d n %d", spans, heads, n)
                .isLessThanOrEqualTo(2e-5);
    }

    @ParameterizedTest
    @EnumSource(PoolingMode.class)
    void poolingMatchesReference(PoolingMode mode) {
        Random random = new Random(mode.ordinal());
        SequenceSpans spans = SequenceSpans.padded(130, 1, 7, 130, 33);
        Tensor hidden = random(random, 1f, spans.rows(), 33);
        for (boolean normalize : new boolean[] {false, true}) {
            Tensor fast = Tensor.zeros(spans.count(), 33);
            Tensor reference = Tensor.zeros(spans.count(), 33);
            backend.pool(hidden, spans, mode, normalize, fast);
            REFERENCE.pool(hidden, spans, mode, normalize, reference);
            // float sums of up to 130 values of order 1: error ~130 * 6e-8 before scaling
            assertThat(maxAbsDiff(fast, reference)).as("normalize %s", normalize).isLessThanOrEqualTo(1e-5);
        }
    }

    @Test
    void gatherMatchesReference() {
        Random random = new Random(9);
        Tensor table = random(random, 1f, 130, 33);
        int[] ids = {0, 129, 7, 7, 64};
        Tensor fast = random(random, 1f, ids.length, 33);
        Tensor reference = Tensor.of(fast.toArray(), ids.length, 33);
        backend.gather(table, ids, true, fast);
        REFERENCE.gather(table, ids, true, reference);
        assertThat(maxAbsDiff(fast, reference)).isZero();
        backend.gather(table, ids, false, fast);
        assertThat(fast.row(1)).containsExactly(table.row(129));
    }

    @Test
    void shapeMismatchesNameTheTensorAndTheExpectedShape() {
        LinearWeights weights = backend.prepareLinear(Tensor.zeros(4, 3), null);
        assertThatThrownBy(() -> backend.linear(Tensor.zeros(2, 5), weights, Activation.NONE, Tensor.zeros(2, 4)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("tensor x has shape [2, 5], expected [2, 3]");
        assertThatThrownBy(() -> backend.gather(Tensor.zeros(10, 2), new int[] {3, 10}, false, Tensor.zeros(2, 2)))
                .hasMessageContaining("id 10 at position 1")
                .hasMessageContaining("expected 0 <= id < 10");
        assertThatThrownBy(() -> backend.linear(Tensor.zeros(2, 3), REFERENCE.prepareLinear(Tensor.zeros(4, 3), null),
                        Activation.NONE, Tensor.zeros(2, 4)))
                .hasMessageContaining("were not prepared by the cpu backend");
    }

    static Tensor random(Random random, float std, int... shape) {
        Tensor tensor = Tensor.zeros(shape);
        for (int i = 0; i < tensor.size(); i++) {
            tensor.data()[i] = (float) random.nextGaussian() * std;
        }
        return tensor;
    }

    static double maxAbsDiff(Tensor a, Tensor b) {
        assertThat(a.shape()).isEqualTo(b.shape());
        double max = 0;
        for (int i = 0; i < a.size(); i++) {
            max = Math.max(max, Math.abs((double) a.data()[i] - b.data()[i]));
        }
        return max;
    }
}
