package io.textintel.serving.backend.cuda;

import io.textintel.serving.backend.Activation;
import io.textintel.serving.backend.DecoderOps;
import io.textintel.serving.backend.PagedAttentionBatch;
import io.textintel.serving.backend.cpu.HostKvCacheWriter;
import io.textintel.serving.backend.cpu.LinearShapes;
import io.textintel.serving.backend.cpu.RotaryKernel;
import io.textintel.serving.backend.cuda.DeviceTensor.Type;
import io.textintel.serving.kv.KvLayout;
import io.textintel.serving.kv.PagedKvCache;
import io.textintel.serving.weights.BFloat16;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;

/**
 * The CUDA backend's {@link DecoderOps}: the decoder's operations as the kernels of
 * {@code src/main/cuda} on one device, through the launchers that check their shapes.
 *
 * <p><b>Where data lives, and where it is copied.</b>
 * <ul>
 *   <li>Linear weights: bf16 on the device, uploaded once by {@link #prepareLinear} (shared with
 *       every CUDA backend of the JVM through {@link DeviceWeights}); biases and RMSNorm weights as
 *       fp32, uploaded on first use and kept, keyed by their arrays (the model's parameters are read-only).
 *   <li>The KV cache: a {@link DeviceKvMirror} per {@link PagedKvCache}, fp32 as the host's, made
 *       by one whole copy host to device the first time the ops see the cache, then kept in step by
 *       {@link #writeKeyValues}, which writes each pass's rows into the host arrays and, by
 *       {@code kv_cache_write_f32}, into the mirror. Attention reads only the mirror. So every write
 *       into such a cache must go through these ops; a mirror whose cache is closed is freed.
 *   <li>Activations: the contract's arrays are host arrays, so each operation copies its inputs to
 *       the device (into memory from a {@link DeviceAllocator}, reused from call to call), runs its
 *       kernels on the device's stream, waits, and copies its outputs back: a dozen round trips of
 *       the pass's activations per layer, the price of a host-array contract.
 * </ul>
 *
 * <p><b>Kernels.</b> Linear layers: the tensor-core kernel {@code gemm_bf16_bias_act} (bf16
 * operands, fp32 accumulation), or cuBLAS with {@code -Dtextintel.cuda.gemm=cublas} where JCublas2
 * and {@code libcublas.so.12} load. RMSNorm: {@code rms_norm_residual} without a residual.
 * SwiGLU: {@code swiglu}. Rotary: {@code rotary_embedding} with each chunk's inverse frequencies in
 * double. Attention, planned by {@link DecoderAttentionPlan}: chunks of one token on the split-K
 * decode kernel (partitions of {@value PagedAttentionLauncher#DEFAULT_PARTITION_SIZE} keys, the
 * reduce only where a context is longer), longer chunks on the prefill kernel, in one launch each.
 * Limits: a head dimension that is a multiple of 8 from 8 to 256, rows of at most
 * {@value NormLauncher#MAX_COLS} for RMSNorm.
 *
 * <p>Meant to agree with {@code ScalarDecoderOps} within the bf16 GEMM's rounding (weights and each
 * linear layer's input rounded to bf16) and the other operations within fp32 rounding, as
 * {@code CudaDecoderOpsContractGpuTest} and {@code CudaDecoderModelGpuTest} check on a GPU (they have
 * not run on one yet). Operations are serialised ({@code synchronized}) on one stream.
 */
public final class CudaDecoderOps implements DecoderOps {

    /** Keys per split-K decode partition. */
    static final int PARTITION_SIZE = PagedAttentionLauncher.DEFAULT_PARTITION_SIZE;

    private final DecoderDevice device;
    private final DeviceWeights<CUdeviceptr> weights;
    private final DeviceAllocator<CUdeviceptr> allocator;
    private final GemmLauncher gemm;
    private final NormLauncher norm;
    private final ActivationLauncher activations;
    private final RotaryLauncher rotary;
    private final PagedAttentionLauncher attention;
    private final CublasGemm cublas; // null: the tensor-core kernel
    private final List<DeviceWeights.Lease<CUdeviceptr>> leases = new ArrayList<>();
    private final Map<float[], DeviceWeights.Lease<CUdeviceptr>> parameters = new IdentityHashMap<>();
    private final List<DeviceKvMirror> mirrors = new ArrayList<>();
    private boolean closed;

