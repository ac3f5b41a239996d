package io.textintel.serving.backend.cuda;

import jcuda.driver.CUresult;
import jcuda.jcublas.cublasStatus;

/**
 * The one check every CUDA driver call's result goes through: anything but {@code CUDA_SUCCESS}
 * becomes a {@link CudaException} naming the call and the {@code CUresult}.
 *
 * <p>JCuda's own exceptions stay disabled ({@code JCudaDriver.setExceptionsEnabled(false)}, its
 * default), so every failure is reported here, the same way.
 */
public final class CudaCheck {

    private CudaCheck() {}

    /**
     * Throws unless {@code result} is {@code CUDA_SUCCESS}.
     *
     * @param result what the driver call returned
     * @param call the call with its salient arguments, e.g. {@code "cuMemAlloc(" + bytes + " bytes)"}
     * @throws CudaException naming the call and the {@code CUresult}
     */
    public static void check(int result, String call) {
        if (result != CUresult.CUDA_SUCCESS) {
            throw failure(result, call);
        }
    }

    /**
     * The same check for a cuBLAS call, whose results are {@code cublasStatus} values.
     *
     * @throws CudaException naming the call and the {@code cublasStatus}
     */
    public static void checkCublas(int status, String call) {
        if (status != cublasStatus.CUBLAS_STATUS_SUCCESS) {
            String name = cublasStatus.stringFor(status);
            CudaException.Kind kind = status == cublasStatus.CUBLAS_STATUS_ALLOC_FAILED
                    ? CudaException.Kind.OUT_OF_MEMORY
                    : CudaException.Kind.CALL;
            throw new CudaException(kind, call, name, call + " failed: " + name, null);
        }
    }

    /** The exception {@link #check} throws for {@code result}. */
    public static CudaException failure(int result, String call) {
        String name = CUresult.stringFor(result);
        return new CudaException(kindOf(result), call, name, call + " failed: " + name, null);
    }

    /** An exception of kind {@link CudaException.Kind#UNAVAILABLE} for a missing library or device. */
    static CudaException unavailable(String call, String reason, Throwable cause) {
        return new CudaException(CudaException.Kind.UNAVAILABLE, call, null, call + " failed: " + reason, cause);
    }

    static CudaException.Kind kindOf(int result) {
        switch (result) {
            case CUresult.CUDA_ERROR_OUT_OF_MEMORY:
                return CudaException.Kind.OUT_OF_MEMORY;
            case CUresult.CUDA_ERROR_NO_DEVICE:
            case CUresult.CUDA_ERROR_INVALID_DEVICE:
            case CUresult.CUDA_ERROR_NOT_INITIALIZED:
            case CUresult.CUDA_ERROR_NO_BINARY_FOR_GPU:
            case CUresult.CUDA_ERROR_UNSUPPORTED_PTX_VERSION:
            case CUresult.CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE:
                return CudaException.Kind.UNAVAILABLE;
            case CUresult.CUDA_ERROR_ILLEGAL_ADDRESS:
            case CUresult.CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES:
            case CUresult.CUDA_ERROR_LAUNCH_TIMEOUT:
            case CUresult.CUDA_ERROR_ASSERT:
            case CUresult.CUDA_ERROR_HARDWARE_STACK_ERROR:
            case CUresult.CUDA_ERROR_ILLEGAL_INSTRUCTION:
            case CUresult.CUDA_ERROR_MISALIGNED_ADDRESS:
            case CUresult.CUDA_ERROR_LAUNCH_FAILED:
                return CudaException.Kind.LAUNCH;
            default:
                return CudaException.Kind.CALL;
        }
    }
}
