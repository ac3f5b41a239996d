package io.textintel.serving.backend.cuda;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;

/**
 * A {@link DecoderDevice} without a GPU: each family's launcher is a {@link RecordingLauncher}
 * (launches checked against the committed PTX), memory is counted, copies are recorded by size.
 */
final class FakeDecoderDevice implements DecoderDevice {

    final Map<String, RecordingLauncher> modules = new HashMap<>();
    /** Live allocations and their sizes. */
    final Map<CUdeviceptr, Long> live = new IdentityHashMap<>();
    final List<Long> toDevice = new ArrayList<>();
    final List<Long> toHost = new ArrayList<>();
    /** Every launch of every family, in order, as "family/kernel". */
    final List<String> order = new ArrayList<>();
    boolean closed;

    @Override
    public int ordinal() {
        return 0;
    }

    @Override
    public void makeCurrent() {
        if (closed) {
            throw new IllegalStateException("fake device is closed");
        }
    }

    @Override
    public KernelLauncher module(String family) {
        RecordingLauncher recorder = modules.computeIfAbsent(family, RecordingLauncher::new);
        return new KernelLauncher() {
            @Override
            public void launch(String kernel, Dim3 grid, Dim3 block, int sharedBytes, Object... args) {
                recorder.launch(kernel, grid, block, sharedBytes, args);
                order.add(kernel);
            }

            @Override
            public void allowSharedBytes(String kernel, int sharedBytes) {
                recorder.allowSharedBytes(kernel, sharedBytes);
            }

            @Override
            public void zero(DeviceTensor tensor) {
                recorder.zero(tensor);
            }
        };
    }

    RecordingLauncher recorder(String family) {
        return modules.get(family);
    }

    @Override
    public CublasGemm cublas() {
        return null;
    }

    @Override
    public CUdeviceptr allocate(long bytes) {
        CUdeviceptr pointer = new CUdeviceptr();
        live.put(pointer, bytes);
        return pointer;
    }

    @Override
    public void free(CUdeviceptr pointer) {
        if (live.remove(pointer) == null) {
            throw new AssertionError("free of a pointer that is not live");
        }
    }

    @Override
    public void toDevice(CUdeviceptr target, Pointer source, long bytes) {
        requireLive(target);
        toDevice.add(bytes);
    }

    @Override
    public void toHost(Pointer target, CUdeviceptr source, long bytes) {
        requireLive(source);
        toHost.add(bytes);
    }

    private void requireLive(CUdeviceptr pointer) {
        if (!live.containsKey(pointer)) {
            throw new AssertionError("copy with a pointer that is not live");
        }
    }

    @Override
    public void close() {
        closed = true;
    }
}
