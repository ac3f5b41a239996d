package io.textintel.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;

class DeadLetterReasonTest {

    @Test
    void everyCodeIsUniqueAndReadsBackAsItsReason() {
        assertThat(Arrays.stream(DeadLetterReason.values()).map(DeadLetterReason::code).distinct())
                .hasSize(DeadLetterReason.values().length);
        for (DeadLetterReason reason : DeadLetterReason.values()) {
            assertThat(reason.code()).matches("[a-z_]+");
            assertThat(DeadLetterReason.ofCode(reason.code())).isSameAs(reason);
        }
    }

    @Test
    void everyStageThatMakesDeadLettersHasCodes() {
        EnumSet<PipelineStage> stages = EnumSet.noneOf(PipelineStage.class);
        Arrays.stream(DeadLetterReason.values()).forEach(reason -> stages.add(reason.stage()));

        assertThat(stages).isEqualTo(EnumSet.complementOf(EnumSet.of(PipelineStage.UNKNOWN)));
        assertThat(DeadLetterReason.DOCUMENT_REJECTED.stage()).isEqualTo(PipelineStage.SINK);
        assertThat(DeadLetterReason.TOO_LARGE.stageLabel()).isEqualTo("sink");
    }

    @Test
    void theSchemaDocumentsEveryCodeWithItsStage() {
        String doc = DeadLetter.getClassSchema().getField("reasonCode").doc();
        for (DeadLetterReason reason : DeadLetterReason.values()) {
            // Each stage's codes are listed before the stage's name in parentheses.
            String afterCode = doc.substring(doc.indexOf(reason.code()) + reason.code().length());
            assertThat(doc).contains(reason.code());
            assertThat(afterCode).as("stage named after code %s", reason.code())
                    .containsPattern("^[a-z_, ]*\\(" + reason.stage().name() + "\\)");
        }
    }

    @Test
    void anUnknownCodeIsNamedWithTheKnownOnes() {
        assertThatThrownBy(() -> DeadLetterReason.ofCode("mapping"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'mapping'").hasMessageContaining("document_rejected, too_large");
    }
}
