package io.textintel.serving.backend.cuda;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.JCudaDriver;

/**
 * Weights resident on the devices of this JVM, uploaded once and shared by every backend that
 * asks for the same tensor on the same device: the engines of several operators in one
 * TaskManager hold one copy of a checkpoint, not one each.
 *
 * <p>An entry is keyed by device ordinal and {@link WeightFingerprint} (the tensor's content,
 * which subsumes the checkpoint path it came from: the same files give the same keys) and counted
 * per {@link Lease}; the last lease to close frees the memory. Leases must be closed with the
 * entry's device context current. Thread-safe; uploads of different keys may run at once, and a
 * second request for a key being uploaded waits for that upload.
 *
 * @param <P> the device pointer type ({@code CUdeviceptr}; a fake in tests)
 */
public final class DeviceWeights<P> {

    private static final DeviceWeights<CUdeviceptr> JVM =
            new DeviceWeights<>(pointer -> CudaCheck.check(JCudaDriver.cuMemFree(pointer), "cuMemFree(weights)"));

    /** The key of one entry: which device, which content. */
    record Key(int device, WeightFingerprint fingerprint) {}

    private final Consumer<P> free;
    private final Map<Key, Entry<P>> entries = new HashMap<>();

    /** Weights freed through {@code free}; production code uses {@link #jvm()}. */
    DeviceWeights(Consumer<P> free) {
        this.free = Objects.requireNonNull(free, "free");
    }

    /** The registry every CUDA backend of this JVM shares. */
    public static DeviceWeights<CUdeviceptr> jvm() {
        return JVM;
    }

    /**
     * A lease on the weights under {@code key}, uploading them with {@code upload} if no lease
     * holds them now.
     *
     * @param bytes the upload's size, for the statistics
     */
    public Lease<P> acquire(Key key, long bytes, Supplier<P> upload) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(upload, "upload");
        Entry<P> entry;
        synchronized (entries) {
            entry = entries.computeIfAbsent(key, k -> new Entry<>(bytes));
            entry.references++;
        }
        try {
            synchronized (entry) {
                if (entry.pointer == null) {
                    entry.pointer = Objects.requireNonNull(upload.get(), "upload returned null");
                }
            }
        } catch (RuntimeException | Error e) {
            release(key, entry);
            throw e;
        }
        return new Lease<>(this, key, entry);
    }

    /** Entries resident now. */
    public int residentEntries() {
        synchronized (entries) {
            return (int) entries.values().stream().filter(e -> e.pointer != null).count();
        }
    }

    /** Bytes resident now. */
    public long residentBytes() {
        synchronized (entries) {
            return entries.values().stream().filter(e -> e.pointer != null).mapToLong(e -> e.bytes).sum();
        }
    }

    private void release(Key key, Entry<P> entry) {
        P pointer = null;
        synchronized (entries) {
            if (--entry.references == 0) {
                entries.remove(key);
                pointer = entry.pointer;
            }
        }
        if (pointer != null) {
            free.accept(pointer);
        }
    }

    private static final class Entry<P> {
        final long bytes;
        int references;
        P pointer;

        Entry(long bytes) {
            this.bytes = bytes;
        }
    }

    /** One holder's use of an entry; closing it (once; later closes are ignored) may free the entry. */
    public static final class Lease<P> implements AutoCloseable {
        private final DeviceWeights<P> owner;
        private final Key key;
        private final Entry<P> entry;
        private boolean closed;

        private Lease(DeviceWeights<P> owner, Key key, Entry<P> entry) {
            this.owner = owner;
            this.key = key;
            this.entry = entry;
        }

        public P pointer() {
            if (closed) {
                throw new IllegalStateException("lease on weights " + key + " is closed, expected use before close()");
            }
            return entry.pointer;
        }

        public long bytes() {
            return entry.bytes;
        }

        @Override
        public synchronized void close() {
            if (!closed) {
                closed = true;
                owner.release(key, entry);
            }
        }
    }
}
