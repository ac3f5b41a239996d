package io.textintel.services;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Settings are checked before anything is written or started. */
class LocalElasticsearchTest {

    @Test
    void heapMustBeAnXmxSize() {
        assertThatThrownBy(() -> LocalElasticsearch.builder().heap("").start())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("heap is ''");
    }

    @Test
    void startTimeoutMustBePositive() {
        assertThatThrownBy(() -> LocalElasticsearch.builder().startTimeout(Duration.ofSeconds(-1)).start())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("startTimeout is PT-1S");
    }

    @Test
    void clusterNameMustBeASimpleName() {
        assertThatThrownBy(() -> LocalElasticsearch.builder().clusterName("my cluster").start())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'my cluster'");
    }

    @Test
    void settingsManagedByTheLauncherCannotBeOverridden() {
        assertThatThrownBy(() -> LocalElasticsearch.builder().setting("http.port", "9200").start())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("http.port")
                .hasMessageContaining("managed by LocalElasticsearch");
    }

    @Test
    void rolesAndUsersNeedSecurity() {
        assertThatThrownBy(() -> LocalElasticsearch.builder().user("writer", "pw", "writer").start())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("users [writer]")
                .hasMessageContaining("expected security(true)");
        assertThatThrownBy(() -> LocalElasticsearch.builder().role("bad name", "{}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'bad name'");
    }

    @Test
    void securitySettingsAreManagedWhenSecurityIsOn() {
        assertThatThrownBy(() -> LocalElasticsearch.builder().security(true)
                        .setting("xpack.security.http.ssl.enabled", "false").start())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("xpack.security.http.ssl.enabled")
                .hasMessageContaining("managed by LocalElasticsearch");
    }
}