    /** A linear layer as these ops prepared it: weight bf16 {@code [out, in]}, bias fp32 {@code [out]} or null. */
    private record DeviceLinear(CudaDecoderOps owner, DeviceWeights.Lease<CUdeviceptr> weight,
            DeviceWeights.Lease<CUdeviceptr> bias, int outFeatures, int inFeatures) implements Linear {}

    CudaDecoderOps(DecoderDevice device, DeviceWeights<CUdeviceptr> weights) {
        this.device = Objects.requireNonNull(device, "device");
        this.weights = Objects.requireNonNull(weights, "weights");
        this.allocator = new DeviceAllocator<>(device);
        this.gemm = new GemmLauncher(device.module(GemmLauncher.FAMILY));
        this.norm = new NormLauncher(device.module(NormLauncher.FAMILY));
        this.activations = new ActivationLauncher(device.module(ActivationLauncher.FAMILY));
        this.rotary = new RotaryLauncher(device.module(RotaryLauncher.FAMILY));
        this.attention = new PagedAttentionLauncher(device.module(PagedAttentionLauncher.FAMILY));
        this.cublas = device.cublas();
    }

    /**
     * Opens decoder ops on CUDA device {@code ordinal}, sharing weights through {@code weights},
     * with the GEMM {@link CudaBackend#GEMM_PROPERTY} chooses (as the encoder's backend).
     *
     * @throws CudaException of kind {@link CudaException.Kind#UNAVAILABLE} when the driver or the
     *     device is missing, or another kind when setting up the device fails
     */
    public static CudaDecoderOps open(int ordinal, DeviceWeights<CUdeviceptr> weights) {
        Objects.requireNonNull(weights, "weights");
        boolean useCublas = "cublas".equals(System.getProperty(CudaBackend.GEMM_PROPERTY, "kernel"));
        CudaDecoderDevice device = CudaDecoderDevice.open(ordinal, useCublas);
        try {
            return new CudaDecoderOps(device, weights);
        } catch (RuntimeException | Error e) {
            device.close();
            throw e;
        }
    }

    @Override
    public String name() {
        return "cuda";
    }

    /** Whether linear layers run on cuBLAS rather than the tensor-core kernel. */
    public boolean usesCublas() {
        return cublas != null;
    }

    /** Device bytes held by KV cache mirrors now. */
    public synchronized long kvMirrorBytes() {
        return mirrors.stream().mapToLong(DeviceKvMirror::bytes).sum();
    }

    @Override
    public synchronized Linear prepareLinear(String name, float[] weight, float[] bias, int out, int in) {
        LinearShapes.check(name, weight, bias, out, in);
        enter();
        DeviceWeights.Lease<CUdeviceptr> weightLease = weights.acquire(
                new DeviceWeights.Key(device.ordinal(), WeightFingerprint.of("bf16", weight, out, in)),
                2L * out * in, () -> uploadBf16(weight, out * in));
        leases.add(weightLease);
        DeviceWeights.Lease<CUdeviceptr> biasLease = null;
        if (bias != null) {
            biasLease = weights.acquire(new DeviceWeights.Key(device.ordinal(), WeightFingerprint.of("f32", bias, out)),
                    4L * out, () -> uploadFloats(bias, out));
            leases.add(biasLease);
        }
        return new DeviceLinear(this, weightLease, biasLease, out, in);
    }

    @Override
    public synchronized void linear(float[] x, int rows, Linear linear, float[] y) {
        if (!(linear instanceof DeviceLinear w) || w.owner() != this) {
            throw new IllegalArgumentException("linear layer " + linear.getClass().getSimpleName()
                    + " was not prepared by these CUDA decoder ops, expected one from their prepareLinear");
        }
        int in = w.inFeatures();
        int out = w.outFeatures();
        LinearShapes.checkCall(x, rows, in, y, out);
        if (rows == 0) {
            return;
        }
        enter();
        try (Call call = new Call()) {
            DeviceTensor a = call.upload(x, rows, in);
            DeviceTensor c = call.allocate(Type.F32, rows, out);
            DeviceTensor weight = new DeviceTensor(w.weight().pointer(), Type.BF16, out, in);
            DeviceTensor bias = w.bias() == null ? null : new DeviceTensor(w.bias().pointer(), Type.F32, out);
            if (cublas != null) {
                DeviceTensor aBf16 = call.allocate(Type.BF16, rows, in);
                gemm.toBf16(a, aBf16);
                cublas.gemm(aBf16, weight, c);
                gemm.biasActivation(c, bias, ActivationCode.of(Activation.NONE));
            } else {
                gemm.linear(a, weight, bias, ActivationCode.of(Activation.NONE), c);
            }
            call.download(c, y);
        }
    }

