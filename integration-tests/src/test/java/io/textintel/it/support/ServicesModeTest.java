package io.textintel.it.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ServicesModeTest {

    @Test
    void parsesEachModeInAnyCase() {
        assertThat(ServicesMode.parse("docker")).isEqualTo(ServicesMode.DOCKER);
        assertThat(ServicesMode.parse(" LOCAL ")).isEqualTo(ServicesMode.LOCAL);
        assertThat(ServicesMode.parse("Auto")).isEqualTo(ServicesMode.AUTO);
    }

    @Test
    void unsetMeansAuto() {
        assertThat(ServicesMode.parse(null)).isEqualTo(ServicesMode.AUTO);
        assertThat(ServicesMode.parse("  ")).isEqualTo(ServicesMode.AUTO);
    }

    @Test
    void unknownModeIsRejectedNamingTheValueAndTheChoices() {
        assertThatThrownBy(() -> ServicesMode.parse("podman"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("podman")
                .hasMessageContaining(ServicesMode.PROPERTY)
                .hasMessageContaining("docker, local, auto");
    }
}
