package io.textintel.serving.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SamplingParamsTest {

    @Test
    void greedyIsTemperatureZeroWithFiltersOff() {
        SamplingParams greedy = SamplingParams.greedy(16, List.of(2));
        assertThat(greedy.isGreedy()).isTrue();
        assertThat(greedy.topK()).isZero();
        assertThat(greedy.topP()).isEqualTo(1f);
        assertThat(greedy.isStop(2)).isTrue();
        assertThat(greedy.isStop(3)).isFalse();
        assertThat(new SamplingParams(0.7f, 40, 0.9f, 1, 8, List.of()).isGreedy()).isFalse();
    }

    @Test
    void rejectsOutOfRangeValuesNamingThem() {
        assertThatThrownBy(() -> new SamplingParams(-0.1f, 0, 1f, 0, 1, List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("temperature is -0.1");
        assertThatThrownBy(() -> new SamplingParams(Float.NaN, 0, 1f, 0, 1, List.of()))
                .hasMessageContaining("temperature is NaN");
        assertThatThrownBy(() -> new SamplingParams(1f, -1, 1f, 0, 1, List.of()))
                .hasMessageContaining("topK is -1");
        assertThatThrownBy(() -> new SamplingParams(1f, 0, 0f, 0, 1, List.of()))
                .hasMessageContaining("topP is 0.0");
        assertThatThrownBy(() -> new SamplingParams(1f, 0, 1.5f, 0, 1, List.of()))
                .hasMessageContaining("topP is 1.5");
        assertThatThrownBy(() -> new SamplingParams(1f, 0, 1f, 0, 0, List.of()))
                .hasMessageContaining("maxNewTokens is 0");
    }

    @Test
    void stopTokensAreCopied() {
        List<Integer> stops = new ArrayList<>(List.of(1));
        SamplingParams params = SamplingParams.greedy(4, stops);
        stops.add(7);
        assertThat(params.stopTokenIds()).containsExactly(1);
    }
}
