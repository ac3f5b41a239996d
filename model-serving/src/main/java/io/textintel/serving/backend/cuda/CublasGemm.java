package io.textintel.serving.backend.cuda;

import io.textintel.serving.backend.cuda.DeviceTensor.Type;
import jcuda.Pointer;
import jcuda.cudaDataType;
import jcuda.driver.CUstream;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasComputeType;
import jcuda.jcublas.cublasGemmAlgo;
import jcuda.jcublas.cublasHandle;
import jcuda.jcublas.cublasOperation;
import jcuda.runtime.cudaStream_t;

/**
 * The linear layer's GEMM through cuBLAS ({@code cublasGemmEx}, bf16 operands, fp32 output and
 * compute), the alternative to the tensor-core kernel where {@code libcublas.so.12} loads.
 *
 * <p>cuBLAS is column-major; a row-major {@code [m, n]} C is a column-major {@code [n, m]} Cᵀ, so
 * {@code C = A · Wᵀ} is computed as {@code Cᵀ = W · Aᵀ}: W (row-major {@code [n, k]}, i.e.
 * column-major {@code [k, n]}) transposed, times A (row-major {@code [m, k]}, column-major
 * {@code [k, m]}) as it is.
 */
final class CublasGemm implements AutoCloseable {

    private final cublasHandle handle;

    private CublasGemm(cublasHandle handle) {
        this.handle = handle;
    }

    /**
     * A cuBLAS handle on {@code stream} in the current context.
     *
     * @throws CudaException of kind {@link CudaException.Kind#UNAVAILABLE} if JCublas2 or
     *     {@code libcublas.so.12} cannot be loaded
     */
    static CublasGemm create(CUstream stream) {
        cublasHandle handle = new cublasHandle();
        try {
            JCublas2.setExceptionsEnabled(false);
            CudaCheck.checkCublas(JCublas2.cublasCreate(handle), "cublasCreate");
        } catch (LinkageError e) {
            throw CudaCheck.unavailable("loading cuBLAS", CudaAvailability.shortReason(e), e);
        }
        CudaCheck.checkCublas(JCublas2.cublasSetStream(handle, new cudaStream_t(stream)), "cublasSetStream");
        return new CublasGemm(handle);
    }

    /**
     * {@code c = a · wᵀ}.
     *
     * @param a {@code [m, k]} BF16
     * @param w {@code [n, k]} BF16
     * @param c {@code [m, n]} F32
     */
    void gemm(DeviceTensor a, DeviceTensor w, DeviceTensor c) {
        int m = a.rows();
        int k = a.cols();
        int n = w.rows();
        a.requireMatrix("a", Type.BF16, m, k);
        w.requireMatrix("w", Type.BF16, n, k);
        c.requireMatrix("c", Type.F32, m, n);
        if (m == 0 || n == 0) {
            return;
        }
        CudaCheck.checkCublas(JCublas2.cublasGemmEx(handle, cublasOperation.CUBLAS_OP_T, cublasOperation.CUBLAS_OP_N,
                n, m, k, Pointer.to(new float[] {1f}), w.pointer(), cudaDataType.CUDA_R_16BF, k, a.pointer(),
                cudaDataType.CUDA_R_16BF, k, Pointer.to(new float[] {0f}), c.pointer(), cudaDataType.CUDA_R_32F, n,
                cublasComputeType.CUBLAS_COMPUTE_32F, cublasGemmAlgo.CUBLAS_GEMM_DEFAULT),
                "cublasGemmEx(" + m + " x " + n + " x " + k + ")");
    }

    @Override
    public void close() {
        CudaCheck.checkCublas(JCublas2.cublasDestroy(handle), "cublasDestroy");
    }
}
