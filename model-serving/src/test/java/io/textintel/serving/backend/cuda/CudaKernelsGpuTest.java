package io.textintel.serving.backend.cuda;

import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;
import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamDestroy;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.textintel.serving.backend.Activation;
import io.textintel.serving.backend.LinearWeights;
import io.textintel.serving.backend.cpu.ScalarBackend;
import io.textintel.serving.backend.cpu.ScalarDecoderOps;
import io.textintel.serving.backend.cuda.DeviceTensor.Type;
import io.textintel.serving.config.PoolingMode;
import io.textintel.serving.tensor.SequenceSpans;
import io.textintel.serving.tensor.Tensor;
import io.textintel.serving.weights.BFloat16;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Every encoder kernel on a real device against the CPU reference ({@link ScalarBackend}, and
 * {@link ScalarDecoderOps} for RMSNorm and SwiGLU). Tolerances: the fp32 kernels within 1e-4 of
 * the double-precision reference (absolute, on values of order 1: float rounding and the
 * kernels' summation order); the bf16 GEMM within 1e-4 (relative to the row's scale) of the
 * reference run on bf16-rounded operands, which isolates the kernel, and within 1e-2 of the fp32
 * reference, which is what bf16 storage costs.
 * Each test runs all its cases and fails with every failing case's numbers ({@link KernelComparison}).
 * Needs a CUDA device; skipped, saying why, without one.
 */
@Tag("gpu")
class CudaKernelsGpuTest {

    private static final double FP32_TOLERANCE = 1e-4;
    private static final double BF16_TOLERANCE = 1e-2;

    private static final ScalarBackend REFERENCE = new ScalarBackend();
    private static CudaBackend backend;

    @BeforeAll
    static void openDevice() {
        if (CudaAvailability.probe().available()) {
            backend = CudaBackend.open(0, new DeviceWeights<>(
                    pointer -> CudaCheck.check(cuMemFree(pointer), "cuMemFree(weights)")), false);
        }
    }

    @AfterAll
    static void closeDevice() {
        if (backend != null) {
            backend.close();
        }
    }

    private static void requireDevice() {
        assumeTrue(backend != null, "no CUDA device: " + CudaAvailability.probe().reason());
    }

    private static Tensor random(Random random, double scale, int... shape) {
        Tensor tensor = Tensor.zeros(shape);
        for (int i = 0; i < tensor.size(); i++) {
            tensor.data()[i] = (float) (random.nextGaussian() * scale);
        }
        return tensor;
    }

    private static Tensor copy(Tensor tensor) {
        return Tensor.of(tensor.toArray(), tensor.shape());
    }

    private static Tensor bf16Rounded(Tensor tensor) {
        Tensor rounded = copy(tensor);
        for (int i = 0; i < rounded.size(); i++) {
            rounded.data()[i] = BFloat16.toFloat(BFloat16.fromFloat(rounded.data()[i]));
        }
        return rounded;
    }

    private static KernelComparison compare(Tensor actual, Tensor expected) {
        assertThat(actual.shape()).isEqualTo(expected.shape());
        return KernelComparison.of(actual.data(), expected.data(), actual.cols());
    }

    private static double maxAbs(Tensor a) {
        double max = 0;
        for (int i = 0; i < a.size(); i++) {
            max = Math.max(max, Math.abs(a.data()[i]));
        }
        return max;
    }

    @Test
    void linearOnTensorCoresMatchesTheReference() {
        requireDevice();
        assertLinearMatches(backend);
    }

    @Test
    void linearOnCublasMatchesTheReference() {
        requireDevice();
        try (CudaBackend cublas = CudaBackend.open(0, new DeviceWeights<>(
                pointer -> CudaCheck.check(cuMemFree(pointer), "cuMemFree(weights)")), true)) {
            assumeTrue(cublas.usesCublas(), "cuBLAS does not load here (libcublas.so.12), so only the tensor-core"
                    + " kernel runs");
            assertLinearMatches(cublas);
        }
    }

