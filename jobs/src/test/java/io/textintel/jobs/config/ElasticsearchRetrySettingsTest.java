package io.textintel.jobs.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.textintel.connectors.elasticsearch.RetryPolicy;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

class ElasticsearchRetrySettingsTest {

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
    void theDefaultBudgetRidesOutANodeRestart() {
        PipelineConfig config = PipelineConfigLoader.parse(PIPELINE, "test.yaml", List.of());
        assertThat(config.elasticsearch().retry().policy()).isEqualTo(RetryPolicy.DEFAULT);
        assertThat(RetryPolicy.DEFAULT.maxDuration()).isEqualTo(Duration.ofMinutes(10));
    }

    @Test
    void everyRetryKeyIsReadAndZeroMeansNoLimit() {
        PipelineConfig config = PipelineConfigLoader.parse(PIPELINE, "test.yaml", List.of(
                "elasticsearch.retry.initial-backoff=50ms", "elasticsearch.retry.max-backoff=30s",
                "elasticsearch.retry.max-duration=0"));
        RetryPolicy policy = config.elasticsearch().retry().policy();
        assertThat(policy.initialBackoff()).isEqualTo(Duration.ofMillis(50));
        assertThat(policy.maxBackoff()).isEqualTo(Duration.ofSeconds(30));
        assertThat(policy.isUnlimited()).isTrue();
    }

    @Test
    void badRetryKeysAreReportedWithTheirKeys() {
        assertThatThrownBy(() -> PipelineConfigLoader.parse(PIPELINE, "test.yaml", List.of(
                "elasticsearch.retry.initial-backoff=0ms")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("elasticsearch.retry.initial-backoff is PT0S, expected a positive duration");
        assertThatThrownBy(() -> PipelineConfigLoader.parse(PIPELINE, "test.yaml", List.of(
                "elasticsearch.retry.max-duration=-1s")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("elasticsearch.retry.max-duration has value '-1s', expected a duration");
        assertThatThrownBy(() -> PipelineConfigLoader.parse(PIPELINE, "test.yaml", List.of(
                "elasticsearch.retry.max-backoff=30s", "elasticsearch.retry.max-duration=10s")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("elasticsearch.retry.max-duration is PT10S, expected at least"
                        + " elasticsearch.retry.max-backoff (PT30S), or 0 for no limit");
    }

    @Test
    void theOldRetryCountIsAnUnknownKey() {
        assertThatThrownBy(() -> PipelineConfigLoader.parse(PIPELINE, "test.yaml", List.of(
                "elasticsearch.max-retries=8")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("unknown key 'elasticsearch.max-retries'")
                .hasMessageContaining("retry");
    }
}
