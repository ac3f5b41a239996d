package io.textintel.operators.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.textintel.serving.backend.WeightFormat;
import io.textintel.serving.config.BackendChoice;
import io.textintel.serving.spec.Speculation;
import io.textintel.serving.task.DecoderTasksConfig;
import org.junit.jupiter.api.Test;

import java.util.List;

class EngineSettingsTest {

    private static EngineSettings withGpu(Integer gpuIndex) {
        return new EngineSettings("cuda", 2, null, null, null, null, null, null, gpuIndex, null);
    }

    @Test
    void theGpuFlinkAssignsIsUsedUnlessOneIsConfigured() {
        EngineSettings unset = withGpu(null);
        assertThat(unset.toEngineConfig().gpuIndex()).as("the first visible GPU").isEqualTo(-1);
        assertThat(unset.withAssignedGpu(List.of("3", "1")).toEngineConfig().gpuIndex())
                .as("the lowest of the TaskManager's GPUs").isEqualTo(1);
        assertThat(unset.withAssignedGpu(List.of())).as("no gpu resource: unchanged").isSameAs(unset);

        EngineSettings configured = withGpu(2);
        assertThat(configured.withAssignedGpu(List.of("0")).toEngineConfig().gpuIndex())
                .as("gpu-index wins over Flink's assignment").isEqualTo(2);
    }

    @Test
    void anIndexThatIsNotADeviceNumberIsNamed() {
        assertThatThrownBy(() -> withGpu(null).withAssignedGpu(List.of("GPU-5e3f")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Flink's gpu resource gave index 'GPU-5e3f', expected a device number");
        assertThatThrownBy(() -> withGpu(-2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("gpuIndex is -2");
    }

    @Test
    void theDecoderConfigCarriesTheBackendAndTheGpu() {
        DecoderTasksConfig decoder =
                withGpu(null).withAssignedGpu(List.of("3")).toDecoderConfig(Speculation.NONE, null);
        assertThat(decoder.backend()).isEqualTo(BackendChoice.CUDA);
        assertThat(decoder.gpuIndex()).isEqualTo(3);
        EngineSettings reference = new EngineSettings("cpu-reference", 2, null, null, null, null);
        assertThat(reference.toDecoderConfig(Speculation.NONE, null).backend()).isEqualTo(BackendChoice.CPU_REFERENCE);
        assertThat(EngineSettings.defaults().toDecoderConfig(Speculation.NONE, null).backend())
                .as("unset: EngineConfig's default").isEqualTo(BackendChoice.AUTO);
    }

    @Test
    void theDecoderConfigCarriesTheBatchAndQueueLimits() {
        DecoderTasksConfig unset = EngineSettings.defaults().toDecoderConfig(Speculation.NONE, null);
        assertThat(unset.generation().maxRunningSequences()).as("unset: the decoder's own default")
                .isEqualTo(DecoderTasksConfig.builder().build().generation().maxRunningSequences());
        assertThat(unset.generation().maxQueuedRequests()).as("unset: the encoder engine's default")
                .isEqualTo(EngineSettings.defaults().toEngineConfig().maxQueuedRequests());

        DecoderTasksConfig set = new EngineSettings("cpu", 2, 48, null, null, 300)
                .toDecoderConfig(Speculation.PROMPT_LOOKUP, null);
        assertThat(set.generation().maxRunningSequences()).as("max-batch-size: the running sequences").isEqualTo(48);
        assertThat(set.generation().maxQueuedRequests()).isEqualTo(300);
        assertThat(set.speculation()).isEqualTo(Speculation.PROMPT_LOOKUP);
    }

    @Test
    void theDecoderConfigCarriesTheWeightFormatAndABadOneIsNamed() {
        assertThat(EngineSettings.defaults().toDecoderConfig(Speculation.NONE, null).weights())
                .as("unset: f32").isEqualTo(WeightFormat.F32);
        EngineSettings int8 = new EngineSettings("cpu", 2, null, null, null, null, null, null, null, "INT8");
        assertThat(int8.toDecoderConfig(Speculation.NONE, null).weights()).isEqualTo(WeightFormat.INT8);
        assertThatThrownBy(() -> new EngineSettings("cpu", 2, null, null, null, null, null, null, null, "fp8"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("engine.weights is fp8, expected one of [f32, bf16, int8]");
    }
}