    @Override
    public synchronized void rmsNorm(float[] x, int rows, float[] weight, double eps, float[] out) {
        int hidden = weight.length;
        if (x.length < (long) rows * hidden || out.length < (long) rows * hidden) {
            throw new IllegalArgumentException("rmsNorm of " + rows + " rows of " + hidden + " over x of " + x.length
                    + " and out of " + out.length + " floats, expected at least " + (long) rows * hidden + " each");
        }
        if (rows == 0) {
            return;
        }
        enter();
        try (Call call = new Call()) {
            DeviceTensor xs = call.upload(x, rows, hidden);
            norm.rmsNorm(xs, null, parameter(weight), (float) eps, xs, null);
            call.download(xs, out);
        }
    }

    @Override
    public synchronized void swiglu(float[] gate, float[] up, int count, float[] out) {
        if (gate.length < count || up.length < count || out.length < count) {
            throw new IllegalArgumentException("swiglu of " + count + " values over gate of " + gate.length + ", up of "
                    + up.length + " and out of " + out.length + " floats, expected at least " + count + " each");
        }
        if (count == 0) {
            return;
        }
        enter();
        try (Call call = new Call()) {
            DeviceTensor g = call.upload(gate, count);
            DeviceTensor u = call.upload(up, count);
            activations.swiglu(g, u, g);
            call.download(g, out);
        }
    }

    @Override
    public synchronized void rotary(PagedAttentionBatch batch, float[] q, int heads, float[] k, int kvHeads,
            int headDim, double attentionFactor) {
        RotaryKernel.checkPass(batch, q, heads, k, kvHeads, headDim, attentionFactor);
        int tokens = batch.tokenCount();
        if (tokens == 0) {
            return;
        }
        int half = headDim / 2;
        int[] positions = new int[tokens];
        int[] chunkOfToken = new int[tokens];
        for (int t = 0; t < tokens; t++) {
            positions[t] = batch.position(t);
            chunkOfToken[t] = batch.chunkOfToken(t);
        }
        double[] frequencies = new double[batch.chunkCount() * half]; // [chunks, headDim / 2]
        for (int c = 0; c < batch.chunkCount(); c++) {
            System.arraycopy(batch.inverseFrequencies(c), 0, frequencies, c * half, half);
        }
        enter();
        try (Call call = new Call()) {
            DeviceTensor qs = call.upload(q, tokens, heads * headDim);
            DeviceTensor ks = call.upload(k, tokens, kvHeads * headDim);
            rotary.rotate(qs, ks, call.upload(positions, tokens), call.upload(chunkOfToken, tokens),
                    call.upload(frequencies, batch.chunkCount(), half), heads, kvHeads, attentionFactor);
            call.download(qs, q);
            call.download(ks, k);
        }
    }

    @Override
    public synchronized void writeKeyValues(PagedAttentionBatch batch, float[] k, float[] v, PagedKvCache cache,
            int layer) {
        requireLayout(cache.layout());
        HostKvCacheWriter.write(batch, k, v, cache, layer);
        enter();
        DeviceKvMirror mirror = existingMirror(cache);
        if (mirror == null) {
            mirrors.add(DeviceKvMirror.upload(cache, device)); // holds this pass's rows already
            return;
        }
        int tokens = batch.tokenCount();
        int width = cache.layout().positionStride();
        int[] slots = new int[tokens];
        for (int t = 0; t < tokens; t++) {
            slots[t] = batch.slot(t);
        }
        try (Call call = new Call()) {
            attention.writeKv(call.upload(k, tokens, width), call.upload(v, tokens, width), call.upload(slots, tokens),
                    mirror.keys(layer), mirror.values(layer));
        }
    }

