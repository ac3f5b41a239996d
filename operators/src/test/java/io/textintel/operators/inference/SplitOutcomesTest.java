package io.textintel.operators.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.textintel.operators.DeadLetters;
import io.textintel.operators.TestModels;
import io.textintel.schemas.DeadLetter;
import io.textintel.schemas.DeadLetterReason;
import io.textintel.schemas.EnrichedDocument;

import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

class SplitOutcomesTest {

    private static final Instant NOW = Instant.parse("2026-11-22T00:00:00Z");

    private static EnrichedDocument document(String id) {
        return EnrichedDocument.newBuilder().setId(id).setText("text of " + id).setProcessingTime(NOW).build();
    }

    private static DeadLetter deadLetter(String id) {
        return DeadLetters.of(new byte[] {1, 2}, DeadLetterReason.INPUT_REJECTED, "model rejected the input", id,
                TestModels.provenance(1), Clock.fixed(NOW, ZoneOffset.UTC));
    }

    @Test
    void enrichedDocumentsGoOnAndDeadLettersToTheSharedSideOutput() throws Exception {
        try (var h = ProcessFunctionTestHarnesses.forProcessFunction(new SplitOutcomes())) {
            h.processElement(InferenceOutcome.enriched(document("a")), 0);
            h.processElement(InferenceOutcome.rejected(deadLetter("b")), 0);
            h.processElement(InferenceOutcome.enriched(document("c")), 0);

            assertThat(h.extractOutputValues()).extracting(EnrichedDocument::getId).containsExactly("a", "c");
            List<DeadLetter> letters = h.getSideOutput(DeadLetters.TAG).stream().map(StreamRecord::getValue).toList();
            assertThat(letters).extracting(DeadLetter::getRecordId).containsExactly("b");
        }
    }

    @Test
    void anOutcomeWithNeitherDocumentNorDeadLetterIsABug() throws Exception {
        try (var h = ProcessFunctionTestHarnesses.forProcessFunction(new SplitOutcomes())) {
            assertThatThrownBy(() -> h.processElement(new InferenceOutcome(), 0))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("neither a document nor a dead letter");
        }
    }
}