    private static void assertLinearMatches(CudaBackend cuda) {
        KernelComparison.Failures failures = new KernelComparison.Failures();
        Random random = new Random(7);
        int[][] shapes = {{1, 32, 8}, {130, 100, 70}, {257, 384, 1536}, {64, 64, 64}, {3, 1000, 17}};
        for (int[] shape : shapes) {
            int n = shape[0];
            int in = shape[1];
            int out = shape[2];
            Tensor x = random(random, 1.0, n, in);
            Tensor weight = random(random, 1.0 / Math.sqrt(in), out, in);
            Tensor bias = random(random, 0.1, out);
            for (Activation activation : Activation.values()) {
                Tensor actual = Tensor.zeros(n, out);
                cuda.linear(x, cuda.prepareLinear(weight, bias), activation, actual);

                Tensor exact = Tensor.zeros(n, out);
                REFERENCE.linear(x, REFERENCE.prepareLinear(weight, bias), activation, exact);
                Tensor onBf16 = Tensor.zeros(n, out);
                LinearWeights rounded = REFERENCE.prepareLinear(bf16Rounded(weight), bias);
                REFERENCE.linear(bf16Rounded(x), rounded, activation, onBf16);

                double scale = Math.max(1.0, maxAbs(exact));
                String what = String.format("linear %s x %s -> %s, %s", n, in, out, activation);
                KernelComparison kernel = compare(actual, onBf16);
                failures.requireAtMost(what + ", against the reference on bf16 operands, scaled",
                        kernel.maxAbsError() / scale, FP32_TOLERANCE, kernel);
                KernelComparison storage = compare(actual, exact);
                failures.requireAtMost(what + ", against the fp32 reference, scaled", storage.maxAbsError() / scale,
                        BF16_TOLERANCE, storage);
            }
        }
        failures.assertNone();
    }

    @Test
    void layerNormWithAndWithoutResidualMatchesTheReference() {
        requireDevice();
        KernelComparison.Failures failures = new KernelComparison.Failures();
        Random random = new Random(11);
        for (int cols : new int[] {1, 32, 384, 768, 1000, 4096}) {
            Tensor x = random(random, 2.0, 37, cols);
            Tensor residual = random(random, 1.0, 37, cols);
            Tensor gamma = random(random, 1.0, cols);
            Tensor beta = random(random, 0.5, cols);
            for (Tensor r : new Tensor[] {null, residual}) {
                Tensor expected = Tensor.zeros(37, cols);
                REFERENCE.layerNorm(x, r, gamma, beta, 1e-12f, expected);
                Tensor actual = copy(x); // out aliasing x, as the encoder calls it
                backend.layerNorm(actual, r, gamma, beta, 1e-12f, actual);
                KernelComparison comparison = compare(actual, expected);
                failures.requireAtMost("layer norm of " + cols + " columns, residual " + (r != null),
                        comparison.scaledError(), FP32_TOLERANCE, comparison);
            }
        }
        failures.assertNone();
    }

    @Test
    void activationsMatchTheReference() {
        requireDevice();
        KernelComparison.Failures failures = new KernelComparison.Failures();
        Tensor x = random(new Random(13), 3.0, 300, 257);
        for (Activation activation : Activation.values()) {
            Tensor expected = copy(x);
            REFERENCE.activate(activation, expected);
            Tensor actual = copy(x);
            backend.activate(activation, actual);
            KernelComparison comparison = compare(actual, expected);
            failures.requireAtMost("activation " + activation, comparison.maxAbsError(), FP32_TOLERANCE, comparison);
        }
        failures.assertNone();
    }

    @Test
    void softmaxMatchesTheReferenceOnShortAndLongRows() {
        requireDevice();
        KernelComparison.Failures failures = new KernelComparison.Failures();
        for (int cols : new int[] {1, 7, 256, 1000, 151_936}) {
            Tensor x = random(new Random(cols), 4.0, 5, cols);
            Tensor expected = copy(x);
            REFERENCE.softmax(expected);
            Tensor actual = copy(x);
            backend.softmax(actual);
            KernelComparison comparison = compare(actual, expected);
            failures.requireAtMost("softmax of " + cols + " columns", comparison.maxAbsError(), FP32_TOLERANCE,
                    comparison);
        }
        failures.assertNone();
    }