    @Override
    public synchronized void attention(PagedAttentionBatch batch, float[] q, int heads, PagedKvCache cache, int layer,
            float[] out) {
        KvLayout layout = requireLayout(cache.layout());
        int headDim = layout.headDim();
        int width = heads * headDim;
        if (heads < 1 || heads % layout.kvHeads() != 0) {
            throw new IllegalArgumentException("attention heads " + heads + " are not a multiple of the cache's "
                    + layout.kvHeads() + " key/value heads, expected a multiple >= 1");
        }
        if (q.length < (long) batch.tokenCount() * width || out.length < (long) batch.tokenCount() * width) {
            throw new IllegalArgumentException("attention q of " + q.length + " and out of " + out.length
                    + " floats, expected at least [" + batch.tokenCount() + ", " + width + "] each");
        }
        if (batch.blockSize() != cache.blockSize()) {
            throw new IllegalArgumentException("batch planned for blocks of " + batch.blockSize()
                    + " positions, expected the cache's " + cache.blockSize());
        }
        DecoderAttentionPlan plan = DecoderAttentionPlan.of(batch);
        enter();
        DeviceKvMirror mirror = mirror(cache);
        DeviceTensor keys = mirror.keys(layer);
        DeviceTensor values = mirror.values(layer);
        DecoderAttentionPlan.Group decode = plan.decode();
        if (decode.rows() > 0) {
            try (Call call = new Call()) {
                DeviceTensor qs = call.upload(gather(q, decode.tokens(), width), decode.rows(), width);
                DeviceTensor ys = call.allocate(Type.F32, decode.rows(), width);
                int partitions = PagedAttentionLauncher.partitions(decode.maxContextLen(), PARTITION_SIZE);
                PagedAttentionLauncher.DecodeWorkspace workspace = partitions == 1 ? null
                        : new PagedAttentionLauncher.DecodeWorkspace(
                                call.allocate(Type.F32, PagedAttentionLauncher.workspaceShape(decode.rows(), heads,
                                        headDim, partitions)),
                                call.allocate(Type.F32, decode.rows() * heads, partitions),
                                call.allocate(Type.F32, decode.rows() * heads, partitions));
                attention.decode(qs, keys, values, call.upload(decode.blockTables(), decode.chunks(),
                        decode.tableStride()), call.upload(decode.contextLens(), decode.chunks()),
                        decode.maxContextLen(), PARTITION_SIZE, heads, workspace, ys);
                scatter(call.downloadAll(ys, decode.rows() * width), decode.tokens(), width, out);
            }
        }
        DecoderAttentionPlan.Group prefill = plan.prefill();
        if (prefill.rows() > 0) {
            try (Call call = new Call()) {
                DeviceTensor qs = call.upload(gather(q, prefill.tokens(), width), prefill.rows(), width);
                DeviceTensor ys = call.allocate(Type.F32, prefill.rows(), width);
                attention.prefill(qs, keys, values, call.upload(prefill.blockTables(), prefill.chunks(),
                        prefill.tableStride()), call.upload(prefill.chunkTokenStart(), prefill.chunks() + 1),
                        call.upload(prefill.chunkStartPosition(), prefill.chunks()), prefill.maxChunkTokens(), heads,
                        ys);
                scatter(call.downloadAll(ys, prefill.rows() * width), prefill.tokens(), width, out);
            }
        }
    }

    /** Releases the weight leases, the KV mirrors, the temporary memory and the device. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        device.makeCurrent();
        List<AutoCloseable> resources = new ArrayList<>(leases);
        resources.addAll(parameters.values());
        resources.addAll(mirrors);
        resources.add(allocator);
        resources.add(device);
        resources.add(mirrors::clear);
        Closing.closeAll(resources, "the CUDA decoder ops on " + device);
    }

    @Override
    public String toString() {
        return "CudaDecoderOps[" + device + "]";
    }

    /**
     * Checks a cache layout against the kernels' limits.
     *
     * @throws IllegalArgumentException naming the head dimension when it is not a multiple of 8 from 8 to 256
     */
    static KvLayout requireLayout(KvLayout layout) {
        int headDim = layout.headDim();
        if (headDim < 8 || headDim % 8 != 0 || headDim > PagedAttentionLauncher.MAX_HEAD_DIM) {
            throw new IllegalArgumentException("KV cache layout " + layout + " has head dimension " + headDim
                    + ", expected a multiple of 8 from 8 to " + PagedAttentionLauncher.MAX_HEAD_DIM
                    + " for the CUDA decoder kernels; run this model on backend 'cpu'");
        }
        return layout;
    }

    private void enter() {
        if (closed) {
            throw new IllegalStateException("CUDA decoder ops are closed, expected calls before close()");
        }
        device.makeCurrent();
    }

