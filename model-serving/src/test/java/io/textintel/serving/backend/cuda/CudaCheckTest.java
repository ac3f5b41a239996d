package io.textintel.serving.backend.cuda;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jcuda.driver.CUresult;
import jcuda.jcublas.cublasStatus;
import org.junit.jupiter.api.Test;

class CudaCheckTest {

    @Test
    void successPasses() {
        assertThatCode(() -> CudaCheck.check(CUresult.CUDA_SUCCESS, "cuInit(0)")).doesNotThrowAnyException();
        assertThatCode(() -> CudaCheck.checkCublas(cublasStatus.CUBLAS_STATUS_SUCCESS, "cublasCreate"))
                .doesNotThrowAnyException();
    }

    @Test
    void aFailureNamesTheCallAndTheResult() {
        assertThatThrownBy(() -> CudaCheck.check(CUresult.CUDA_ERROR_OUT_OF_MEMORY, "cuMemAlloc(268435456 bytes)"))
                .isInstanceOfSatisfying(CudaException.class, e -> {
                    org.assertj.core.api.Assertions.assertThat(e.kind()).isEqualTo(CudaException.Kind.OUT_OF_MEMORY);
                    org.assertj.core.api.Assertions.assertThat(e.call()).isEqualTo("cuMemAlloc(268435456 bytes)");
                    org.assertj.core.api.Assertions.assertThat(e.result()).isEqualTo("CUDA_ERROR_OUT_OF_MEMORY");
                })
                .hasMessage("cuMemAlloc(268435456 bytes) failed: CUDA_ERROR_OUT_OF_MEMORY");
    }

    @Test
    void resultsAreSortedIntoKinds() {
        assertKind(CUresult.CUDA_ERROR_NO_DEVICE, CudaException.Kind.UNAVAILABLE);
        assertKind(CUresult.CUDA_ERROR_UNSUPPORTED_PTX_VERSION, CudaException.Kind.UNAVAILABLE);
        assertKind(CUresult.CUDA_ERROR_ILLEGAL_ADDRESS, CudaException.Kind.LAUNCH);
        assertKind(CUresult.CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES, CudaException.Kind.LAUNCH);
        assertKind(CUresult.CUDA_ERROR_INVALID_PTX, CudaException.Kind.CALL);
    }

    @Test
    void cublasFailuresNameTheStatus() {
        assertThatThrownBy(() -> CudaCheck.checkCublas(cublasStatus.CUBLAS_STATUS_ALLOC_FAILED, "cublasCreate"))
                .isInstanceOfSatisfying(CudaException.class, e -> org.assertj.core.api.Assertions
                        .assertThat(e.kind()).isEqualTo(CudaException.Kind.OUT_OF_MEMORY))
                .hasMessage("cublasCreate failed: CUBLAS_STATUS_ALLOC_FAILED");
    }

    private static void assertKind(int result, CudaException.Kind kind) {
        assertThatThrownBy(() -> CudaCheck.check(result, "call"))
                .isInstanceOfSatisfying(CudaException.class,
                        e -> org.assertj.core.api.Assertions.assertThat(e.kind()).isEqualTo(kind));
    }
}