    @Test
    void attentionMatchesTheReferenceAcrossTileBoundariesAndPadding() {
        requireDevice();
        KernelComparison.Failures failures = new KernelComparison.Failures();
        int[][] cases = {{1}, {1, 15, 16, 17, 31, 32, 33}, {100, 3, 64}, {257}};
        for (int heads : new int[] {1, 4, 12}) {
            for (int headDim : new int[] {8, 64, 128}) {
                for (int[] lengths : cases) {
                    int hidden = heads * headDim;
                    SequenceSpans packed = SequenceSpans.packed(lengths);
                    SequenceSpans padded = SequenceSpans.padded(packed.maxLength() + 3, lengths);
                    for (SequenceSpans spans : new SequenceSpans[] {packed, padded}) {
                        Tensor qkv = random(new Random(hidden + spans.rows()), 1.0, spans.rows(), 3 * hidden);
                        Tensor expected = Tensor.zeros(spans.rows(), hidden);
                        REFERENCE.attention(qkv, heads, spans, expected);
                        Tensor actual = random(new Random(1), 1.0, spans.rows(), hidden); // garbage to overwrite
                        backend.attention(qkv, heads, spans, actual);
                        KernelComparison comparison = compare(actual, expected);
                        failures.requireAtMost("attention, " + heads + " heads of " + headDim + ", spans " + spans,
                                comparison.maxAbsError(), FP32_TOLERANCE, comparison);
                    }
                }
            }
        }
        failures.assertNone();
    }

