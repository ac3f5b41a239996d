package io.textintel.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The streaming-read figure: a plausible rate, and refused arguments named. */
class MemoryBandwidthTest {

    /**
     * Two threads reading 4 MiB each: any machine reads faster than 100 MB/s and slower than
     * 10 TB/s (the sums are checked inside, so a skipped read would fail).
     */
    @Test
    void readsAtAPlausibleRate() throws Exception {
        double bytesPerSecond = MemoryBandwidth.streamingRead(2, 4 << 20, 3);
        assertThat(bytesPerSecond).isBetween(1e8, 1e13);
    }

    @Test
    void refusesArraysBelowOneMebibyte() {
        assertThatThrownBy(() -> MemoryBandwidth.streamingRead(2, 1000, 3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bytes per thread 1000");
    }
}
