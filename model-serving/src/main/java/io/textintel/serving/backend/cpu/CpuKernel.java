package io.textintel.serving.backend.cpu;

import java.util.Locale;
import java.util.Optional;

/**
 * Which kernel family the {@link CpuBackend} runs: explicit SIMD through the JDK's Vector API,
 * or plain Java that HotSpot's C2 auto-vectorises where it can.
 *
 * <p>On Java 17 the Vector API is the incubator module {@code jdk.incubator.vector}, present only
 * when the JVM is started with {@code --add-modules jdk.incubator.vector} (the build's test JVMs
 * and {@code bin/textintel} are). {@link #best()} picks {@link #VECTOR} when the module is there,
 * unless the documented switch {@code -Dtextintel.cpu.vector=false} turns it off, and
 * {@link #PORTABLE} otherwise. Both families match {@link ScalarBackend} within the tolerances
 * that {@code CpuBackendTest} states.
 */
public enum CpuKernel {
    /**
     * Register-blocked SIMD kernels on {@code jdk.incubator.vector} at the CPU's preferred vector
     * width (16 floats with AVX-512, 8 with AVX2). On an AVX-512 CPU their linear layer ran at
     * about ten to fifteen times the FLOP rate of {@link #PORTABLE}, and at six times with the
     * same CPU limited to AVX2 ({@code -XX:UseAVX=2}); {@code benchmarks/} measures it.
     */
    VECTOR,
    /** Cache-blocked plain-Java kernels; run on any JVM. */
    PORTABLE;

    /** The system property that, set to {@code false}, keeps {@link #best()} off the Vector API. */
    public static final String VECTOR_PROPERTY = "textintel.cpu.vector";

    private static final String VECTOR_MODULE = "jdk.incubator.vector";

    /** Whether this JVM can run the family: always for {@link #PORTABLE}. */
    public boolean isAvailable() {
        return this == PORTABLE || ModuleLayer.boot().findModule(VECTOR_MODULE).isPresent();
    }

    /** {@link #VECTOR} when it is available and not switched off by {@value #VECTOR_PROPERTY}, else {@link #PORTABLE}. */
    public static CpuKernel best() {
        boolean allowed = !"false".equals(System.getProperty(VECTOR_PROPERTY, "true").toLowerCase(Locale.ROOT));
        return allowed && VECTOR.isAvailable() ? VECTOR : PORTABLE;
    }

    /**
     * What to warn about when {@code chosen} runs: the portable kernels because this JVM lacks
     * {@code jdk.incubator.vector}, about ten times slower, with the flag that fixes it. Empty for
     * the Vector API kernels, and for portable ones chosen while the module is there (switched off
     * on purpose).
     *
     * @param user what runs the kernels, e.g. {@code the cpu backend} or {@code the decoder}
     */
    public static Optional<String> missingModuleWarning(CpuKernel chosen, String user) {
        return missingModuleWarning(chosen, user, VECTOR.isAvailable());
    }

    static Optional<String> missingModuleWarning(CpuKernel chosen, String user, boolean moduleAvailable) {
        if (chosen == VECTOR || moduleAvailable) {
            return Optional.empty();
        }
        return Optional.of("The JVM lacks " + VECTOR_MODULE + ", so " + user + " runs its plain-Java kernels, about"
                + " ten times slower; start it with --add-modules " + VECTOR_MODULE);
    }

    DenseKernels create() {
        if (!isAvailable()) {
            throw new IllegalArgumentException("cpu kernel " + this + " needs the module " + VECTOR_MODULE
                    + ", expected the JVM to be started with --add-modules " + VECTOR_MODULE);
        }
        return this == VECTOR ? newVectorKernels() : new PortableKernels();
    }

    // a separate method so that the Vector API classes are only loaded when the module is present
    private static DenseKernels newVectorKernels() {
        return new VectorKernels();
    }
}
