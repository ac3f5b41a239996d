package io.textintel.operators;

import io.textintel.schemas.DeadLetterReason;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.flink.metrics.Counter;
import org.junit.jupiter.api.Test;

class DeadLetterCountersTest {

    private static long count(RecordingMetricGroup group, String stage, String reason) {
        return ((Counter) group.metrics().get("textintel.stage." + stage + ".reason." + reason + ".deadLetters"))
                .getCount();
    }

    @Test
    void registersEveryReasonAtZeroAndCountsEachOnItsOwn() {
        RecordingMetricGroup group = new RecordingMetricGroup();
        DeadLetterCounters counters = new DeadLetterCounters(group, DeadLetterReason.UNDECODABLE,
                DeadLetterReason.DECODER_FAILURE, DeadLetterReason.INVALID);

        assertThat(group.metrics()).containsOnlyKeys(
                "textintel.stage.decode.reason.undecodable.deadLetters",
                "textintel.stage.decode.reason.decoder_failure.deadLetters",
                "textintel.stage.validate.reason.invalid.deadLetters");
        assertThat(count(group, "decode", "undecodable")).isZero();

        counters.count(DeadLetterReason.UNDECODABLE);
        counters.count(DeadLetterReason.UNDECODABLE);
        counters.count(DeadLetterReason.INVALID);

        assertThat(count(group, "decode", "undecodable")).isEqualTo(2);
        assertThat(count(group, "decode", "decoder_failure")).isZero();
        assertThat(count(group, "validate", "invalid")).isEqualTo(1);
    }

    @Test
    void aReasonTheOperatorDidNotRegisterIsABug() {
        DeadLetterCounters counters = new DeadLetterCounters(new RecordingMetricGroup(), DeadLetterReason.TIMEOUT);
        assertThatThrownBy(() -> counters.count(DeadLetterReason.INVALID))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("INVALID");
    }

    @Test
    void everyLabelStaysWithinPrometheusLabelCharacters() {
        for (DeadLetterReason reason : DeadLetterReason.values()) {
            assertThat(reason.code()).matches("[a-z_]+");
            assertThat(reason.stageLabel()).matches("[a-z_]+");
        }
    }
}
