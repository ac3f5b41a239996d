package io.textintel.serving.backend.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.textintel.serving.backend.Activation;
import io.textintel.serving.config.PoolingMode;
import io.textintel.serving.tensor.SequenceSpans;
import io.textintel.serving.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * The reference backend against numbers worked out by hand (closed forms, no other code), so
 * that the fast backends are compared with something independently right.
 */
class ScalarBackendTest {

    private final ScalarBackend backend = new ScalarBackend();

    @Test
    void erfMatchesTabulatedValues() {
        // Abramowitz & Stegun table 7.1, to the digits given there (and beyond, from DLMF)
        assertThat(Erf.erf(0.0)).isEqualTo(0.0);
        assertThat(Erf.erf(0.5)).isCloseTo(0.5204998778130465, within(1e-14));
        assertThat(Erf.erf(1.0)).isCloseTo(0.8427007929497149, within(1e-14));
        assertThat(Erf.erf(-1.0)).isCloseTo(-0.8427007929497149, within(1e-14));
        assertThat(Erf.erf(2.0)).isCloseTo(0.9953222650189527, within(1e-14));
        assertThat(Erf.erf(2.5)).isCloseTo(0.9995930479825550, within(1e-14));
        assertThat(Erf.erf(3.5)).isCloseTo(0.9999992569016276, within(1e-14));
        assertThat(Erf.erf(10.0)).isEqualTo(1.0);
    }

    @Test
    void geluOfKnownPoints() {
        // GELU(1) = 0.5 (1 + erf(1/sqrt 2)) = Phi(1) = 0.8413447460685429
        assertThat(ScalarBackend.activate(Activation.GELU, 1.0)).isCloseTo(0.8413447460685429, within(1e-14));
        // GELU(-1) = -Phi(-1) = -(1 - Phi(1))
        assertThat(ScalarBackend.activate(Activation.GELU, -1.0)).isCloseTo(-0.15865525393145707, within(1e-14));
        // tanh form at 1: 0.5 (1 + tanh(sqrt(2/pi) * 1.044715)) = 0.8411919906082768
        assertThat(ScalarBackend.activate(Activation.GELU_TANH, 1.0)).isCloseTo(0.8411919906082768, within(1e-12));
    }

