package io.textintel.serving.backend;

import io.textintel.serving.backend.cpu.CpuBackend;
import io.textintel.serving.backend.cpu.CpuKernel;
import io.textintel.serving.backend.cpu.ScalarBackend;
import io.textintel.serving.config.BackendChoice;
import io.textintel.serving.config.EngineConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the configured {@link BackendChoice} into a running {@link Backend}, and logs which one
 * and why: the one place where backends are chosen, so a GPU backend joins here.
 */
public final class BackendFactory {

    private static final Logger LOG = LoggerFactory.getLogger(BackendFactory.class);

    private BackendFactory() {}

    /** A new backend for {@code config}; the caller owns and closes it. */
    public static Backend create(EngineConfig config) {
        switch (config.backend()) {
            case AUTO:
                return cpu(config, "chosen for 'auto': this build has no GPU backend");
            case CPU:
                return cpu(config, "as configured");
            case CPU_REFERENCE:
                LOG.info("Backend cpu-reference (scalar, single-threaded), as configured: slow, meant for checks");
                return new ScalarBackend();
            default:
                throw new IllegalArgumentException("unsupported backend " + config.backend());
        }
    }

    private static CpuBackend cpu(EngineConfig config, String why) {
        CpuBackend backend = new CpuBackend(config.threads());
        LOG.info("Backend cpu with {} threads and {} kernels, {}", config.threads(), backend.kernel(), why);
        if (backend.kernel() != CpuKernel.VECTOR && !CpuKernel.VECTOR.isAvailable()) {
            LOG.warn("The JVM lacks jdk.incubator.vector, so the cpu backend runs its plain-Java kernels, about ten "
                    + "times slower; start it with --add-modules jdk.incubator.vector");
        }
        return backend;
    }
}
