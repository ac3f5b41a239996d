package io.textintel.serving.backend.cuda;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.textintel.serving.backend.DecoderOps;
import io.textintel.serving.backend.DecoderOpsContract;
import org.junit.jupiter.api.Tag;

/**
 * The contract on {@link CudaDecoderOps} on device 0, the tensor-core GEMM. Tolerances: linear
 * layers 1e-2 of the largest |output| (bf16 operands: 2^-8 relative rounding of each weight and
 * activation, fp32 accumulation); RMSNorm, SwiGLU and attention 1e-5 relative plus absolute (fp32
 * throughout, the f32 KV mirror; only summation order differs); rotary 4 ulp of 1.0 (cos / sin
 * in double on the device, rounded once). Needs a CUDA device; skipped, saying why, without one.
 */
@Tag("gpu")
class CudaDecoderOpsContractGpuTest extends DecoderOpsContract {

    @Override
    protected DecoderOps createOps() {
        CudaAvailability cuda = CudaAvailability.probe();
        assumeTrue(cuda.available(), "no CUDA device: " + cuda.reason());
        return CudaDecoderOps.open(0, new DeviceWeights<>(
                pointer -> CudaCheck.check(jcuda.driver.JCudaDriver.cuMemFree(pointer), "cuMemFree(weights)")));
    }

    @Override
    protected double linearTolerance() {
        return 1e-2;
    }

    @Override
    protected double rotaryTolerance() {
        return 4 * Math.ulp(1.0f);
    }

    @Override
    protected double fp32Tolerance() {
        return 1e-5;
    }
}