    /** The mirror of {@code cache}, made (one whole copy up) if there is none; stale mirrors are freed first. */
    private DeviceKvMirror mirror(PagedKvCache cache) {
        DeviceKvMirror mirror = existingMirror(cache);
        if (mirror == null) {
            mirror = DeviceKvMirror.upload(cache, device);
            mirrors.add(mirror);
        }
        return mirror;
    }

    private DeviceKvMirror existingMirror(PagedKvCache cache) {
        DeviceKvMirror found = null;
        for (Iterator<DeviceKvMirror> it = mirrors.iterator(); it.hasNext();) {
            DeviceKvMirror mirror = it.next();
            if (mirror.stale()) {
                mirror.close();
                it.remove();
            } else if (mirror.mirrors(cache)) {
                found = mirror;
            }
        }
        return found;
    }

    /** An fp32 parameter resident on the device, uploaded on its first use. */
    private DeviceTensor parameter(float[] values) {
        DeviceWeights.Lease<CUdeviceptr> lease = parameters.get(values);
        if (lease == null) {
            lease = weights.acquire(new DeviceWeights.Key(device.ordinal(), WeightFingerprint.of("f32", values,
                    values.length)), 4L * values.length, () -> uploadFloats(values, values.length));
            parameters.put(values, lease);
        }
        return new DeviceTensor(lease.pointer(), Type.F32, values.length);
    }

    private CUdeviceptr uploadBf16(float[] values, int count) {
        short[] bits = new short[count];
        for (int i = 0; i < count; i++) {
            bits[i] = BFloat16.fromFloat(values[i]);
        }
        CUdeviceptr pointer = device.allocate(2L * Math.max(count, 1));
        device.toDevice(pointer, Pointer.to(bits), 2L * count);
        return pointer;
    }

    private CUdeviceptr uploadFloats(float[] values, int count) {
        CUdeviceptr pointer = device.allocate(4L * Math.max(count, 1));
        device.toDevice(pointer, Pointer.to(values), 4L * count);
        return pointer;
    }

    /** Rows {@code tokens} of {@code x [.., width]}, in that order. */
    private static float[] gather(float[] x, int[] tokens, int width) {
        float[] rows = new float[tokens.length * width];
        for (int r = 0; r < tokens.length; r++) {
            System.arraycopy(x, tokens[r] * width, rows, r * width, width);
        }
        return rows;
    }

    /** Row {@code r} of {@code rows} into row {@code tokens[r]} of {@code out}. */
    private static void scatter(float[] rows, int[] tokens, int width, float[] out) {
        for (int r = 0; r < tokens.length; r++) {
            System.arraycopy(rows, r * width, out, tokens[r] * width, width);
        }
    }

    /** The temporary device memory of one operation, returned to the allocator when it ends, and its copies. */
    private final class Call extends CallMemory {

        Call() {
            super(allocator);
        }

        /** The first {@code product(shape)} floats of {@code values} as a device tensor of {@code shape}. */
        DeviceTensor upload(float[] values, int... shape) {
            DeviceTensor target = allocate(Type.F32, shape);
            device.toDevice((CUdeviceptr) target.pointer(), Pointer.to(values), target.bytes());
            return target;
        }

        DeviceTensor upload(int[] values, int... shape) {
            DeviceTensor target = allocate(Type.I32, shape);
            device.toDevice((CUdeviceptr) target.pointer(), Pointer.to(values), target.bytes());
            return target;
        }

        DeviceTensor upload(double[] values, int... shape) {
            DeviceTensor target = allocate(Type.F64, shape);
            device.toDevice((CUdeviceptr) target.pointer(), Pointer.to(values), target.bytes());
            return target;
        }

        /** Waits for the stream, then copies {@code source} into the start of {@code target} (as much as fits). */
        void download(DeviceTensor source, float[] target) {
            device.toHost(Pointer.to(target), (CUdeviceptr) source.pointer(),
                    Math.min(source.bytes(), 4L * target.length));
        }

        /** Waits for the stream, then copies {@code source}'s first {@code count} floats into a new array. */
        float[] downloadAll(DeviceTensor source, int count) {
            float[] target = new float[count];
            device.toHost(Pointer.to(target), (CUdeviceptr) source.pointer(), 4L * count);
            return target;
        }
    }
}
