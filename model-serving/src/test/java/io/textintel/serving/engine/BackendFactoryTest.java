package io.textintel.serving.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.textintel.serving.backend.Backend;
import io.textintel.serving.backend.DecoderOps;
import io.textintel.serving.backend.cpu.CpuBackend;
import io.textintel.serving.backend.cpu.FastDecoderOps;
import io.textintel.serving.backend.cpu.ScalarBackend;
import io.textintel.serving.backend.cpu.ScalarDecoderOps;
import io.textintel.serving.backend.cuda.CudaAvailability;
import io.textintel.serving.backend.cuda.CudaCheck;
import io.textintel.serving.config.BackendChoice;
import io.textintel.serving.config.EngineConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import java.util.function.Supplier;
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

    /** Counts the CUDA probes: the CPU choices must not load the driver. */
    private static Supplier<CudaAvailability> probe(CudaAvailability answer, AtomicInteger probes) {
        return () -> {
            probes.incrementAndGet();
            return answer;
        };
    }

    /** Stands in for CUDA decoder ops: any ops will do, the factory only hands them on. */
    private IntFunction<DecoderOps> openDecoderRecording() {
        return ordinal -> {
            opened.add(ordinal);
            return new ScalarDecoderOps();
        };
    }

    @Test
    void decoderOpsForCpuAreTheFastOnesAndForCpuReferenceTheScalarOnes() {
        AtomicInteger probes = new AtomicInteger();
        try (DecoderOps ops = BackendFactory.createDecoderOps(BackendChoice.CPU, -1, 2, probe(TWO_DEVICES, probes),
                openDecoderRecording())) {
            assertThat(ops).isInstanceOf(FastDecoderOps.class);
            assertThat(ops.name()).startsWith("fast-");
        }
        try (DecoderOps ops = BackendFactory.createDecoderOps(BackendChoice.CPU_REFERENCE, -1, 2,
                probe(TWO_DEVICES, probes), openDecoderRecording())) {
            assertThat(ops).isInstanceOf(ScalarDecoderOps.class);
            assertThat(ops.name()).isEqualTo("scalar");
        }
        assertThat(probes).as("no CUDA probe for a CPU choice").hasValue(0);
        assertThat(opened).isEmpty();
    }

    @Test
    void decoderOpsForAutoAreCudaWhereADeviceIsAndTheFastCpuOnesElsewhere() {
        AtomicInteger probes = new AtomicInteger();
        try (DecoderOps ops = BackendFactory.createDecoderOps(BackendChoice.AUTO, 1, 2, probe(TWO_DEVICES, probes),
                openDecoderRecording())) {
            assertThat(ops).isInstanceOf(ScalarDecoderOps.class); // the recording opener's stand-in
        }
        assertThat(opened).as("the configured GPU").containsExactly(1);
        try (DecoderOps ops = BackendFactory.createDecoderOps(BackendChoice.AUTO, 1, 2, probe(NO_LIBRARY, probes),
                openDecoderRecording())) {
            assertThat(ops).isInstanceOf(FastDecoderOps.class);
        }
        assertThat(opened).as("no open without CUDA").containsExactly(1);
        IntFunction<DecoderOps> failing = ordinal -> {
            throw CudaCheck.failure(CUresult.CUDA_ERROR_OUT_OF_MEMORY, "cuMemAlloc(1024 bytes)");
        };
        try (DecoderOps ops = BackendFactory.createDecoderOps(BackendChoice.AUTO, 0, 2, probe(TWO_DEVICES, probes),
                failing)) {
            assertThat(ops).as("auto falls back when the CUDA ops do not open").isInstanceOf(FastDecoderOps.class);
        }
        assertThat(probes).as("probed once per choice").hasValue(3);
    }

    @Test
    void decoderOpsForCudaAreTheCudaOnesOrALoadFailureNamingTheDeviceProblem() {
        try (DecoderOps ops = BackendFactory.createDecoderOps(BackendChoice.CUDA, 1, 2,
                probe(TWO_DEVICES, new AtomicInteger()), openDecoderRecording())) {
            assertThat(ops).isInstanceOf(ScalarDecoderOps.class);
        }
        assertThat(opened).containsExactly(1);
        assertThatThrownBy(() -> BackendFactory.createDecoderOps(BackendChoice.CUDA, 0, 2,
                probe(NO_LIBRARY, new AtomicInteger()), openDecoderRecording()))
                .isInstanceOfSatisfying(EngineException.class,
                        e -> assertThat(e.kind()).isEqualTo(EngineException.Kind.LOAD))
                .hasMessage("backend 'cuda' (gpuIndex 0) is configured for a decoder, but CUDA is unavailable: "
                        + NO_LIBRARY.reason() + "; expected a CUDA 13.0 driver (libcuda.so.1) and a device, or backend"
                        + " 'auto' or 'cpu'");
        assertThatThrownBy(() -> BackendFactory.createDecoderOps(BackendChoice.CUDA, 0, 2,
                probe(TWO_DEVICES, new AtomicInteger()), ordinal -> {
                    throw CudaCheck.failure(CUresult.CUDA_ERROR_OUT_OF_MEMORY, "cuMemAlloc(1024 bytes)");
                }))
                .isInstanceOfSatisfying(EngineException.class,
                        e -> assertThat(e.kind()).isEqualTo(EngineException.Kind.LOAD))
                .hasMessageStartingWith("backend 'cuda' (gpuIndex 0) is configured for a decoder, but its CUDA ops"
                        + " did not open: ")
                .hasMessageContaining("cuMemAlloc(1024 bytes)");
        assertThat(opened).as("no open without CUDA").containsExactly(1);
    }

    @Test
    void decoderOpsForCudaWithoutADeviceHereFailLoadWithTheProbesReason() {
        CudaAvailability here = CudaAvailability.probe();
        assumeFalse(here.available(), "this machine has a CUDA device; the refusal needs one without");
        assertThatThrownBy(() -> BackendFactory.createDecoderOps(BackendChoice.CUDA, 0, 2))
                .isInstanceOfSatisfying(EngineException.class,
                        e -> assertThat(e.kind()).isEqualTo(EngineException.Kind.LOAD))
                .hasMessageContaining("configured for a decoder, but CUDA is unavailable: " + here.reason());
        try (DecoderOps ops = BackendFactory.createDecoderOps(BackendChoice.AUTO, 0, 2)) {
            assertThat(ops).isInstanceOf(FastDecoderOps.class);
        }
    }
}
