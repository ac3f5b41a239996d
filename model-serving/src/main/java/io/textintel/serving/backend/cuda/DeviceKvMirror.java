package io.textintel.serving.backend.cuda;

import io.textintel.serving.backend.cuda.DeviceTensor.Type;
import io.textintel.serving.kv.KvLayout;
import io.textintel.serving.kv.PagedKvCache;
import java.lang.ref.WeakReference;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;

/**
 * A device copy of one {@link PagedKvCache}'s storage, fp32 as the host's: per layer a key and a
 * value tensor {@code [numBlocks, blockSize, kvHeads, headDim]}, laid out exactly as the host arrays,
 * so a slot's index is the same on both sides and block tables go to the device unchanged.
 *
 * <p>It is made by copying the host arrays up whole (once per cache), and kept in step by
 * {@code CudaDecoderOps#writeKeyValues}, which writes each pass's rows into both. The cache is held
 * weakly: a mirror whose cache was closed or collected is released by the ops on their next use.
 */
final class DeviceKvMirror implements AutoCloseable {

    private final WeakReference<PagedKvCache> cache;
    private final DecoderDevice device;
    private final DeviceTensor[] keys; // [layers]: [numBlocks, blockSize, kvHeads, headDim] F32
    private final DeviceTensor[] values; // [layers]: [numBlocks, blockSize, kvHeads, headDim] F32
    private boolean closed;

    private DeviceKvMirror(PagedKvCache cache, DecoderDevice device, DeviceTensor[] keys, DeviceTensor[] values) {
        this.cache = new WeakReference<>(cache);
        this.device = device;
        this.keys = keys;
        this.values = values;
    }

    /** Allocates the mirror of {@code cache} on {@code device} and copies the host arrays up: the one whole-cache copy. */
    static DeviceKvMirror upload(PagedKvCache cache, DecoderDevice device) {
        KvLayout layout = cache.layout();
        int[] shape = {cache.numBlocks(), cache.blockSize(), layout.kvHeads(), layout.headDim()};
        long bytes = (long) cache.numBlocks() * cache.blockSize() * layout.positionStride() * Float.BYTES;
        DeviceTensor[] keys = new DeviceTensor[layout.layers()];
        DeviceTensor[] values = new DeviceTensor[layout.layers()];
        DeviceKvMirror mirror = new DeviceKvMirror(cache, device, keys, values);
        try {
            for (int l = 0; l < layout.layers(); l++) {
                keys[l] = new DeviceTensor(device.allocate(bytes), Type.F32, shape);
                device.toDevice((CUdeviceptr) keys[l].pointer(), Pointer.to(cache.keys(l)), bytes);
                values[l] = new DeviceTensor(device.allocate(bytes), Type.F32, shape);
                device.toDevice((CUdeviceptr) values[l].pointer(), Pointer.to(cache.values(l)), bytes);
            }
        } catch (RuntimeException | Error e) {
            mirror.close();
            throw e;
        }
        return mirror;
    }

    /** Whether this is the mirror of {@code other}. */
    boolean mirrors(PagedKvCache other) {
        return cache.get() == other;
    }

    /** Whether the cache was closed or collected, so the mirror serves no one. */
    boolean stale() {
        PagedKvCache held = cache.get();
        return held == null || held.isClosed();
    }

    DeviceTensor keys(int layer) {
        return keys[layer];
    }

    DeviceTensor values(int layer) {
        return values[layer];
    }

    /** Device bytes held. */
    long bytes() {
        long total = 0;
        for (int l = 0; l < keys.length; l++) {
            total += (keys[l] == null ? 0 : keys[l].bytes()) + (values[l] == null ? 0 : values[l].bytes());
        }
        return total;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (int l = 0; l < keys.length; l++) {
            if (keys[l] != null) {
                device.free((CUdeviceptr) keys[l].pointer());
            }
            if (values[l] != null) {
                device.free((CUdeviceptr) values[l].pointer());
            }
        }
    }
}
