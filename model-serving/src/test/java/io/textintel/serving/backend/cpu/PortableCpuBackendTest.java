package io.textintel.serving.backend.cpu;

/** {@link CpuBackendTest} on the plain-Java kernels, the fallback where the Vector API is absent. */
class PortableCpuBackendTest extends CpuBackendTest {

    @Override
    CpuKernel kernel() {
        return CpuKernel.PORTABLE;
    }
}
