package io.textintel.serving.backend.cuda;

import java.util.Objects;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;

/**
 * Whether this process can run the CUDA backend, and if not, why: the answer of loading the
 * JCuda driver binding (which needs {@code libcuda.so.1}), {@code cuInit} and counting devices.
 *
 * <p>Probing never crashes the JVM and never throws: a missing library ({@link UnsatisfiedLinkError}),
 * a failing {@code cuInit}, no devices, or a driver too old for the committed PTX each become a
 * {@link #reason()}. The driver is probed once per process ({@link #probe()}), since a native
 * library loads once per JVM and its answer does not change.
 *
 * @param available whether a device can be opened
 * @param reason why not, or a short description of what was found when available
 * @param deviceCount devices the driver reports (0 when unavailable before counting)
 * @param driverVersion the driver's CUDA version as {@code 1000 * major + 10 * minor}, 0 if unknown
 */
public record CudaAvailability(boolean available, String reason, int deviceCount, int driverVersion) {

    /**
     * The oldest driver that loads the committed PTX: PTX ISA 9.0, as nvcc 13.0 writes it, needs
     * the CUDA 13.0 driver (r580).
     */
    public static final int MIN_DRIVER_VERSION = 13000;

    public CudaAvailability {
        Objects.requireNonNull(reason, "reason");
    }

    /** The calls a probe makes, apart so the decision logic can be tested on a machine without a GPU. */
    interface Driver {
        /** {@code cuInit(0)}; may throw {@link LinkageError} when the binding cannot load. */
        int init();

        int driverVersion(int[] version);

        int deviceCount(int[] count);
    }

    private static final class Holder {
        static final CudaAvailability PROBED = probe(new JCudaDriverCalls());
    }

    /** This process's answer, probed on the first call. */
    public static CudaAvailability probe() {
        return Holder.PROBED;
    }

    static CudaAvailability probe(Driver driver) {
        try {
            int result = driver.init();
            if (result != CUresult.CUDA_SUCCESS) {
                return unavailable("cuInit(0) failed: " + CUresult.stringFor(result), 0, 0);
            }
            int[] version = new int[1];
            result = driver.driverVersion(version);
            if (result != CUresult.CUDA_SUCCESS) {
                return unavailable("cuDriverGetVersion failed: " + CUresult.stringFor(result), 0, 0);
            }
            int[] count = new int[1];
            result = driver.deviceCount(count);
            if (result != CUresult.CUDA_SUCCESS) {
                return unavailable("cuDeviceGetCount failed: " + CUresult.stringFor(result), 0, version[0]);
            }
            if (count[0] < 1) {
                return unavailable("the CUDA driver " + versionName(version[0]) + " reports no device", 0, version[0]);
            }
            if (version[0] < MIN_DRIVER_VERSION) {
                return unavailable("the CUDA driver supports CUDA " + versionName(version[0])
                        + ", the kernels' PTX (ISA 9.0) needs " + versionName(MIN_DRIVER_VERSION)
                        + " (driver r580) or newer", count[0], version[0]);
            }
            return new CudaAvailability(true, count[0] + " CUDA device(s), driver CUDA " + versionName(version[0]),
                    count[0], version[0]);
        } catch (LinkageError | RuntimeException e) {
            return unavailable("the CUDA driver library could not be loaded: " + shortReason(e), 0, 0);
        }
    }

    private static CudaAvailability unavailable(String reason, int devices, int version) {
        return new CudaAvailability(false, reason, devices, version);
    }

    /** {@code 12060} as {@code 12.6}. */
    public static String versionName(int version) {
        return version / 1000 + "." + (version % 1000) / 10;
    }

    /**
     * The line of a native loading failure that says what is missing. JCuda's message holds two
     * whole stack traces; the useful part is the dynamic loader's line, e.g. {@code libcuda.so.1:
     * cannot open shared object file: No such file or directory}.
     */
    static String shortReason(Throwable failure) {
        String message = String.valueOf(failure.getMessage());
        for (String line : message.split("\n")) {
            int index = line.indexOf("cannot open shared object file");
            if (index >= 0) {
                int colon = line.lastIndexOf(": ", index - 3);
                int slash = line.lastIndexOf('/', index);
                int from = Math.max(colon + 2, slash + 1);
                return line.substring(Math.max(from, 0)).trim();
            }
        }
        String first = message.split("\n", 2)[0].trim();
        return failure.getClass().getSimpleName() + ": " + first;
    }

    /** The real driver, through JCuda; its class initialiser loads the native binding. */
    private static final class JCudaDriverCalls implements Driver {
        @Override
        public int init() {
            JCudaDriver.setExceptionsEnabled(false);
            return JCudaDriver.cuInit(0);
        }

        @Override
        public int driverVersion(int[] version) {
            return JCudaDriver.cuDriverGetVersion(version);
        }

        @Override
        public int deviceCount(int[] count) {
            return JCudaDriver.cuDeviceGetCount(count);
        }
    }
}
