package io.textintel.services;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Settings are checked before anything is written or started. */
class LocalKafkaTest {

    @TempDir
    Path tmp;

    @Test
    void workDirIsRequired() {
        assertThatThrownBy(() -> LocalKafka.builder().start())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("workDir is not set");
    }

    @Test
    void partitionsMustBePositive() {
        assertThatThrownBy(() -> LocalKafka.builder().workDir(tmp).partitions(0).start())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("partitions is 0");
    }

    @Test
    void heapMustBeAnXmxSize() {
        assertThatThrownBy(() -> LocalKafka.builder().workDir(tmp).heap("half a gig").start())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'half a gig'")
                .hasMessageContaining("512m");
    }

    @Test
    void startTimeoutMustBePositive() {
        assertThatThrownBy(() -> LocalKafka.builder().workDir(tmp).startTimeout(Duration.ZERO).start())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("startTimeout is PT0S");
    }

    @Test
    void jaasLinesEscapeQuotesAndBackslashes() {
        assertThat(LocalKafka.jaasConfig("u", "a\"b\\c")).isEqualTo("org.apache.kafka.common.security.scram.ScramLoginModule"
                + " required username=\"u\" password=\"a\\\"b\\\\c\";");
    }
}
