package io.textintel.serving.backend.cuda;

import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;
import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamDestroy;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link DecoderDevice} of a real GPU: a {@link CudaDevice}'s primary context, a blocking
 * stream (so the synchronous copies, on the legacy default stream, are ordered with its kernels),
 * the committed PTX modules loaded on first use, and cuBLAS where it was asked for and loads.
 */
final class CudaDecoderDevice implements DecoderDevice {

    private static final Logger LOG = LoggerFactory.getLogger(CudaDecoderDevice.class);

    private final CudaDevice device;
    private final CUstream stream = new CUstream();
    private final CudaDeviceMemory memory = new CudaDeviceMemory();
    private final Map<String, CudaModule> modules = new HashMap<>();
    private final CublasGemm cublas; // null: the tensor-core kernel

    private CudaDecoderDevice(CudaDevice device, boolean useCublas) {
        this.device = device;
        CudaCheck.check(cuStreamCreate(stream, 0), "cuStreamCreate");
        this.cublas = useCublas ? tryCublas(stream) : null;
    }

    /**
     * Opens device {@code ordinal}.
     *
     * @throws CudaException of kind {@link CudaException.Kind#UNAVAILABLE} when the driver or the device is missing
     */
    static CudaDecoderDevice open(int ordinal, boolean useCublas) {
        CudaDevice device = CudaDevice.open(ordinal);
        try {
            return new CudaDecoderDevice(device, useCublas);
        } catch (RuntimeException | Error e) {
            device.close();
            throw e;
        }
    }

    private static CublasGemm tryCublas(CUstream stream) {
        try {
            return CublasGemm.create(stream);
        } catch (CudaException e) {
            LOG.warn("cuBLAS was asked for ({}=cublas) but does not load, so the decoder's linear layers run on the"
                    + " tensor-core GEMM kernel: {}", CudaBackend.GEMM_PROPERTY, e.getMessage());
            return null;
        }
    }

    /** The device, for logs. */
    CudaDevice device() {
        return device;
    }

    @Override
    public int ordinal() {
        return device.ordinal();
    }

    @Override
    public void makeCurrent() {
        device.makeCurrent();
    }

    @Override
    public synchronized KernelLauncher module(String family) {
        return modules.computeIfAbsent(family, f -> CudaModule.load(f, stream));
    }

    @Override
    public CublasGemm cublas() {
        return cublas;
    }

    @Override
    public CUdeviceptr allocate(long bytes) {
        return memory.allocate(bytes);
    }

    @Override
    public void free(CUdeviceptr pointer) {
        memory.free(pointer);
    }

    @Override
    public void toDevice(CUdeviceptr target, Pointer source, long bytes) {
        if (bytes > 0) {
            CudaCheck.check(cuMemcpyHtoD(target, source, bytes), "cuMemcpyHtoD(" + bytes + " bytes)");
        }
    }

    @Override
    public void toHost(Pointer target, CUdeviceptr source, long bytes) {
        CudaCheck.check(cuStreamSynchronize(stream), "cuStreamSynchronize");
        if (bytes > 0) {
            CudaCheck.check(cuMemcpyDtoH(target, source, bytes), "cuMemcpyDtoH(" + bytes + " bytes)");
        }
    }

    @Override
    public synchronized void close() {
        device.makeCurrent();
        List<AutoCloseable> resources = new ArrayList<>();
        if (cublas != null) {
            resources.add(cublas);
        }
        resources.addAll(modules.values());
        resources.add(() -> CudaCheck.check(cuStreamDestroy(stream), "cuStreamDestroy"));
        resources.add(modules::clear);
        resources.add(device::close);
        Closing.closeAll(resources, "the CUDA decoder ops on " + device);
    }

    @Override
    public String toString() {
        return device + ", gemm=" + (cublas != null ? "cublas" : "kernel");
    }
}
