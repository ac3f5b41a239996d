package io.textintel.connectors.elasticsearch;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

class RejectedDocumentsSerializerTest {

    private final RejectedDocumentsSerializer serializer = RejectedDocumentsSerializer.INSTANCE;

    @Test
    void roundTripsEveryFieldIncludingLongReasonsAndNonAsciiIds() throws IOException {
        String longReason = "x".repeat(70_000); // more than writeUTF's 64 KiB
        RejectedDocuments batch = new RejectedDocuments(List.of(
                new RejectedDocument("docs", "id-ü-😀", "{\"a\":1}".getBytes(UTF_8), 400,
                        "mapper_parsing_exception", longReason),
                new RejectedDocument("docs-2", "b", new byte[0], 409, null, null)));

        RejectedDocuments back = serializer.deserialize(serializer.getVersion(), serializer.serialize(batch));

        assertThat(back.documents()).hasSize(2);
        RejectedDocument first = back.documents().get(0);
        assertThat(first.index()).isEqualTo("docs");
        assertThat(first.id()).isEqualTo("id-ü-😀");
        assertThat(first.source()).isEqualTo("{\"a\":1}".getBytes(UTF_8));
        assertThat(first.status()).isEqualTo(400);
        assertThat(first.errorType()).isEqualTo("mapper_parsing_exception");
        assertThat(first.errorReason()).isEqualTo(longReason);
        assertThat(back.documents().get(1).message())
                .isEqualTo("document b rejected by index docs-2 with status 409: unknown: no reason given");
        assertThat(serializer.deserialize(1, serializer.serialize(RejectedDocuments.NONE)).isEmpty()).isTrue();
    }

    @Test
    void refusesAnUnknownVersion() {
        assertThatThrownBy(() -> serializer.deserialize(2, new byte[4]))
                .isInstanceOf(IOException.class)
                .hasMessage("Rejected documents serialized with version 2, expected 1.");
    }
}
