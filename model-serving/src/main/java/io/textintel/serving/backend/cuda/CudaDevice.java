package io.textintel.serving.backend.cuda;

import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRelease;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuDeviceTotalMem;

import java.nio.charset.StandardCharsets;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;

/**
 * One CUDA device and its primary context, retained while this object is open.
 *
 * <p>Every backend in the JVM that opens the same ordinal shares the device's primary context
 * (the driver counts the retains), which is what lets them share the weights in
 * {@link DeviceWeights}. The driver API binds a context to a thread, so every entry point that
 * calls the driver makes it current first ({@link #makeCurrent()}).
 */
public final class CudaDevice implements AutoCloseable {

    /** The committed PTX targets {@code compute_90}: it JIT-compiles for Hopper (9.0) and newer only. */
    static final int MIN_COMPUTE_CAPABILITY = 90;

    private final int ordinal;
    private final CUdevice device;
    private final CUcontext context;
    private final String name;
    private final int computeCapability;
    private final long totalMemory;
    private boolean closed;

    private CudaDevice(int ordinal, CUdevice device, CUcontext context, String name, int computeCapability,
            long totalMemory) {
        this.ordinal = ordinal;
        this.device = device;
        this.context = context;
        this.name = name;
        this.computeCapability = computeCapability;
        this.totalMemory = totalMemory;
    }

    /**
     * Opens device {@code ordinal} (a CUDA ordinal; see {@link CudaDeviceSelection}).
     *
     * @throws CudaException of kind {@link CudaException.Kind#UNAVAILABLE} if the driver cannot be
     *     loaded, or the device is missing or older than Hopper
     */
    public static CudaDevice open(int ordinal) {
        CudaAvailability availability = CudaAvailability.probe();
        if (!availability.available()) {
            throw CudaCheck.unavailable("opening CUDA device " + ordinal, availability.reason(), null);
        }
        CUdevice device = new CUdevice();
        CudaCheck.check(cuDeviceGet(device, ordinal), "cuDeviceGet(" + ordinal + ")");
        int[] major = new int[1];
        int[] minor = new int[1];
        CudaCheck.check(cuDeviceGetAttribute(major, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR,
                device), "cuDeviceGetAttribute(COMPUTE_CAPABILITY_MAJOR)");
        CudaCheck.check(cuDeviceGetAttribute(minor, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR,
                device), "cuDeviceGetAttribute(COMPUTE_CAPABILITY_MINOR)");
        byte[] nameBytes = new byte[256];
        CudaCheck.check(cuDeviceGetName(nameBytes, nameBytes.length, device), "cuDeviceGetName");
        String name = cString(nameBytes);
        int capability = 10 * major[0] + minor[0];
        if (capability < MIN_COMPUTE_CAPABILITY) {
            throw CudaCheck.unavailable("opening CUDA device " + ordinal, name + " has compute capability "
                    + major[0] + "." + minor[0] + ", expected 9.0 (Hopper) or newer for the compute_90 PTX", null);
        }
        long[] memory = new long[1];
        CudaCheck.check(cuDeviceTotalMem(memory, device), "cuDeviceTotalMem");
        CUcontext context = new CUcontext();
        CudaCheck.check(cuDevicePrimaryCtxRetain(context, device), "cuDevicePrimaryCtxRetain(" + ordinal + ")");
        CudaDevice opened = new CudaDevice(ordinal, device, context, name, capability, memory[0]);
        opened.makeCurrent();
        return opened;
    }

    /** Binds this device's context to the calling thread. */
    public void makeCurrent() {
        if (closed) {
            throw new IllegalStateException("CUDA device " + ordinal + " is closed, expected calls before close()");
        }
        CudaCheck.check(cuCtxSetCurrent(context), "cuCtxSetCurrent(device " + ordinal + ")");
    }

    public int ordinal() {
        return ordinal;
    }

    public String name() {
        return name;
    }

    /** {@code 10 * major + minor}, e.g. 90 for an H100 or H200. */
    public int computeCapability() {
        return computeCapability;
    }

    public long totalMemory() {
        return totalMemory;
    }

    /** Releases this holder's retain of the primary context; the driver destroys it with the last one. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        CudaCheck.check(cuDevicePrimaryCtxRelease(device), "cuDevicePrimaryCtxRelease(" + ordinal + ")");
    }

    @Override
    public String toString() {
        return "CUDA device " + ordinal + " (" + name + ", sm_" + computeCapability + ", "
                + (totalMemory >> 20) + " MiB)";
    }

    private static String cString(byte[] bytes) {
        int length = 0;
        while (length < bytes.length && bytes[length] != 0) {
            length++;
        }
        return new String(bytes, 0, length, StandardCharsets.US_ASCII);
    }
}
