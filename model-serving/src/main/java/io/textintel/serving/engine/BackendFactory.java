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
import io.textintel.serving.backend.cuda.CudaDecoderOps;
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
 * <p>For a decoder the same choice holds: {@code auto} gives the CUDA decoder ops where a device is
 * present and they open on it, else the fast CPU ops, saying why; {@code cuda} gives the CUDA ops or
 * fails with a LOAD {@link EngineException} naming the device problem; {@code cpu} gives the fast CPU
 * ops and {@code cpu-reference} the scalar ones.
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
     * @param gpuIndex the configured GPU, as {@link EngineConfig#gpuIndex()}
     * @param threads worker threads of the fast CPU ops
     * @throws EngineException of kind {@link EngineException.Kind#LOAD} if {@code cuda} is configured
     *     and cannot run here
     */
    public static DecoderOps createDecoderOps(BackendChoice choice, int gpuIndex, int threads) {
        return createDecoderOps(choice, gpuIndex, threads, CudaAvailability::probe,
                ordinal -> CudaDecoderOps.open(ordinal, DeviceWeights.jvm()));
    }

    /** As {@link #createDecoderOps(BackendChoice, int, int)}, with the CUDA probe and opener given (tests give fakes). */
    static DecoderOps createDecoderOps(BackendChoice choice, int gpuIndex, int threads,
            Supplier<CudaAvailability> probe, IntFunction<DecoderOps> openCuda) {
        switch (choice) {
            case AUTO: {
                CudaAvailability cuda = probe.get();
                if (!cuda.available()) {
                    return fastDecoderOps(threads, "chosen for 'auto': CUDA is unavailable (" + cuda.reason() + ")");
                }
                try {
                    return cudaDecoderOps(gpuIndex, cuda, openCuda, "chosen for 'auto'");
                } catch (CudaException | IllegalArgumentException e) {
                    return fastDecoderOps(threads, "chosen for 'auto': the CUDA decoder ops did not open ("
                            + e.getMessage() + ")");
                }
            }
            case CUDA: {
                CudaAvailability cuda = probe.get();
                if (!cuda.available()) {
                    throw new EngineException(EngineException.Kind.LOAD, "backend 'cuda' (gpuIndex " + gpuIndex
                            + ") is configured for a decoder, but CUDA is unavailable: " + cuda.reason()
                            + "; expected a CUDA " + CudaAvailability.versionName(CudaAvailability.MIN_DRIVER_VERSION)
                            + " driver (libcuda.so.1) and a device, or backend 'auto' or 'cpu'");
                }
                try {
                    return cudaDecoderOps(gpuIndex, cuda, openCuda, "as configured");
                } catch (CudaException | IllegalArgumentException e) {
                    throw new EngineException(EngineException.Kind.LOAD, "backend 'cuda' (gpuIndex " + gpuIndex
                            + ") is configured for a decoder, but its CUDA ops did not open: " + e.getMessage(), e);
                }
            }
            case CPU:
                return fastDecoderOps(threads, "as configured");
            case CPU_REFERENCE:
                LOG.info("Decoder ops scalar (single-threaded), as configured for cpu-reference: slow, for checks");
                return new ScalarDecoderOps();
            default:
                throw new IllegalArgumentException("unsupported backend " + choice);
        }
    }

    private static DecoderOps cudaDecoderOps(int gpuIndex, CudaAvailability cuda, IntFunction<DecoderOps> openCuda,
            String why) {
        int ordinal = CudaDeviceSelection.ordinal(gpuIndex, cuda.deviceCount());
        DecoderOps ops = openCuda.apply(ordinal);
        LOG.info("Decoder ops {} ({}), {}: {}", ops.name(), ops, why, cuda.reason());
        return ops;
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
