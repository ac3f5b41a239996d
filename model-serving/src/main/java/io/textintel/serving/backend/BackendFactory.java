package io.textintel.serving.backend;

import io.textintel.serving.backend.cpu.CpuBackend;
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
                LOG.info("Backend cpu with {} threads, chosen for 'auto': this build has no GPU backend",
                        config.threads());
                return new CpuBackend(config.threads());
            case CPU:
                LOG.info("Backend cpu with {} threads, as configured", config.threads());
                return new CpuBackend(config.threads());
            case CPU_REFERENCE:
                LOG.info("Backend cpu-reference (scalar, single-threaded), as configured: slow, meant for checks");
                return new ScalarBackend();
            default:
                throw new IllegalArgumentException("unsupported backend " + config.backend());
        }
    }
}
