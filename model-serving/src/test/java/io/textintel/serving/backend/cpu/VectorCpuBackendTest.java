package io.textintel.serving.backend.cpu;

/** {@link CpuBackendTest} on the Vector API kernels; the build's test JVMs add {@code jdk.incubator.vector}. */
class VectorCpuBackendTest extends CpuBackendTest {

    @Override
    CpuKernel kernel() {
        return CpuKernel.VECTOR;
    }
}
