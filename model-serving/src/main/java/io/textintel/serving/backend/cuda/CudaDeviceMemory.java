package io.textintel.serving.backend.cuda;

import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;

import jcuda.driver.CUdeviceptr;

/** Raw device memory through {@code cuMemAlloc} / {@code cuMemFree}, in the calling thread's current context. */
final class CudaDeviceMemory implements DeviceAllocator.Backing<CUdeviceptr> {

    @Override
    public CUdeviceptr allocate(long bytes) {
        CUdeviceptr pointer = new CUdeviceptr();
        CudaCheck.check(cuMemAlloc(pointer, bytes), "cuMemAlloc(" + bytes + " bytes)");
        return pointer;
    }

    @Override
    public void free(CUdeviceptr pointer) {
        CudaCheck.check(cuMemFree(pointer), "cuMemFree");
    }
}
