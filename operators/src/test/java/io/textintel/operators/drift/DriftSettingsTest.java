package io.textintel.operators.drift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DriftSettingsTest {

    @Test
    void defaultsAreTheDocumentedOnes() {
        DriftSettings d = DriftSettings.defaults();
        assertThat(d.referenceDocuments()).isEqualTo(1000);
        assertThat(d.directions()).isEqualTo(16);
        assertThat(d.pca()).isTrue();
        assertThat(d.sketchK()).isEqualTo(200);
        assertThat(d.expectedRunTime()).isEqualTo(200);
        assertThat(d.consecutiveWindows()).isEqualTo(1);
        assertThat(d.minWindowDocuments()).isEqualTo(10);
    }

    @Test
    void invalidValuesAreRejectedNamingTheField() {
        assertThatThrownBy(() -> new DriftSettings(1, 16, true, 200, 200, 1, 10, 1, 20_000, 100))
                .hasMessage("referenceDocuments is 1, expected at least 2");
        assertThatThrownBy(() -> new DriftSettings(1000, 0, true, 200, 200, 1, 10, 1, 20_000, 100))
                .hasMessage("directions is 0, expected at least 1");
        assertThatThrownBy(() -> new DriftSettings(1000, 16, true, 4, 200, 1, 10, 1, 20_000, 100))
                .hasMessage("sketchK is 4, expected between 8 and 65535");
        assertThatThrownBy(() -> new DriftSettings(1000, 16, true, 200, 1, 1, 10, 1, 20_000, 100))
                .hasMessageStartingWith("expectedRunTime is 1.0");
        assertThatThrownBy(() -> new DriftSettings(1000, 16, true, 200, 200, 0, 10, 1, 20_000, 100))
                .hasMessage("consecutiveWindows is 0, expected at least 1");
        assertThatThrownBy(() -> new DriftSettings(1000, 16, true, 200, 200, 1, 0, 1, 20_000, 100))
                .hasMessage("minWindowDocuments is 0, expected at least 1");
        assertThatThrownBy(() -> new DriftSettings(1000, 16, true, 200, 200, 1, 10, 1, 1000, 100))
                .hasMessageStartingWith("calibrationWindows is 1000, expected at least 10 × expectedRunTime = 2000");
        assertThatThrownBy(() -> new DriftSettings(1000, 16, true, 200, 200, 1, 10, 1, 20_000, 0))
                .hasMessage("calibrationWindowDocuments is 0, expected at least 1");
    }
}
