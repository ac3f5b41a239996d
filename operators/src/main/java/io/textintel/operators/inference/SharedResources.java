package io.textintel.operators.inference;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;

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
        return new Lease<>(this, key, entry.resource, null);
    }

    /** How many distinct resources are open. */
    public synchronized int openCount() {
        return entries.size();
    }

    /** How many distinct resources of keys that {@code which} accepts are open. */
    public synchronized int openCount(Predicate<? super K> which) {
        return (int) entries.keySet().stream().filter(which).count();
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
        private final Lease<?> source; // the lease this one views (map); null for a lease of the registry
        private boolean closed;

        private Lease(SharedResources<?, ?> owner, Object key, R resource, Lease<?> source) {
            this.owner = owner;
            this.key = key;
            this.resource = resource;
            this.source = source;
        }

        /**
         * This lease as a lease of {@code view(resource)}, e.g. the resource cast to its own type:
         * the two are one use, and closing either gives it back.
         */
        public <V> Lease<V> map(Function<? super R, ? extends V> view) {
            return new Lease<>(owner, key, view.apply(get()), this);
        }

        public R get() {
            if (isClosed()) {
                throw new IllegalStateException("lease of " + key + " is closed");
            }
            return resource;
        }

        private boolean isClosed() {
            return closed || (source != null && source.isClosed());
        }

        @Override
        @SuppressWarnings({"unchecked", "rawtypes"})
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            if (source != null) {
                source.close();
            } else {
                ((SharedResources) owner).release(key);
            }
        }
    }
}