    @Test
    void linearIsInputTimesTransposedWeightPlusBias() {
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2);
        // weight [out=3, in=2]
        Tensor weight = Tensor.of(new float[] {1, 0, 0, 1, 1, 1}, 3, 2);
        Tensor bias = Tensor.of(new float[] {10, 20, 30}, 3);
        Tensor out = Tensor.zeros(2, 3);
        backend.linear(x, backend.prepareLinear(weight, bias), Activation.RELU, out);
        assertThat(out.toArray()).containsExactly(11, 22, 33, 13, 24, 37);
    }

    @Test
    void layerNormOfKnownRow() {
        // row 1, 2, 3, 4 plus residual 1, 1, 1, 1 = 2, 3, 4, 5: mean 3.5, biased variance 1.25
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4}, 1, 4);
        Tensor residual = Tensor.of(new float[] {1, 1, 1, 1}, 1, 4);
        Tensor gamma = Tensor.of(new float[] {1, 1, 2, 1}, 4);
        Tensor beta = Tensor.of(new float[] {0, 0, 0, 1}, 4);
        Tensor out = Tensor.zeros(1, 4);
        backend.layerNorm(x, residual, gamma, beta, 1e-12f, out);
        double inverseStd = 1 / Math.sqrt(1.25);
        assertThat(out.toArray()).containsExactly(new float[] {
                (float) (-1.5 * inverseStd), (float) (-0.5 * inverseStd),
                (float) (2 * 0.5 * inverseStd), (float) (1.5 * inverseStd + 1)}, within(1e-6f));
    }

    @Test
    void softmaxOfKnownRow() {
        // softmax(0, ln 2, ln 3) = (1, 2, 3) / 6
        Tensor x = Tensor.of(new float[] {0f, (float) Math.log(2), (float) Math.log(3)}, 1, 3);
        backend.softmax(x);
        assertThat(x.toArray()).containsExactly(new float[] {1f / 6, 2f / 6, 3f / 6}, within(1e-7f));
    }

    @Test
    void attentionOfTwoTokensWithOneHead() {
        // hidden 2, one head, scale 1/sqrt 2. q0 = (sqrt 2 * ln 3, 0), k0 = (1, 0), k1 = (0, 1):
        // scores of token 0 = (ln 3, 0) -> weights (3/4, 1/4); v0 = (4, 8), v1 = (8, 4) -> (5, 7).
        // q1 = 0 -> equal weights -> (6, 6). The third row is padding of a padded layout.
        float q = (float) (Math.sqrt(2) * Math.log(3));
        Tensor qkv = Tensor.of(new float[] {
                q, 0, 1, 0, 4, 8,
                0, 0, 0, 1, 8, 4,
                99, 99, 99, 99, 99, 99}, 3, 6);
        Tensor out = Tensor.zeros(3, 2);
        backend.attention(qkv, 1, SequenceSpans.padded(3, 2), out);
        assertThat(out.toArray()).containsExactly(new float[] {5, 7, 6, 6, 0, 0}, within(1e-5f));
    }

    @Test
    void attentionAddsTheBiasBeforeTheSoftmax() {
        // queries zero, so every score is the bias alone: token 0 sees (ln 3, 0) -> weights (3/4, 1/4)
        // over v0 = (4, 8), v1 = (8, 4) -> (5, 7); token 1 sees (0, 0) -> (6, 6). The bias is 3 wide
        // for 2 tokens: its last row and column are never read, whatever they hold.
        Tensor qkv = Tensor.of(new float[] {
                0, 0, 1, 0, 4, 8,
                0, 0, 0, 1, 8, 4,
                99, 99, 99, 99, 99, 99}, 3, 6);
        float ln3 = (float) Math.log(3);
        Tensor bias = Tensor.of(new float[] {
                ln3, 0, 50,
                0, 0, 50,
                50, 50, 50}, 1, 3, 3);
        Tensor out = Tensor.zeros(3, 2);
        assertThat(backend.supportsAttentionBias()).isTrue();
        backend.attention(qkv, 1, SequenceSpans.padded(3, 2), bias, out);
        assertThat(out.toArray()).containsExactly(new float[] {5, 7, 6, 6, 0, 0}, within(1e-5f));
    }

    @Test
    void poolingOfKnownRows() {
        // one sequence of 2 real tokens (3, 4) and (1, 0), then a padding row that must not count
        Tensor hidden = Tensor.of(new float[] {3, 4, 1, 0, 100, 100}, 3, 2);
        SequenceSpans spans = SequenceSpans.padded(3, 2);
        Tensor out = Tensor.zeros(1, 2);
        backend.pool(hidden, spans, PoolingMode.MEAN, false, out);
        assertThat(out.toArray()).containsExactly(2, 2);
        backend.pool(hidden, spans, PoolingMode.MEAN, true, out);
        assertThat(out.toArray()).containsExactly(new float[] {(float) Math.sqrt(0.5), (float) Math.sqrt(0.5)},
                within(1e-7f));
        backend.pool(hidden, spans, PoolingMode.CLS, true, out);
        assertThat(out.toArray()).containsExactly(new float[] {0.6f, 0.8f}, within(1e-7f));
        backend.pool(hidden, spans, PoolingMode.MAX, false, out);
        assertThat(out.toArray()).containsExactly(3, 4);
        backend.pool(hidden, spans, PoolingMode.MEAN_SQRT_LEN, false, out);
        assertThat(out.toArray()).containsExactly(new float[] {(float) (4 / Math.sqrt(2)), (float) (4 / Math.sqrt(2))},
                within(1e-6f));
    }
}
