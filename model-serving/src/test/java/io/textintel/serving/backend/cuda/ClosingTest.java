package io.textintel.serving.backend.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClosingTest {

    @Test
    void closesEveryResourceInOrderAndReportsTheFirstFailureWithTheOthersSuppressed() {
        List<String> closed = new ArrayList<>();
        IllegalStateException first = new IllegalStateException("stream");
        IllegalStateException second = new IllegalStateException("context");
        List<AutoCloseable> resources = List.of(() -> closed.add("weights"), () -> {
            closed.add("stream");
            throw first;
        }, () -> closed.add("allocator"), () -> {
            closed.add("context");
            throw second;
        });

        assertThatThrownBy(() -> Closing.closeAll(resources, "the CUDA backend on device 0"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("closing the CUDA backend on device 0 failed")
                .hasCause(first)
                .satisfies(e -> assertThat(e.getSuppressed()).containsExactly(second));
        assertThat(closed).containsExactly("weights", "stream", "allocator", "context");
    }

    @Test
    void nothingIsThrownWhenEveryResourceCloses() {
        List<String> closed = new ArrayList<>();
        Closing.closeAll(List.of(() -> closed.add("a"), () -> closed.add("b")), "nothing");
        assertThat(closed).containsExactly("a", "b");
    }
}
