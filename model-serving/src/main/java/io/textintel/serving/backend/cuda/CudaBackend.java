package io.textintel.serving.backend.cuda;

import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;
import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamDestroy;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

import io.textintel.serving.backend.Activation;
import io.textintel.serving.backend.Backend;
import io.textintel.serving.backend.BatchLayout;
import io.textintel.serving.backend.LinearWeights;
import io.textintel.serving.backend.cpu.ShapeChecks;
import io.textintel.serving.backend.cuda.DeviceTensor.Type;
import io.textintel.serving.config.PoolingMode;
import io.textintel.serving.tensor.SequenceSpans;
import io.textintel.serving.tensor.Tensor;
import io.textintel.serving.weights.BFloat16;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CUDA backend: the encoder's operations as kernels on one device, weights resident in bf16.
 *
 * <p><b>Data flow.</b> The {@link Backend} interface takes host {@link Tensor}s, so every call
 * copies its activations in, runs its kernel(s) on this backend's stream, and copies the result
 * out; only parameters stay on the device: linear layers as bf16 ({@link #prepareLinear}, shared
 * with every backend of the JVM through {@link DeviceWeights}), and the gather tables and
 * LayerNorm scales and shifts as fp32, uploaded on their first use and kept until {@link #close()}
 * keyed by their arrays: a caller must not change such a tensor in place after passing it (the
 * encoder's parameters are read-only). A device-resident activation path would need the model to
 * hold device tensors between operations: a device-tensor type in the Backend interface (or a
 * {@code forward} the backend runs whole), the activations allocated from {@link DeviceAllocator}
 * per batch, and one copy in (ids, spans) and one out (pooled vectors) per forward pass.
 *
 * <p><b>GEMM.</b> Linear layers run on this project's tensor-core kernel ({@code gemm_bf16.cu}:
 * bf16 operands, fp32 accumulation, bias and activation fused); with the documented switch
 * {@code -Dtextintel.cuda.gemm=cublas} they run on cuBLAS {@code cublasGemmEx} where JCublas2 and
 * {@code libcublas.so.12} load (falling back to the kernel, with a warning, where they do not).
 *
 * <p>Operations are serialised on one stream; the parallelism is on the device. Temporary device
 * memory comes from a {@link DeviceAllocator} and is reused from call to call.
 */
public final class CudaBackend implements Backend {

    private static final Logger LOG = LoggerFactory.getLogger(CudaBackend.class);

    /** The documented switch choosing the GEMM: {@code kernel} (the default) or {@code cublas}. */
    public static final String GEMM_PROPERTY = "textintel.cuda.gemm";

    private final CudaDevice device;
    private final DeviceWeights<CUdeviceptr> weights;
    private final CUstream stream;
    private final DeviceAllocator<CUdeviceptr> allocator;
    private final List<CudaModule> modules = new ArrayList<>();
    private final GemmLauncher gemm;
    private final NormLauncher norm;
    private final ActivationLauncher activations;
    private final SoftmaxLauncher softmax;
    private final EmbeddingLauncher embedding;
    private final EncoderAttentionLauncher attention;
    private final PoolingLauncher pooling;
    private final CublasGemm cublas; // null: the tensor-core kernel
    private final Map<float[], DeviceWeights.Lease<CUdeviceptr>> parameters = new IdentityHashMap<>();
    private final List<DeviceWeights.Lease<CUdeviceptr>> linearLeases = new ArrayList<>();
    private boolean closed;

    private CudaBackend(CudaDevice device, DeviceWeights<CUdeviceptr> weights, boolean useCublas) {
        this.device = device;
        this.weights = weights;
        this.stream = new CUstream();
        // a blocking stream (flag 0): the synchronous copies, on the legacy default stream, are ordered with it
        CudaCheck.check(cuStreamCreate(stream, 0), "cuStreamCreate");
        this.allocator = new DeviceAllocator<>(new CudaDeviceMemory());
        this.gemm = new GemmLauncher(module(GemmLauncher.FAMILY));
        this.norm = new NormLauncher(module(NormLauncher.FAMILY));
        this.activations = new ActivationLauncher(module(ActivationLauncher.FAMILY));
        this.softmax = new SoftmaxLauncher(module(SoftmaxLauncher.FAMILY));
        this.embedding = new EmbeddingLauncher(module(EmbeddingLauncher.FAMILY));
        this.attention = new EncoderAttentionLauncher(module(EncoderAttentionLauncher.FAMILY));
        this.pooling = new PoolingLauncher(module(PoolingLauncher.FAMILY));
        this.cublas = useCublas ? tryCublas(stream) : null;
    }

    /**
     * Opens a backend on CUDA device {@code ordinal}, sharing weights through {@code weights}, with
     * the GEMM {@link #GEMM_PROPERTY} chooses.
     *
     * @throws CudaException of kind {@link CudaException.Kind#UNAVAILABLE} when the driver or the
     *     device is missing, or another kind when setting up the device fails
     */
    public static CudaBackend open(int ordinal, DeviceWeights<CUdeviceptr> weights) {
        return open(ordinal, weights, "cublas".equals(System.getProperty(GEMM_PROPERTY, "kernel")));
    }

    /** As {@link #open(int, DeviceWeights)}, choosing cuBLAS for the GEMM with {@code useCublas}. */
    public static CudaBackend open(int ordinal, DeviceWeights<CUdeviceptr> weights, boolean useCublas) {
        Objects.requireNonNull(weights, "weights");
        CudaDevice device = CudaDevice.open(ordinal);
        try {
            return new CudaBackend(device, weights, useCublas);
        } catch (RuntimeException | Error e) {
            // the last release of the primary context frees what the constructor made; with other
            // backends on the device, a stream or module made before the failure stays until they close
            device.close();
            throw e;
        }
    }

    private CudaModule module(String family) {
        CudaModule module = CudaModule.load(family, stream);
        modules.add(module);
        return module;
    }

    private static CublasGemm tryCublas(CUstream stream) {
        try {
            return CublasGemm.create(stream);
        } catch (CudaException e) {
            LOG.warn("cuBLAS was asked for ({}=cublas) but does not load, so the tensor-core GEMM kernel runs: {}",
                    GEMM_PROPERTY, e.getMessage());
            return null;
        }
    }

    /** The device this backend runs on. */
    public CudaDevice device() {
        return device;
    }

    /** Whether linear layers run on cuBLAS rather than the tensor-core kernel. */
    public boolean usesCublas() {
        return cublas != null;
    }

    /** The temporary-memory allocator's counters. */
    public DeviceAllocator.Stats allocatorStats() {
        return allocator.stats();
    }

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public BatchLayout batchLayout() {
        return BatchLayout.PACKED;
    }

    @Override
    public synchronized LinearWeights prepareLinear(Tensor weight, Tensor bias) {
        Objects.requireNonNull(weight, "weight");
        if (weight.rank() != 2) {
            throw new IllegalArgumentException("tensor weight has shape " + java.util.Arrays.toString(weight.shape())
                    + ", expected [out, in]");
        }
        int out = weight.dim(0);
        int in = weight.dim(1);
        if (bias != null) {
            ShapeChecks.requireVector("bias", bias, out);
        }
        enter();
        DeviceWeights.Lease<CUdeviceptr> weightLease = weights.acquire(
                new DeviceWeights.Key(device.ordinal(), WeightFingerprint.of("bf16", weight.data(), out, in)),
                2L * out * in, () -> uploadBf16(weight.data(), out * in));
        linearLeases.add(weightLease);
        DeviceWeights.Lease<CUdeviceptr> biasLease = null;
        if (bias != null) {
            biasLease = weights.acquire(new DeviceWeights.Key(device.ordinal(),
                    WeightFingerprint.of("f32", bias.data(), out)), 4L * out, () -> uploadFloats(bias.data(), out));
            linearLeases.add(biasLease);
        }
        return new CudaLinear(this, weightLease, biasLease, in, out);
    }

    @Override
    public synchronized void linear(Tensor x, LinearWeights weights, Activation activation, Tensor out) {
        ShapeChecks.requireLinear(x, weights, out);
        CudaLinear linear = CudaLinear.cast(weights, this);
        enter();
        try (Call call = new Call()) {
            DeviceTensor a = call.upload(x);
            DeviceTensor c = call.allocate(Type.F32, x.rows(), linear.outFeatures());
            DeviceTensor w = new DeviceTensor(linear.weight().pointer(), Type.BF16, linear.outFeatures(),
                    linear.inFeatures());
            DeviceTensor bias = linear.bias() == null
                    ? null
                    : new DeviceTensor(linear.bias().pointer(), Type.F32, linear.outFeatures());
            if (cublas != null) {
                DeviceTensor aBf16 = call.allocate(Type.BF16, x.rows(), linear.inFeatures());
                gemm.toBf16(a, aBf16);
                cublas.gemm(aBf16, w, c);
                gemm.biasActivation(c, bias, ActivationCode.of(activation));
            } else {
                gemm.linear(a, w, bias, ActivationCode.of(activation), c);
            }
            call.download(c, out);
        }
    }

    @Override
    public synchronized void layerNorm(Tensor x, Tensor residual, Tensor gamma, Tensor beta, float epsilon,
            Tensor out) {
        ShapeChecks.requireLayerNorm(x, residual, gamma, beta, epsilon, out);
        enter();
        try (Call call = new Call()) {
            DeviceTensor xs = call.upload(x);
            DeviceTensor rs = residual == null ? null : call.upload(residual);
            DeviceTensor ys = call.allocate(Type.F32, x.rows(), x.cols());
            norm.layerNorm(xs, rs, parameter(gamma), parameter(beta), epsilon, ys);
            call.download(ys, out);
        }
    }

    @Override
    public synchronized void activate(Activation activation, Tensor x) {
        Objects.requireNonNull(activation, "activation");
        enter();
        try (Call call = new Call()) {
            DeviceTensor xs = call.upload(x);
            activations.activate(xs, ActivationCode.of(activation));
            call.download(xs, x);
        }
    }

    @Override
    public synchronized void softmax(Tensor x) {
        enter();
        try (Call call = new Call()) {
            DeviceTensor xs = call.upload(x);
            softmax.softmax(xs);
            call.download(xs, x);
        }
    }

    @Override
    public synchronized void attention(Tensor qkv, int heads, SequenceSpans spans, Tensor bias, Tensor out) {
        ShapeChecks.requireAttention(qkv, heads, spans, out);
        if (bias != null) {
            // the fused encoder attention kernel has no bias input; adding one after it would be wrong
            throw new IllegalArgumentException("backend " + name() + " cannot add an attention bias (MPNet's"
                    + " relative position bias), expected a bias of null; run such models on the cpu backend");
        }
        enter();
        try (Call call = new Call()) {
            DeviceTensor q = call.upload(qkv);
            DeviceTensor starts = call.upload(spans.starts());
            DeviceTensor lengths = call.upload(spans.lengths());
            DeviceTensor ys = call.allocate(Type.F32, out.rows(), out.cols());
            attention.attention(q, starts, lengths, spans.maxLength(), heads, ys);
            call.download(ys, out);
        }
    }

    @Override
    public synchronized void gather(Tensor table, int[] ids, boolean accumulate, Tensor out) {
        ShapeChecks.requireGather(table, ids, out);
        enter();
        try (Call call = new Call()) {
            DeviceTensor deviceIds = call.upload(ids);
            DeviceTensor ys = accumulate ? call.upload(out) : call.allocate(Type.F32, out.rows(), out.cols());
            embedding.gather(parameter(table), deviceIds, accumulate, ys);
            call.download(ys, out);
        }
    }

    @Override
    public synchronized void pool(Tensor hidden, SequenceSpans spans, PoolingMode mode, boolean normalize,
            Tensor out) {
        ShapeChecks.requirePool(hidden, spans, out);
        Objects.requireNonNull(mode, "mode");
        enter();
        try (Call call = new Call()) {
            DeviceTensor hs = call.upload(hidden);
            DeviceTensor starts = call.upload(spans.starts());
            DeviceTensor lengths = call.upload(spans.lengths());
            DeviceTensor ys = call.allocate(Type.F32, out.rows(), out.cols());
            pooling.pool(hs, starts, lengths, mode, normalize, ys);
            call.download(ys, out);
        }
    }

    /** Releases this backend's weight leases, temporary memory, modules, stream and context. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        device.makeCurrent();
        closed = true;
        List<AutoCloseable> resources = new ArrayList<>(linearLeases);
        resources.addAll(parameters.values());
        resources.add(allocator);
        if (cublas != null) {
            resources.add(cublas);
        }
        resources.addAll(modules);
        resources.add(() -> CudaCheck.check(cuStreamDestroy(stream), "cuStreamDestroy"));
        resources.add(device::close);
        Closing.closeAll(resources, "the CUDA backend on " + device);
    }

    @Override
    public String toString() {
        return "CudaBackend[" + device + ", gemm=" + (cublas != null ? "cublas" : "kernel") + "]";
    }

    private void enter() {
        if (closed) {
            throw new IllegalStateException("CUDA backend is closed, expected calls before close()");
        }
        device.makeCurrent();
    }

    /** A parameter tensor resident on the device as fp32, uploaded on its first use. */
    private DeviceTensor parameter(Tensor tensor) {
        DeviceWeights.Lease<CUdeviceptr> lease = parameters.get(tensor.data());
        if (lease == null || lease.bytes() < 4L * tensor.size()) {
            if (lease != null) {
                lease.close();
            }
            float[] data = tensor.data();
            int count = tensor.size();
            lease = weights.acquire(new DeviceWeights.Key(device.ordinal(),
                    WeightFingerprint.of("f32", data, count)), 4L * count, () -> uploadFloats(data, count));
            parameters.put(data, lease);
        }
        return new DeviceTensor(lease.pointer(), Type.F32, tensor.shape());
    }

    private static CUdeviceptr uploadBf16(float[] values, int count) {
        short[] bits = new short[count];
        for (int i = 0; i < count; i++) {
            bits[i] = BFloat16.fromFloat(values[i]);
        }
        CUdeviceptr pointer = new CudaDeviceMemory().allocate(2L * Math.max(count, 1));
        CudaCheck.check(cuMemcpyHtoD(pointer, Pointer.to(bits), 2L * count), "cuMemcpyHtoD(" + 2L * count + " bytes)");
        return pointer;
    }

    private static CUdeviceptr uploadFloats(float[] values, int count) {
        CUdeviceptr pointer = new CudaDeviceMemory().allocate(4L * Math.max(count, 1));
        CudaCheck.check(cuMemcpyHtoD(pointer, Pointer.to(values), 4L * count), "cuMemcpyHtoD(" + 4L * count + " bytes)");
        return pointer;
    }

    /** The temporary device memory of one operation, returned to the allocator when it ends, and its copies. */
    private final class Call extends CallMemory {

        Call() {
            super(allocator);
        }

        DeviceTensor upload(Tensor tensor) {
            DeviceTensor target = allocate(Type.F32, tensor.rows(), tensor.cols());
            if (tensor.size() > 0) {
                CudaCheck.check(cuMemcpyHtoD((CUdeviceptr) target.pointer(), Pointer.to(tensor.data()),
                        4L * tensor.size()), "cuMemcpyHtoD(" + 4L * tensor.size() + " bytes)");
            }
            return target;
        }

        DeviceTensor upload(int[] values) {
            DeviceTensor target = allocate(Type.I32, values.length);
            if (values.length > 0) {
                CudaCheck.check(cuMemcpyHtoD((CUdeviceptr) target.pointer(), Pointer.to(values), 4L * values.length),
                        "cuMemcpyHtoD(" + 4L * values.length + " bytes)");
            }
            return target;
        }

        /** Waits for the stream, then copies {@code source} into {@code target}'s covered elements. */
        void download(DeviceTensor source, Tensor target) {
            CudaCheck.check(cuStreamSynchronize(stream), "cuStreamSynchronize");
            if (target.size() > 0) {
                CudaCheck.check(cuMemcpyDtoH(Pointer.to(target.data()), (CUdeviceptr) source.pointer(),
                        4L * target.size()), "cuMemcpyDtoH(" + 4L * target.size() + " bytes)");
            }
        }
    }
}
