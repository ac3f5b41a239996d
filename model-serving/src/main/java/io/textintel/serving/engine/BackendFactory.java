package io.textintel.serving.engine;

import io.textintel.serving.backend.Backend;
import io.textintel.serving.backend.cpu.CpuBackend;
import io.textintel.serving.backend.cpu.CpuKernel;
import io.textintel.serving.backend.cpu.ScalarBackend;
import io.textintel.serving.backend.cuda.CudaAvailability;
import io.textintel.serving.backend.cuda.CudaBackend;
import io.textintel.serving.backend.cuda.CudaDeviceSelection;
import io.textintel.serving.backend.cuda.CudaException;
import io.textintel.serving.backend.cuda.DeviceWeights;
import io.textintel.serving.config.BackendChoice;
import io.textintel.serving.config.EngineConfig;
import java.util.function.IntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the configured {@link BackendChoice} into a running {@link Backend}, and logs which one
 * and why, in one line: the one place where backends are chosen.
 *
 * <p>{@code auto} runs CUDA where the driver loads, a device is present and the backend opens on
 * it, and the CPU backend otherwise, saying why. {@code cuda} fails with an
 * {@link EngineException} of kind {@link EngineException.Kind#LOAD} naming what is missing; a
 * missing GPU or library never crashes the JVM.
 */
public final class BackendFactory {

    private static final Logger LOG = LoggerFactory.getLogger(BackendFactory.class);

    private BackendFactory() {}

    /**
     * A new backend for {@code config}; the caller owns and closes it.
     *
     * @throws EngineException of kind {@link EngineException.Kind#LOAD} if {@code cuda} is configured
     *     and cannot run here
     */
    public static Backend create(EngineConfig config) {
        return create(config, CudaAvailability.probe(),
                ordinal -> CudaBackend.open(ordinal, DeviceWeights.jvm()));
    }

    /** As {@link #create(EngineConfig)}, with the CUDA probe and opener given (tests give fakes). */
    static Backend create(EngineConfig config, CudaAvailability cuda, IntFunction<Backend> openCuda) {
        switch (config.backend()) {
            case AUTO:
                if (!cuda.available()) {
                    return cpu(config, "chosen for 'auto': CUDA is unavailable (" + cuda.reason() + ")");
                }
                try {
                    return cuda(config, cuda, openCuda, "chosen for 'auto'");
                } catch (CudaException | IllegalArgumentException e) {
                    return cpu(config, "chosen for 'auto': the CUDA backend did not open (" + e.getMessage() + ")");
                }
            case CUDA:
                if (!cuda.available()) {
                    throw new EngineException(EngineException.Kind.LOAD, "backend 'cuda' is configured, but CUDA is"
                            + " unavailable: " + cuda.reason() + "; expected a CUDA " + CudaAvailability.versionName(
                                    CudaAvailability.MIN_DRIVER_VERSION) + " driver (libcuda.so.1) and a device,"
                            + " or backend 'auto' or 'cpu'");
                }
                try {
                    return cuda(config, cuda, openCuda, "as configured");
                } catch (CudaException | IllegalArgumentException e) {
                    throw new EngineException(EngineException.Kind.LOAD,
                            "backend 'cuda' is configured, but it did not open: " + e.getMessage(), e);
                }
            case CPU:
                return cpu(config, "as configured");
            case CPU_REFERENCE:
                LOG.info("Backend cpu-reference (scalar, single-threaded), as configured: slow, meant for checks");
                return new ScalarBackend();
            default:
                throw new IllegalArgumentException("unsupported backend " + config.backend());
        }
    }

    private static Backend cuda(EngineConfig config, CudaAvailability cuda, IntFunction<Backend> openCuda,
            String why) {
        int ordinal = CudaDeviceSelection.ordinal(config.gpuIndex(), cuda.deviceCount());
        Backend backend = openCuda.apply(ordinal);
        LOG.info("Backend {} ({}), {}: {}", backend.name(), backend, why, cuda.reason());
        return backend;
    }

    private static CpuBackend cpu(EngineConfig config, String why) {
        CpuBackend backend = new CpuBackend(config.threads());
        LOG.info("Backend cpu with {} threads and {} kernels, {}", config.threads(), backend.kernel(), why);
        CpuKernel.missingModuleWarning(backend.kernel(), "the cpu backend").ifPresent(LOG::warn);
        return backend;
    }
}
