package io.textintel.serving.backend.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import io.textintel.serving.backend.Activation;
import io.textintel.serving.tensor.Tensor;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The row kernels of {@link VectorMatmulKernel} (one row by a group of panels, two rows by two
 * panels, one row by one panel) against its six-row tile, bit for bit: a row's output must not
 * depend on the rows its batch put beside it, because replays after a failure batch documents
 * differently and must write the same vectors. Output widths are given in panels plus extra
 * columns, so that every {@code FloatVector} width gets widths that are and are not whole panels
 * and whole groups of panels.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VectorMatmulKernelTest {

    private static final int W = VectorMatmulKernel.PANEL_WIDTH;

    // one thread takes the whole layer as a single task, three cut it into blocks of groups and pairs
    private final ParallelRange oneThread = new ParallelRange(1, "kernel-test-1");
    private final ParallelRange threeThreads = new ParallelRange(3, "kernel-test-3");

    @AfterAll
    void closeThreads() {
        oneThread.close();
        threeThreads.close();
    }

    // Every activation, GELU and tanh included: their exp and tanh are ReproducibleMath's, the same bits in
    // every JIT tier (the Vector API's EXP and TANH intrinsics are not, so with them the first, interpreted
    // calls here could differ by an ulp from the compiled ones and the test would compare JIT tiers rather
    // than the kernels' reduction order); ReproducibleMathColdStartTest checks the tiers themselves.
    @ParameterizedTest(name = "in {0}, out {1} panels + {2} columns, {3}")
    @CsvSource({
        "1, 4, 0, NONE", // one whole group
        "7, 4, 5, GELU", // a group and a partial panel
        "33, 9, 0, GELU_TANH", // two groups and a whole panel left over
        "64, 11, 3, RELU", // two groups, three panels left over, the last partial
        "384, 12, 0, GELU", // MiniLM's hidden size
        "130, 3, 1, TANH", // fewer whole panels than a group
        "257, 0, 7, SIGMOID", // only a partial panel
        "1024, 8, 0, RELU"})
    void rowsAloneAndAfterTilesMatchTheSixRowTileBitForBit(int in, int outPanels, int extra, Activation activation) {
        int out = outPanels * W + extra;
        Random random = new Random(in * 131L + out);
        PackedLinear linear = new PackedLinear(gaussian(random, out, in), gaussian(random, out), W);
        float[] x = gaussian(random, VectorMatmulKernel.TILE_ROWS, in).data(); // [6, in]
        float[] tiled = new float[VectorMatmulKernel.TILE_ROWS * out];
        VectorMatmulKernel.linear(x, VectorMatmulKernel.TILE_ROWS, linear, activation, tiled, oneThread);

        for (ParallelRange parallel : new ParallelRange[] {oneThread, threeThreads}) {
            String threads = parallel.threads() + " threads";
            // every batch of 1 to 5 rows: one row by groups of panels, pairs by pairs of panels
            for (int n = 1; n < VectorMatmulKernel.TILE_ROWS; n++) {
                float[] y = new float[n * out];
                VectorMatmulKernel.linear(Arrays.copyOf(x, n * in), n, linear, activation, y, parallel);
                for (int r = 0; r < n; r++) {
                    assertThat(row(y, r, out)).as("row %d of %d, %s", r, n, threads).isEqualTo(row(tiled, r, out));
                }
            }
            // a tile and then 1 to 5 rows after it: the tile's rows again, then the same rows as before
            for (int m = 1; m < VectorMatmulKernel.TILE_ROWS; m++) {
                int n = VectorMatmulKernel.TILE_ROWS + m;
                float[] batch = new float[n * in];
                System.arraycopy(x, 0, batch, 0, x.length);
                System.arraycopy(x, 0, batch, x.length, m * in);
                float[] y = new float[n * out];
                VectorMatmulKernel.linear(batch, n, linear, activation, y, parallel);
                for (int r = 0; r < n; r++) {
                    assertThat(row(y, r, out)).as("row %d of %d, %s", r, n, threads)
                            .isEqualTo(row(tiled, r % VectorMatmulKernel.TILE_ROWS, out));
                }
            }
        }
    }

    private static float[] row(float[] y, int r, int out) {
        return Arrays.copyOfRange(y, r * out, (r + 1) * out);
    }

    private static Tensor gaussian(Random random, int... shape) {
        Tensor tensor = Tensor.zeros(shape);
        for (int i = 0; i < tensor.size(); i++) {
            tensor.data()[i] = (float) random.nextGaussian();
        }
        return tensor;
    }
}