    @Test
    void gatherCopiesAndAccumulatesExactly() {
        requireDevice();
        Random random = new Random(17);
        Tensor table = random(random, 1.0, 1000, 96);
        int[] ids = new int[333];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = random.nextInt(1000);
        }
        Tensor start = random(random, 1.0, ids.length, 96);
        for (boolean accumulate : new boolean[] {false, true}) {
            Tensor expected = copy(start);
            REFERENCE.gather(table, ids, accumulate, expected);
            Tensor actual = copy(start);
            backend.gather(table, ids, accumulate, actual);
            KernelComparison comparison = compare(actual, expected);
            assertThat(comparison.maxAbsError()).as("gather, accumulate %s: %s", accumulate, comparison).isZero();
        }
    }

    @Test
    void poolingMatchesTheReferenceInEveryMode() {
        requireDevice();
        SequenceSpans spans = SequenceSpans.padded(40, 1, 39, 17, 40);
        KernelComparison.Failures failures = new KernelComparison.Failures();
        Tensor hidden = random(new Random(19), 1.0, spans.rows(), 384);
        for (PoolingMode mode : PoolingMode.values()) {
            for (boolean normalize : new boolean[] {false, true}) {
                Tensor expected = Tensor.zeros(spans.count(), 384);
                REFERENCE.pool(hidden, spans, mode, normalize, expected);
                Tensor actual = Tensor.zeros(spans.count(), 384);
                backend.pool(hidden, spans, mode, normalize, actual);
                KernelComparison comparison = compare(actual, expected);
                failures.requireAtMost("pooling " + mode + ", normalize " + normalize, comparison.maxAbsError(),
                        FP32_TOLERANCE, comparison);
            }
        }
        failures.assertNone();
    }

    /** RMSNorm, SwiGLU and SiLU serve the decoder; the Backend interface has no call for them, so they run here directly. */
    @Test
    void rmsNormSwigluAndSiluMatchTheDecoderReference() {
        requireDevice();
        backend.device().makeCurrent();
        ScalarDecoderOps ops = new ScalarDecoderOps();
        Random random = new Random(23);
        int rows = 19;
        int cols = 896;
        float[] x = random(random, 2.0, rows, cols).data();
        float[] residual = random(random, 1.0, rows, cols).data();
        float[] weight = random(random, 1.0, cols).data();
        float[] gate = random(random, 3.0, rows, cols).data();
        float[] up = random(random, 1.0, rows, cols).data();
        CUstream stream = new CUstream();
        CudaCheck.check(cuStreamCreate(stream, 0), "cuStreamCreate");
        List<CUdeviceptr> allocations = new ArrayList<>();
        try (CudaModule normModule = CudaModule.load(NormLauncher.FAMILY, stream);
                CudaModule activationModule = CudaModule.load(ActivationLauncher.FAMILY, stream)) {
            NormLauncher norm = new NormLauncher(normModule);
            ActivationLauncher activations = new ActivationLauncher(activationModule);

            float[] sum = new float[rows * cols];
            for (int i = 0; i < sum.length; i++) {
                sum[i] = x[i] + residual[i];
            }
            float[] expected = new float[rows * cols];
            ops.rmsNorm(sum, rows, weight, 1e-6, expected);
            DeviceTensor dx = upload(allocations, x, rows, cols);
            DeviceTensor dr = upload(allocations, residual, rows, cols);
            DeviceTensor dw = upload(allocations, weight, cols);
            DeviceTensor out = upload(allocations, new float[rows * cols], rows, cols);
            DeviceTensor stream0 = upload(allocations, new float[rows * cols], rows, cols);
            norm.rmsNorm(dx, dr, dw, 1e-6f, out, stream0);
            KernelComparison.Failures failures = new KernelComparison.Failures();
            KernelComparison norm0 = KernelComparison.of(download(stream, out), expected, cols);
            failures.requireAtMost("rms norm", norm0.maxAbsError(), FP32_TOLERANCE * 4, norm0);
            KernelComparison residualStream = KernelComparison.of(download(stream, stream0), sum, cols);
            failures.requireAtMost("rms norm's residual stream", residualStream.maxAbsError(), 0, residualStream);

            float[] swiglu = new float[rows * cols];
            ops.swiglu(gate, up, swiglu.length, swiglu);
            DeviceTensor dg = upload(allocations, gate, rows, cols);
            DeviceTensor du = upload(allocations, up, rows, cols);
            activations.swiglu(dg, du, dg); // in place, as the decoder calls it
            KernelComparison swigluComparison = KernelComparison.of(download(stream, dg), swiglu, cols);
            failures.requireAtMost("swiglu", swigluComparison.maxAbsError(), FP32_TOLERANCE, swigluComparison);

            float[] silu = new float[rows * cols];
            for (int i = 0; i < silu.length; i++) {
                silu[i] = (float) (gate[i] / (1 + Math.exp(-(double) gate[i])));
            }
            DeviceTensor ds = upload(allocations, gate, rows, cols);
            activations.activate(ds, ActivationCode.SILU);
            KernelComparison siluComparison = KernelComparison.of(download(stream, ds), silu, cols);
            failures.requireAtMost("silu", siluComparison.maxAbsError(), FP32_TOLERANCE, siluComparison);
            failures.assertNone();
        } finally {
            for (CUdeviceptr pointer : allocations) {
                CudaCheck.check(cuMemFree(pointer), "cuMemFree");
            }
            CudaCheck.check(cuStreamDestroy(stream), "cuStreamDestroy");
        }
    }

    private static DeviceTensor upload(List<CUdeviceptr> allocations, float[] values, int... shape) {
        CUdeviceptr pointer = new CUdeviceptr();
        CudaCheck.check(cuMemAlloc(pointer, 4L * values.length), "cuMemAlloc");
        allocations.add(pointer);
        CudaCheck.check(cuMemcpyHtoD(pointer, Pointer.to(values), 4L * values.length), "cuMemcpyHtoD");
        return new DeviceTensor(pointer, Type.F32, shape);
    }

    private static float[] download(CUstream stream, DeviceTensor tensor) {
        CudaCheck.check(cuStreamSynchronize(stream), "cuStreamSynchronize");
        float[] values = new float[(int) tensor.elements()];
        CudaCheck.check(cuMemcpyDtoH(Pointer.to(values), (CUdeviceptr) tensor.pointer(), 4L * values.length),
                "cuMemcpyDtoH");
        return values;
    }
}
