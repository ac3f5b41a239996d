// Element-wise activations: GELU (erf and tanh forms), ReLU, tanh, sigmoid, SiLU, and SwiGLU.
#include "encoder_common.cuh"

// activate_inplace: x[i] = act(x[i]) for i < n; act is an ACT_* code.
// x: [n]. grid min(ceil(n / 256), 65535 * 8) with a grid-stride loop, block 256.
extern "C" __global__ void __launch_bounds__(256) activate_inplace(float* x, long long n, int act) {
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
         i += (long long)gridDim.x * blockDim.x) {
        x[i] = apply_activation(x[i], act);
    }
}

// swiglu: out[i] = silu(gate[i]) * up[i] for i < n, as in the Llama MLP.
// gate, up, out: [n]; out may be gate or up. grid and block as activate_inplace.
extern "C" __global__ void __launch_bounds__(256) swiglu(const float* gate, const float* up, float* out, long long n) {
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
         i += (long long)gridDim.x * blockDim.x) {
        float g = gate[i];
        out[i] = g / (1.0f + expf(-g)) * up[i];
    }
}
