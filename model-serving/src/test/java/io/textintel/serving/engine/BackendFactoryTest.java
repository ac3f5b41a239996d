package io.textintel.serving.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.textintel.serving.backend.Backend;
import io.textintel.serving.backend.cpu.CpuBackend;
import io.textintel.serving.backend.cpu.ScalarBackend;
import io.textintel.serving.backend.cuda.CudaAvailability;
import io.textintel.serving.backend.cuda.CudaCheck;
import io.textintel.serving.config.BackendChoice;
import io.textintel.serving.config.EngineConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import jcuda.driver.CUresult;
import org.junit.jupiter.api.Test;

/** Backend choice without a GPU: the CUDA probe and opener are fakes, or this machine's real answer. */
class BackendFactoryTest {

    private static final CudaAvailability NO_LIBRARY = new CudaAvailability(false,
            "the CUDA driver library could not be loaded: libcuda.so.1: cannot open shared object file: No such file"
                    + " or directory", 0, 0);
    private static final CudaAvailability TWO_DEVICES =
            new CudaAvailability(true, "2 CUDA device(s), driver CUDA 13.0", 2, 13000);

    private final List<Integer> opened = new ArrayList<>();

    private static EngineConfig config(BackendChoice choice) {
        return EngineConfig.builder().backend(choice).threads(1).build();
    }

    /** Stands in for a CUDA backend: any backend will do, the factory only hands it on. */
    private IntFunction<Backend> openRecording() {
        return ordinal -> {
            opened.add(ordinal);
            return new ScalarBackend();
        };
    }

    @Test
    void autoFallsBackToTheCpuWhenCudaIsUnavailable() {
        try (Backend backend = BackendFactory.create(config(BackendChoice.AUTO), NO_LIBRARY, openRecording())) {
            assertThat(backend).isInstanceOf(CpuBackend.class);
        }
        assertThat(opened).isEmpty();
    }

    @Test
    void autoChoosesCudaWhereADeviceIsAndUsesTheConfiguredGpu() {
        EngineConfig config = config(BackendChoice.AUTO).toBuilder().gpuIndex(1).build();
        try (Backend backend = BackendFactory.create(config, TWO_DEVICES, openRecording())) {
            assertThat(backend).isInstanceOf(ScalarBackend.class);
        }
        assertThat(opened).containsExactly(1);
    }

    @Test
    void autoFallsBackWhenTheCudaBackendDoesNotOpen() {
        IntFunction<Backend> failing = ordinal -> {
            throw CudaCheck.failure(CUresult.CUDA_ERROR_OUT_OF_MEMORY, "cuMemAlloc(268435456 bytes)");
        };
        try (Backend backend = BackendFactory.create(config(BackendChoice.AUTO), TWO_DEVICES, failing)) {
            assertThat(backend).isInstanceOf(CpuBackend.class);
        }
    }

    @Test
    void cudaWithoutTheLibraryFailsNamingWhatIsMissing() {
        assertThatThrownBy(() -> BackendFactory.create(config(BackendChoice.CUDA), NO_LIBRARY, openRecording()))
                .isInstanceOfSatisfying(EngineException.class,
                        e -> assertThat(e.kind()).isEqualTo(EngineException.Kind.LOAD))
                .hasMessage("backend 'cuda' is configured, but CUDA is unavailable: the CUDA driver library could not"
                        + " be loaded: libcuda.so.1: cannot open shared object file: No such file or directory;"
                        + " expected a CUDA 13.0 driver (libcuda.so.1) and a device, or backend 'auto' or 'cpu'");
        assertThat(opened).isEmpty();
    }

    @Test
    void cudaWithAGpuIndexThatSelectsNoDeviceFailsNamingTheIndex() {
        EngineConfig config = config(BackendChoice.CUDA).toBuilder().gpuIndex(5).build();
        assertThatThrownBy(() -> BackendFactory.create(config, TWO_DEVICES, openRecording()))
                .isInstanceOf(EngineException.class)
                .hasMessageStartingWith("backend 'cuda' is configured, but it did not open: CUDA device ordinal 5");
    }

    @Test
    void onThisMachineWithoutCudaTheRealFactoryFailsCleanlyForCudaAndFallsBackForAuto() {
        CudaAvailability probe = CudaAvailability.probe();
        assumeFalse(probe.available(), "this machine has CUDA (" + probe.reason() + "); the no-GPU path is not"
                + " exercised here");
        assertThatThrownBy(() -> BackendFactory.create(config(BackendChoice.CUDA)))
                .isInstanceOf(EngineException.class)
                .hasMessageContaining(probe.reason());
        try (Backend backend = BackendFactory.create(config(BackendChoice.AUTO))) {
            assertThat(backend.name()).isEqualTo("cpu");
        }
    }
}
