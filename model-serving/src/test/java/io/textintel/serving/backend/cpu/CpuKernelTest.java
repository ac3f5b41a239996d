package io.textintel.serving.backend.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.textintel.serving.backend.Activation;
import io.textintel.serving.backend.LinearWeights;
import io.textintel.serving.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Choice of the CPU kernel family, in a test JVM started with {@code --add-modules jdk.incubator.vector}. */
class CpuKernelTest {

    @Test
    void theVectorKernelsAreChosenWhenTheModuleIsPresent() {
        // the root pom's test argLine adds the module; without it this build would test the fallback only
        assertThat(CpuKernel.VECTOR.isAvailable()).as("jdk.incubator.vector in the test JVM").isTrue();
        assertThat(CpuKernel.PORTABLE.isAvailable()).isTrue();
        assertThat(CpuKernel.best()).isEqualTo(CpuKernel.VECTOR);
        try (CpuBackend backend = new CpuBackend(1)) {
            assertThat(backend.kernel()).isEqualTo(CpuKernel.VECTOR);
        }
    }

    @Test
    void theSystemPropertySwitchesTheVectorKernelsOff() {
        String previous = System.getProperty(CpuKernel.VECTOR_PROPERTY);
        try {
            System.setProperty(CpuKernel.VECTOR_PROPERTY, "FALSE");
            assertThat(CpuKernel.best()).isEqualTo(CpuKernel.PORTABLE);
            System.setProperty(CpuKernel.VECTOR_PROPERTY, "true");
            assertThat(CpuKernel.best()).isEqualTo(CpuKernel.VECTOR);
        } finally {
            if (previous == null) {
                System.clearProperty(CpuKernel.VECTOR_PROPERTY);
            } else {
                System.setProperty(CpuKernel.VECTOR_PROPERTY, previous);
            }
        }
    }

    @Test
    void weightsPreparedByOneFamilyAreRefusedByTheOther() {
        try (CpuBackend vector = new CpuBackend(1, CpuKernel.VECTOR);
                CpuBackend portable = new CpuBackend(1, CpuKernel.PORTABLE)) {
            LinearWeights packed = vector.prepareLinear(Tensor.zeros(4, 3), null);
            LinearWeights transposed = portable.prepareLinear(Tensor.zeros(4, 3), null);
            assertThatThrownBy(() -> portable.linear(Tensor.zeros(2, 3), packed, Activation.NONE, Tensor.zeros(2, 4)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("were not prepared by the cpu backend's portable kernels");
            assertThatThrownBy(() -> vector.linear(Tensor.zeros(2, 3), transposed, Activation.NONE, Tensor.zeros(2, 4)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("were not prepared by the cpu backend's vector kernels");
        }
    }

    @Test
    void warnsOnlyWhenPortableKernelsRunForWantOfTheModule() {
        assertThat(CpuKernel.missingModuleWarning(CpuKernel.PORTABLE, "the decoder", false)).hasValueSatisfying(
                warning -> assertThat(warning).contains("lacks jdk.incubator.vector", "the decoder",
                        "--add-modules jdk.incubator.vector"));
        assertThat(CpuKernel.missingModuleWarning(CpuKernel.PORTABLE, "the decoder", true))
                .as("switched off on purpose").isEmpty();
        assertThat(CpuKernel.missingModuleWarning(CpuKernel.VECTOR, "the decoder", true)).isEmpty();
    }
}
