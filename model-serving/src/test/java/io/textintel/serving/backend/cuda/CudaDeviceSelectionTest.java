package io.textintel.serving.backend.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class CudaDeviceSelectionTest {

    @Test
    void withoutAnIndexTheFirstVisibleDeviceIsChosen() {
        assertThat(CudaDeviceSelection.ordinal(-1, null, 4)).isZero();
        assertThat(CudaDeviceSelection.ordinal(-1, "3,1", 2)).isZero();
    }

    @Test
    void flinksIndexIsTheOrdinalWhenAllDevicesAreVisible() {
        assertThat(CudaDeviceSelection.ordinal(2, null, 4)).isEqualTo(2);
    }

    @Test
    void cudaVisibleDevicesRenumbersTheDevices() {
        assertThat(CudaDeviceSelection.ordinal(3, "1,3", 2)).isEqualTo(1);
        assertThat(CudaDeviceSelection.ordinal(1, " 1 , 3 ", 2)).isZero();
        assertThatThrownBy(() -> CudaDeviceSelection.ordinal(2, "1,3", 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("GPU index 2 is not among CUDA_VISIBLE_DEVICES=1,3, expected one of [1, 3]");
    }

    @Test
    void devicesNamedByUuidLeaveTheIndexAsTheOrdinal() {
        assertThat(CudaDeviceSelection.ordinal(1, "GPU-8f6e,GPU-12ab", 2)).isEqualTo(1);
    }

    @Test
    void anIndexBeyondTheDevicesIsRefused() {
        assertThatThrownBy(() -> CudaDeviceSelection.ordinal(4, null, 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("CUDA device ordinal 4 (GPU index 4) is out of range, expected 0 <= ordinal < 2 devices");
    }
}
