package io.textintel.jobs.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.textintel.jobs.TextIntelligenceJob;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

class RestartSettingsTest {

    private static final String PIPELINE = """
            kafka:
              bootstrap-servers: kafka:9092
              topics: [feedback]
            elasticsearch:
              hosts: [http://es:9200]
            tasks:
              embed:
                kind: embed
                model: maven:all-minilm-l6-v2
            """;

    @Test
    void theJobRestartsWithExponentialDelayByDefault() {
        Configuration flink = TextIntelligenceJob.flinkConfiguration(
                PipelineConfigLoader.parse(PIPELINE, "test.yaml", List.of()));
        assertThat(flink.get(RestartStrategyOptions.RESTART_STRATEGY)).isEqualTo("exponential-delay");
        assertThat(flink.get(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF))
                .isEqualTo(Duration.ofSeconds(2));
        assertThat(flink.get(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF))
                .isEqualTo(Duration.ofMinutes(2));
        assertThat(flink.get(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_ATTEMPTS))
                .isEqualTo(Integer.MAX_VALUE);
    }

    @Test
    void everyRestartKeyReachesFlink() {
        Configuration flink = TextIntelligenceJob.flinkConfiguration(PipelineConfigLoader.parse(PIPELINE, "test.yaml",
                List.of("restart.initial-backoff=5s", "restart.max-backoff=5min", "restart.multiplier=1.5",
                        "restart.reset-after=1h", "restart.jitter=0", "restart.attempts=20")));
        assertThat(flink.get(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF))
                .isEqualTo(Duration.ofSeconds(5));
        assertThat(flink.get(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF))
                .isEqualTo(Duration.ofMinutes(5));
        assertThat(flink.get(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_BACKOFF_MULTIPLIER))
                .isEqualTo(1.5);
        assertThat(flink.get(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_RESET_BACKOFF_THRESHOLD))
                .isEqualTo(Duration.ofHours(1));
        assertThat(flink.get(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_JITTER_FACTOR)).isEqualTo(0.0);
        assertThat(flink.get(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_ATTEMPTS)).isEqualTo(20);
    }

    @Test
    void badRestartKeysAreReportedWithTheirKeys() {
        assertThatThrownBy(() -> PipelineConfigLoader.parse(PIPELINE, "test.yaml", List.of(
                "restart.initial-backoff=10s", "restart.max-backoff=1s", "restart.multiplier=0.5",
                "restart.jitter=2", "restart.attempts=0")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("restart.max-backoff is PT1S, expected at least restart.initial-backoff (PT10S)")
                .hasMessageContaining("restart.multiplier is 0.5, expected a number >= 1")
                .hasMessageContaining("restart.jitter is 2.0, expected a share in [0, 1]")
                .hasMessageContaining("restart.attempts is 0, expected 1 or more");
    }
}
