package io.textintel.connectors.elasticsearch;

import static org.assertj.core.api.Assertions.assertThat;

import io.textintel.schemas.DeadLetterReason;
import io.textintel.schemas.PipelineStage;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RejectedDocumentTest {

    private static RejectedDocument rejected(int status, String type) {
        return new RejectedDocument("docs", "fb-1", "{}".getBytes(StandardCharsets.UTF_8), status, type, "why");
    }

    @Test
    void mappingAndParseErrorsAreRejectedDocuments() {
        assertThat(rejected(400, "mapper_parsing_exception").reasonCode()).isEqualTo(DeadLetterReason.DOCUMENT_REJECTED);
        assertThat(rejected(400, "document_parsing_exception").reasonCode())
                .isEqualTo(DeadLetterReason.DOCUMENT_REJECTED);
        assertThat(rejected(409, "version_conflict_engine_exception").reasonCode())
                .isEqualTo(DeadLetterReason.DOCUMENT_REJECTED);
        assertThat(rejected(400, null).reasonCode()).isEqualTo(DeadLetterReason.DOCUMENT_REJECTED);
    }

    @Test
    void status413IsTooLarge() {
        assertThat(rejected(413, "content_too_long").reasonCode()).isEqualTo(DeadLetterReason.TOO_LARGE);
    }

    @Test
    void everyCodeOfARejectionIsOfStageSink() {
        for (int status : new int[] {400, 404, 409, 413, 422}) {
            assertThat(rejected(status, "x").reasonCode().stage()).as("status %d", status).isEqualTo(PipelineStage.SINK);
        }
    }
}
