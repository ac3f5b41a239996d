package io.textintel.serving.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class EngineLoopTest {

    @Test
    void theBodyRunsOnTheOwningThreadUntilStopInterruptsIt() throws Exception {
        List<String> seen = new ArrayList<>();
        CountDownLatch took = new CountDownLatch(1);
        AtomicBoolean sawClosed = new AtomicBoolean();
        AtomicReference<EngineLoop<String>> holder = new AtomicReference<>();
        EngineLoop<String> loop = new EngineLoop<>("test-loop", "test engine", () -> {
            assertThat(Thread.currentThread().getName()).isEqualTo("test-loop");
            try {
                while (!holder.get().isClosed()) {
                    String request = holder.get().poll(1, TimeUnit.MINUTES); // only an interrupt ends this early
                    if (request != null) {
                        seen.add(request);
                        took.countDown();
                    }
                }
            } catch (InterruptedException e) {
                sawClosed.set(holder.get().isClosed());
            }
        });
        holder.set(loop);
        loop.start();
        CompletableFuture<String> future = new CompletableFuture<>();
        loop.submit(future, () -> "first");
        assertThat(took.await(30, TimeUnit.SECONDS)).as("the body to take the request").isTrue();

        long start = System.nanoTime();
        assertThat(loop.stop()).isTrue();
        assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start))
                .as("stop interrupts the body's minute-long poll").isLessThan(30);
        assertThat(sawClosed).as("the body is interrupted after the loop is closed").isTrue();
        assertThat(seen).containsExactly("first");
        assertThat(loop.stop()).as("a second stop does nothing").isFalse();
    }

    @Test
    void aClosedLoopRefusesRequestsAndAdmitMayQueueNothing() {
        EngineLoop<String> loop = new EngineLoop<>("test-loop", "test engine", () -> {});
        CompletableFuture<String> refusedByAdmit = new CompletableFuture<>();
        loop.submit(refusedByAdmit, () -> null);
        assertThat(loop.poll()).as("admit returned null").isNull();
        assertThat(refusedByAdmit).isNotDone();

        loop.submit(new CompletableFuture<>(), () -> "queued");
        loop.markClosed();
        assertThat(loop.isClosed()).isTrue();
        CompletableFuture<String> late = new CompletableFuture<>();
        AtomicBoolean admitted = new AtomicBoolean();
        loop.submit(late, () -> {
            admitted.set(true);
            return "late";
        });
        assertThat(admitted).as("admit does not run once closed").isFalse();
        assertThat(late).isCompletedExceptionally();
        assertThatThrownBy(late::join).cause().isInstanceOf(IllegalStateException.class)
                .hasMessage("test engine is closed, expected calls before close()");
        List<String> left = new ArrayList<>();
        loop.drainTo(left);
        assertThat(left).containsExactly("queued");
        assertThat(loop.stop()).as("closed already").isFalse();
    }
}
