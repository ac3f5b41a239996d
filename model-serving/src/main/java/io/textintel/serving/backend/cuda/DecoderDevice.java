package io.textintel.serving.backend.cuda;

import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;

/**
 * Where {@link CudaDecoderOps} run: one device's context, one stream, the kernel families loaded on
 * it, and the copies between host and device. The seam that lets the ops' launch plans be tested
 * without a GPU (a fake records the launches and copies).
 */
interface DecoderDevice extends DeviceAllocator.Backing<CUdeviceptr>, AutoCloseable {

    /** The device's ordinal, part of the keys of weights shared through {@link DeviceWeights}. */
    int ordinal();

    /** Binds the device's context to the calling thread. */
    void makeCurrent();

    /** The launcher of kernel family {@code family} (e.g. {@code norm}) on this device's stream. */
    KernelLauncher module(String family);

    /** cuBLAS on this device's stream, or null where the tensor-core GEMM kernel runs. */
    CublasGemm cublas();

    /** Copies {@code bytes} from host memory to the device, ordered with the stream's work. */
    void toDevice(CUdeviceptr target, Pointer source, long bytes);

    /** Waits for the stream's work, then copies {@code bytes} from the device to host memory. */
    void toHost(Pointer target, CUdeviceptr source, long bytes);

    /** Releases the modules, cuBLAS, the stream and the context. */
    @Override
    void close();
}
