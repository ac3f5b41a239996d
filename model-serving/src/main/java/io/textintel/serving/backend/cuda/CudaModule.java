package io.textintel.serving.backend.cuda;

import static jcuda.driver.JCudaDriver.cuFuncSetAttribute;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuMemsetD32Async;
import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleLoadDataEx;
import static jcuda.driver.JCudaDriver.cuModuleUnload;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUfunction_attribute;
import jcuda.driver.CUmodule;
import jcuda.driver.CUstream;

/**
 * One kernel family's committed PTX ({@code ptx/<family>.ptx} beside this class, built from
 * {@code src/main/cuda/<family>.cu}), loaded into the current context with
 * {@code cuModuleLoadDataEx}, whose kernels it launches on one stream.
 *
 * <p>The driver JIT-compiles the PTX for the device on load (and caches the result in
 * {@code ~/.nv/ComputeCache}). Launches are asynchronous: a kernel that faults reports at the next
 * synchronising call. The documented switch {@code -Dtextintel.cuda.syncLaunches=true}
 * synchronises after every launch so that the failing kernel is the one named.
 */
final class CudaModule implements KernelLauncher, AutoCloseable {

    /** Synchronise after each launch to name a faulting kernel; slow, for debugging. */
    static final boolean SYNC_LAUNCHES = Boolean.getBoolean("textintel.cuda.syncLaunches");

    private final String family;
    private final CUmodule module;
    private final CUstream stream;
    private final Map<String, CUfunction> functions = new HashMap<>();

    private CudaModule(String family, CUmodule module, CUstream stream) {
        this.family = family;
        this.module = module;
        this.stream = stream;
    }

    /** Loads family {@code family} (e.g. {@code norm}) into the current context; its kernels run on {@code stream}. */
    static CudaModule load(String family, CUstream stream) {
        byte[] ptx = ptx(family);
        CUmodule module = new CUmodule();
        CudaCheck.check(cuModuleLoadDataEx(module, Pointer.to(ptx), 0, new int[0], Pointer.to(new int[0])),
                "cuModuleLoadDataEx(" + family + ".ptx)");
        return new CudaModule(family, module, stream);
    }

    /** The PTX text of {@code family}, NUL-terminated as the driver wants it. */
    static byte[] ptx(String family) {
        String resource = "ptx/" + family + ".ptx";
        try (InputStream in = CudaModule.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("PTX resource " + resource + " is missing beside "
                        + CudaModule.class.getName() + ", expected it built by src/main/cuda/build-ptx.sh");
            }
            byte[] text = in.readAllBytes();
            return Arrays.copyOf(text, text.length + 1);
        } catch (IOException e) {
            throw new UncheckedIOException("could not read PTX resource " + resource, e);
        }
    }

    @Override
    public synchronized void launch(String kernel, Dim3 grid, Dim3 block, int sharedBytes, Object... args) {
        CUfunction function = functions.computeIfAbsent(kernel, this::resolve);
        Pointer[] params = new Pointer[args.length];
        for (int i = 0; i < args.length; i++) {
            params[i] = parameter(kernel, i, args[i]);
        }
        CudaCheck.check(cuLaunchKernel(function, grid.x(), grid.y(), grid.z(), block.x(), block.y(), block.z(),
                sharedBytes, stream, Pointer.to(params), null), "cuLaunchKernel(" + kernel + ")");
        if (SYNC_LAUNCHES) {
            CudaCheck.check(cuStreamSynchronize(stream), "cuStreamSynchronize(after " + kernel + ")");
        }
    }

    @Override
    public synchronized void allowSharedBytes(String kernel, int sharedBytes) {
        CUfunction function = functions.computeIfAbsent(kernel, this::resolve);
        CudaCheck.check(cuFuncSetAttribute(function, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                sharedBytes), "cuFuncSetAttribute(" + kernel + ", MAX_DYNAMIC_SHARED_SIZE_BYTES, " + sharedBytes + ")");
    }

    @Override
    public void zero(DeviceTensor tensor) {
        long bytes = tensor.bytes();
        if (bytes % 4 != 0) {
            throw new IllegalArgumentException("tensor of " + bytes + " bytes, expected a multiple of 4 to clear");
        }
        if (bytes > 0) {
            CudaCheck.check(cuMemsetD32Async((CUdeviceptr) tensor.pointer(), 0, bytes / 4, stream),
                    "cuMemsetD32Async(" + bytes + " bytes)");
        }
    }

    private CUfunction resolve(String kernel) {
        CUfunction function = new CUfunction();
        CudaCheck.check(cuModuleGetFunction(function, module, kernel),
                "cuModuleGetFunction(" + family + ".ptx, " + kernel + ")");
        return function;
    }

    private static Pointer parameter(String kernel, int index, Object arg) {
        if (arg == null) {
            return Pointer.to(new CUdeviceptr());
        } else if (arg instanceof Pointer pointer) {
            return Pointer.to(pointer);
        } else if (arg instanceof Integer value) {
            return Pointer.to(new int[] {value});
        } else if (arg instanceof Long value) {
            return Pointer.to(new long[] {value});
        } else if (arg instanceof Float value) {
            return Pointer.to(new float[] {value});
        } else if (arg instanceof Double value) {
            return Pointer.to(new double[] {value});
        }
        throw new IllegalArgumentException("parameter " + index + " of kernel " + kernel + " is a "
                + arg.getClass().getName() + ", expected a device Pointer, null, Integer, Long, Float or Double");
    }

    @Override
    public synchronized void close() {
        CudaCheck.check(cuModuleUnload(module), "cuModuleUnload(" + family + ".ptx)");
    }
}
