package io.textintel.operators.inference;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Reference-counted resources shared by all subtasks of a JVM: the first lease of a key opens the
 * resource, the last lease closed closes it.
 *
 * <p>This is how the Flink slots of one TaskManager share one inference engine per model instead of
 * loading the weights once per slot. Opening happens under the registry's lock, so concurrent first
 * leases of a key open it once.
 *
 * @param <K> what identifies a resource (a model directory and engine settings)
 * @param <R> the resource
 */
public final class SharedResources<K, R extends AutoCloseable> {

    private static final Logger LOG = LoggerFactory.getLogger(SharedResources.class);

    private final Function<K, R> opener;
    private final Map<K, Entry<R>> entries = new HashMap<>();

    public SharedResources(Function<K, R> opener) {
        this.opener = Objects.requireNonNull(opener, "opener");
    }

    /** Leases the resource of {@code key}, opening it if no lease is held. */
    public synchronized Lease<R> acquire(K key) {
        Entry<R> entry = entries.get(key);
        if (entry == null) {
            entry = new Entry<>(opener.apply(key));
            entries.put(key, entry);
            LOG.info("Opened shared resource for {}", key);
        }
        entry.leases++;
        return new Lease<>(this, key, entry.resource);
    }

    /** How many distinct resources are open. */
    public synchronized int openCount() {
        return entries.size();
    }

    private synchronized void release(K key) {
        Entry<R> entry = entries.get(key);
        if (entry == null) {
            throw new IllegalStateException("released " + key + " which holds no lease. This is a bug.");
        }
        if (--entry.leases == 0) {
            entries.remove(key);
            try {
                entry.resource.close();
                LOG.info("Closed shared resource for {}", key);
            } catch (Exception e) {
                LOG.warn("Closing shared resource for {} failed", key, e);
            }
        }
    }

    private static final class Entry<R> {
        final R resource;
        int leases;

        Entry(R resource) {
            this.resource = resource;
        }
    }

    /** One holder's use of a shared resource; closing it gives the use back (once). */
    public static final class Lease<R> implements AutoCloseable {
        private final SharedResources<?, ?> owner;
        private final Object key;
        private final R resource;
        private boolean closed;

        private Lease(SharedResources<?, ?> owner, Object key, R resource) {
            this.owner = owner;
            this.key = key;
            this.resource = resource;
        }

        public R get() {
            if (closed) {
                throw new IllegalStateException("lease of " + key + " is closed");
            }
            return resource;
        }

        @Override
        @SuppressWarnings({"unchecked", "rawtypes"})
        public void close() {
            if (!closed) {
                closed = true;
                ((SharedResources) owner).release(key);
            }
        }
    }
}
