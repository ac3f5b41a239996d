package io.textintel.serving.backend.cuda;

import io.textintel.serving.backend.cuda.DeviceTensor.Type;
import java.util.ArrayList;
import java.util.List;
import jcuda.driver.CUdeviceptr;

/**
 * The temporary device memory of one backend operation: tensors taken from the backend's
 * {@link DeviceAllocator} while the operation runs, all given back when it ends ({@link #close()}).
 * Not thread-safe: one operation's.
 */
class CallMemory implements AutoCloseable {

    private final DeviceAllocator<CUdeviceptr> allocator;
    private final List<DeviceAllocator.Block<CUdeviceptr>> blocks = new ArrayList<>();

    CallMemory(DeviceAllocator<CUdeviceptr> allocator) {
        this.allocator = allocator;
    }

    /** A tensor of {@code shape} (at least one byte of memory, also for an empty shape). */
    DeviceTensor allocate(Type type, int... shape) {
        long elements = 1;
        for (int dim : shape) {
            elements *= dim;
        }
        DeviceAllocator.Block<CUdeviceptr> block = allocator.allocate(Math.max(1, elements * type.bytes()));
        blocks.add(block);
        return new DeviceTensor(block.pointer(), type, shape);
    }

    /** Gives every tensor this operation allocated back to the allocator. */
    @Override
    public void close() {
        for (DeviceAllocator.Block<CUdeviceptr> block : blocks) {
            allocator.free(block);
        }
    }
}
