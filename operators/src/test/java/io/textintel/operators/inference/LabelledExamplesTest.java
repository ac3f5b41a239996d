package io.textintel.operators.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

class LabelledExamplesTest {

    @TempDir
    Path dir;

    private Path write(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content);
    }

    @Test
    void jsonLinesGiveOneExamplePerTextInFileOrderWithRepeatedTextsMerged() throws IOException {
        Path file = write("examples.jsonl", """
                {"text": "I was charged twice", "label": "billing", "source": "email"}

                {"text": "the parcel is late", "label": "delivery"}
                {"text": "I was charged twice", "labels": ["refund", "billing"]}
                """);

        assertThat(LabelledExamples.read(file)).containsExactly(
                new LabelledExample("I was charged twice", List.of("billing", "refund")),
                new LabelledExample("the parcel is late", "delivery"));
    }

    @Test
    void csvWithAHeaderAndQuotedFieldsReadsTheSame() throws IOException {
        Path file = write("examples.csv", """
                text,label
                "charged twice, no answer",billing
                the parcel is late,delivery
                """);

        assertThat(LabelledExamples.read(file)).containsExactly(
                new LabelledExample("charged twice, no answer", "billing"),
                new LabelledExample("the parcel is late", "delivery"));
    }

    @Test
    void badLinesAreNamedWithTheFileAndLine() throws IOException {
        Path noLabel = write("a.jsonl", "{\"text\": \"ok\", \"label\": \"x\"}\n{\"text\": \"no label\"}\n");
        Path notJson = write("b.jsonl", "{\"text\": \"ok\", \"label\": \"x\"}\nnot json\n");
        Path noText = write("c.csv", "text,label\n,billing\n");
        Path columns = write("d.csv", "message,topic\nhello,billing\n");

        assertThatThrownBy(() -> LabelledExamples.read(noLabel)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(noLabel + " line 2 has no valid label");
        assertThatThrownBy(() -> LabelledExamples.read(notJson)).hasMessageContaining(notJson + " line 2 is not JSON");
        assertThatThrownBy(() -> LabelledExamples.read(noText)).hasMessageContaining(noText + " line 2 has no text");
        assertThatThrownBy(() -> LabelledExamples.read(columns)).hasMessageContaining("expected a header with text and label");
        assertThatThrownBy(() -> LabelledExamples.read(dir.resolve("absent.jsonl"))).isInstanceOf(NoSuchFileException.class);
        assertThatThrownBy(() -> LabelledExamples.read(write("e.txt", "x"))).hasMessageContaining("expected .jsonl or .csv");
    }
}
