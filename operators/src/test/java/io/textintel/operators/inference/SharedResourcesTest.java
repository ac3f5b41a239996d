package io.textintel.operators.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

class SharedResourcesTest {

    private static final class Counted implements AutoCloseable {
        final String key;
        boolean closed;

        Counted(String key) {
            this.key = key;
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    @Test
    void sharesOneResourcePerKeyAndClosesItWithTheLastLease() {
        AtomicInteger opened = new AtomicInteger();
        SharedResources<String, Counted> shared = new SharedResources<>(k -> {
            opened.incrementAndGet();
            return new Counted(k);
        });

        SharedResources.Lease<Counted> a = shared.acquire("model-a");
        SharedResources.Lease<Counted> b = shared.acquire("model-a");
        SharedResources.Lease<Counted> c = shared.acquire("model-b");

        assertThat(a.get()).isSameAs(b.get());
        assertThat(c.get()).isNotSameAs(a.get());
        assertThat(opened).hasValue(2);
        assertThat(shared.openCount()).isEqualTo(2);

        Counted first = a.get();
        a.close();
        a.close(); // idempotent: must not release b's use
        assertThat(first.closed).isFalse();
        b.close();
        assertThat(first.closed).isTrue();
        assertThat(shared.openCount()).isEqualTo(1);
        assertThatThrownBy(a::get).isInstanceOf(IllegalStateException.class).hasMessageContaining("model-a");
        c.close();
        assertThat(shared.openCount()).isZero();
    }

    @Test
    void aMappedLeaseIsTheSameUseAndCountsByKeyKind() {
        SharedResources<String, Counted> shared = new SharedResources<>(Counted::new);
        SharedResources.Lease<Counted> lease = shared.acquire("encoder:a");
        SharedResources.Lease<String> view = lease.map(counted -> counted.key);
        SharedResources.Lease<Counted> other = shared.acquire("decoder:b");

        assertThat(view.get()).isEqualTo("encoder:a");
        assertThat(shared.openCount(key -> key.startsWith("encoder:"))).isEqualTo(1);
        assertThat(shared.openCount(key -> key.startsWith("decoder:"))).isEqualTo(1);

        Counted resource = lease.get();
        view.close();
        view.close(); // idempotent: gives the one use back once
        assertThat(resource.closed).as("closing the view gives the shared use back").isTrue();
        assertThatThrownBy(lease::get).isInstanceOf(IllegalStateException.class).hasMessageContaining("encoder:a");
        assertThatThrownBy(view::get).isInstanceOf(IllegalStateException.class);
        lease.close(); // already given back through the view: releases nothing more
        assertThat(shared.openCount(key -> key.startsWith("encoder:"))).isZero();
        assertThat(shared.openCount()).isEqualTo(1);
        other.close();
    }

    @Test
    void concurrentFirstLeasesOpenTheResourceOnce() throws Exception {
        ConcurrentHashMap<String, AtomicInteger> opens = new ConcurrentHashMap<>();
        SharedResources<String, Counted> shared = new SharedResources<>(k -> {
            opens.computeIfAbsent(k, x -> new AtomicInteger()).incrementAndGet();
            return new Counted(k);
        });
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<SharedResources.Lease<Counted>>> leases = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                leases.add(pool.submit(() -> shared.acquire("model")));
            }
            List<SharedResources.Lease<Counted>> held = new ArrayList<>();
            for (Future<SharedResources.Lease<Counted>> lease : leases) {
                held.add(lease.get());
            }
            // All 64 leases are held at once, so exactly one resource may have been opened.
            assertThat(opens.get("model")).hasValue(1);
            assertThat(held).allSatisfy(l -> assertThat(l.get()).isSameAs(held.get(0).get()));
            held.forEach(SharedResources.Lease::close);
        } finally {
            pool.shutdownNow();
        }
        assertThat(shared.openCount()).isZero();
    }
}
