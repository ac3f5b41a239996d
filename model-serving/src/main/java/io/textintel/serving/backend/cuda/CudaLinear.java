package io.textintel.serving.backend.cuda;

import io.textintel.serving.backend.LinearWeights;
import jcuda.driver.CUdeviceptr;

/**
 * A linear layer prepared by a {@link CudaBackend}: its weight as bf16 {@code [out, in]} and its
 * bias as fp32 {@code [out]} on the device, held through {@link DeviceWeights} leases that the
 * backend releases when it closes.
 */
final class CudaLinear implements LinearWeights {

    private final CudaBackend owner;
    private final DeviceWeights.Lease<CUdeviceptr> weight; // [out, in] bf16
    private final DeviceWeights.Lease<CUdeviceptr> bias; // [out] f32, or null
    private final int in;
    private final int out;

    CudaLinear(CudaBackend owner, DeviceWeights.Lease<CUdeviceptr> weight, DeviceWeights.Lease<CUdeviceptr> bias,
            int in, int out) {
        this.owner = owner;
        this.weight = weight;
        this.bias = bias;
        this.in = in;
        this.out = out;
    }

    /** {@code weights} as a layer {@code backend} prepared; anything else is a caller's mistake. */
    static CudaLinear cast(LinearWeights weights, CudaBackend backend) {
        if (weights instanceof CudaLinear linear && linear.owner == backend) {
            return linear;
        }
        throw new IllegalArgumentException("linear weights " + weights.getClass().getSimpleName()
                + " were not prepared by this CUDA backend, expected weights from its prepareLinear");
    }

    DeviceWeights.Lease<CUdeviceptr> weight() {
        return weight;
    }

    DeviceWeights.Lease<CUdeviceptr> bias() {
        return bias;
    }

    @Override
    public int inFeatures() {
        return in;
    }

    @Override
    public int outFeatures() {
        return out;
    }
}
