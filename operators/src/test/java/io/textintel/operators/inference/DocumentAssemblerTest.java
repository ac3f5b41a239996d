package io.textintel.operators.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.textintel.operators.tokenize.TaskInput;
import io.textintel.operators.tokenize.TokenizedDocument;
import io.textintel.schemas.EnrichedDocument;
import io.textintel.schemas.KafkaProvenance;
import io.textintel.schemas.TextRecord;
import io.textintel.schemas.TopicTag;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

class DocumentAssemblerTest {

    private static final List<String> LABELS = List.of("billing", "delivery", "praise", "refund");

    private static TokenizedDocument doc() {
        TextRecord record = TextRecord.newBuilder().setId("fb-1").setText("where is my parcel").setSource("web")
                .setLanguage("en").setEventTime(Instant.parse("2026-10-05T12:00:00Z"))
                .setAttributes(Map.of("plan", "free")).build();
        return new TokenizedDocument(record, new KafkaProvenance("feedback", 0, 5L, Instant.EPOCH), new TaskInput[] {
            new TaskInput("embed", new int[] {2, 10, 11, 3}, false, 4, 0),
            new TaskInput("tag", new int[] {2, 10, 11, 12, 3}, true, 9, 1)
        });
    }

    @Test
    void copiesTheInputAndAddsEmbeddingTagsAndModels() {
        List<ModelTask> tasks = List.of(ModelTask.embed("embed", "org/embedder", null),
                ModelTask.tag("tag", "org/tagger", "v1", 2, 0.2f));
        List<LoadedModel> models = List.of(new LoadedModel(null, List.of()), new LoadedModel("v1", LABELS));
        float[] embedding = {0.6f, 0.8f};
        float[] probabilities = {0.1f, 0.5f, 0.15f, 0.25f};
        Instant now = Instant.parse("2026-11-22T00:00:00Z");

        EnrichedDocument out = DocumentAssembler.assemble(doc(), tasks, models, List.of(embedding, probabilities), now);

        assertThat(out.getId()).isEqualTo("fb-1");
        assertThat(out.getText()).isEqualTo("where is my parcel");
        assertThat(out.getAttributes()).containsEntry("plan", "free");
        assertThat(out.getEmbedding()).containsExactly(0.6f, 0.8f);
        assertThat(out.getTopics()).extracting(TopicTag::getLabel).containsExactly("delivery", "refund");
        assertThat(out.getTopics()).extracting(TopicTag::getScore).containsExactly(0.5f, 0.25f);
        assertThat(out.getModels()).hasSize(2);
        assertThat(out.getModels().get(1).getRevision()).isEqualTo("v1");
        assertThat(out.getModels().get(1).getTruncated()).isTrue();
        assertThat(out.getModels().get(1).getInputTokens()).isEqualTo(5);
        assertThat(out.getProvenance().getOffset()).isEqualTo(5L);
        assertThat(out.getProcessingTime()).isEqualTo(now);
    }

    @Test
    void topTagsKeepsAtMostTopKAboveTheMinimumAndBreaksTiesByLabelId() {
        float[] p = {0.3f, 0.3f, 0.05f, 0.35f};

        assertThat(DocumentAssembler.topTags(p, LABELS, 3, 0.1f)).extracting(TopicTag::getLabel)
                .containsExactly("refund", "billing", "delivery");
        assertThat(DocumentAssembler.topTags(p, LABELS, 10, 0.31f)).extracting(TopicTag::getLabel)
                .containsExactly("refund");
        assertThat(DocumentAssembler.topTags(p, LABELS, 2, 0.9f)).isEmpty();
    }

    @Test
    void aClassifierWithTheWrongNumberOfOutputsIsABug() {
        assertThatThrownBy(() -> DocumentAssembler.topTags(new float[3], LABELS, 1, 0f))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("3 probabilities for 4 labels");
    }
}
