package io.textintel.serving.engine;

import io.textintel.serving.backend.Backend;
import io.textintel.serving.backend.DecoderOps;
import io.textintel.serving.backend.cpu.CpuBackend;
import io.textintel.serving.backend.cpu.CpuKernel;
import io.textintel.serving.backend.cpu.FastDecoderOps;
import io.textintel.serving.backend.cpu.ScalarBackend;
import io.textintel.serving.backend.cpu.ScalarDecoderOps;
import io.textintel.serving.backend.cuda.CudaAvailability;
import io.textintel.serving.backend.cuda.CudaBackend;
import io.textintel.serving.backend.cuda.CudaDeviceSelection;
import io.textintel.serving.backend.cuda.CudaException;
import io.textintel.serving.backend.cuda.DeviceWeights;
import io.textintel.serving.config.BackendChoice;
import io.textintel.serving.config.EngineConfig;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the configured {@link BackendChoice} into a running {@link Backend} for an encoder, or
 * into {@link DecoderOps} for a decoder, and logs which one and why, in one line: the one place
 * where backends are chosen.
 *
 * <p>For an encoder, {@code auto} runs CUDA where the driver loads, a device is present and the
 * backend opens on it, and the CPU backend otherwise, saying why. {@code cuda} fails with an
 * {@link EngineException} of kind {@link EngineException.Kind#LOAD} naming what is missing; a
 * missing GPU or library never crashes the JVM.
 *
 * <p>For a decoder, {@code cpu} gives the fast CPU ops and {@code cpu-reference} the scalar ones.
 * The CUDA backend has no decoder ops yet, so {@code auto} gives the fast CPU ops and says why, and
 * {@code cuda} fails with a LOAD {@link EngineException} rather than run on the CPU unasked.
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

    /**
     * New decoder ops for {@code choice}; the caller owns and closes them.
     *
     * @param gpuIndex the configured GPU, as {@link EngineConfig#gpuIndex()}; named when {@code cuda} is refused
     * @param threads worker threads of the fast CPU ops
     * @throws EngineException of kind {@link EngineException.Kind#LOAD} if {@code cuda} is configured
     */
    public static DecoderOps createDecoderOps(BackendChoice choice, int gpuIndex, int threads) {
        return createDecoderOps(choice, gpuIndex, threads, CudaAvailability::probe);
    }

    /** As {@link #createDecoderOps(BackendChoice, int, int)}, with the CUDA probe given (tests give fakes). */
    static DecoderOps createDecoderOps(BackendChoice choice, int gpuIndex, int threads,
            Supplier<CudaAvailability> cuda) {
        switch (choice) {
            case AUTO:
                return fastDecoderOps(threads, "chosen for 'auto': the CUDA backend has no decoder ops yet (CUDA here: "
                        + cuda.get().reason() + ")");
            case CUDA:
                throw new EngineException(EngineException.Kind.LOAD, "backend 'cuda' (gpuIndex " + gpuIndex
                        + ") is configured for a decoder, but the decoder has no CUDA implementation yet (CUDA here: "
                        + cuda.get().reason() + "); expected backend 'auto' or 'cpu' for decoder tasks");
            case CPU:
                return fastDecoderOps(threads, "as configured");
            case CPU_REFERENCE:
                LOG.info("Decoder ops scalar (single-threaded), as configured for cpu-reference: slow, for checks");
                return new ScalarDecoderOps();
            default:
                throw new IllegalArgumentException("unsupported backend " + choice);
        }
    }

    private static DecoderOps fastDecoderOps(int threads, String why) {
        FastDecoderOps ops = new FastDecoderOps(threads);
        LOG.info("Decoder ops {} with {} threads, {}", ops.name(), threads, why);
        return ops;
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
