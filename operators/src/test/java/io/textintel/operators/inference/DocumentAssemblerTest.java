package io.textintel.operators.inference;

import static org.assertj.core.api.Assertions.assertThat;

import io.textintel.schemas.EnrichedDocument;
import io.textintel.schemas.KafkaProvenance;
import io.textintel.schemas.ModelRef;
import io.textintel.schemas.SummaryInfo;
import io.textintel.schemas.TextRecord;
import io.textintel.schemas.TopicTag;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

class DocumentAssemblerTest {

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
    void copiesTheInputAndAddsWhatTheTasksWriteWithTopicsOfAllTasksMergedByScore() {
        TokenizedDocument doc = doc();
        ModelTask embed = ModelTask.embed("embed", "org/embedder", null);
        ModelTask tag = ModelTask.tag("tag", "org/tagger", "v1", 2, 0.2f);
        Instant now = Instant.parse("2026-11-22T00:00:00Z");

        DocumentAssembler document = new DocumentAssembler(doc);
        document.embedding(new float[] {0.6f, 0.8f});
        document.model(embed, null, 4, doc.inputs[0], null);
        document.topics(List.of(new TopicTag("delivery", 0.5f), new TopicTag("refund", 0.25f)));
        document.topics(List.of(new TopicTag("praise", 0.3f)));
        document.model(tag, "v1", 5, doc.inputs[1], "few-shot:0123456789abcdef");
        document.summary(SummaryInfo.newBuilder().setText("parcel?").setInputTokens(4).setOutputTokens(2)
                .setLatencyMillis(1).setMethod("extractive").setSentences(List.of(0)).build());
        EnrichedDocument out = document.build(now);

        assertThat(out.getId()).isEqualTo("fb-1");
        assertThat(out.getText()).isEqualTo("where is my parcel");
        assertThat(out.getAttributes()).containsEntry("plan", "free");
        assertThat(out.getEmbedding()).containsExactly(0.6f, 0.8f);
        assertThat(out.getTopics()).extracting(TopicTag::getLabel).containsExactly("delivery", "praise", "refund");
        assertThat(out.getSummary().getSentences()).containsExactly(0);
        assertThat(out.getModels()).extracting(ModelRef::getTask).containsExactly("embed", "tag");
        ModelRef tagRef = out.getModels().get(1);
        assertThat(tagRef.getRevision()).isEqualTo("v1");
        assertThat(tagRef.getTruncated()).isTrue();
        assertThat(tagRef.getInputTokens()).isEqualTo(5);
        assertThat(tagRef.getUnknownTokens()).isEqualTo(1);
        assertThat(tagRef.getHead()).isEqualTo("few-shot:0123456789abcdef");
        assertThat(out.getModels().get(0).getHead()).isNull();
        assertThat(out.getProvenance().getOffset()).isEqualTo(5L);
        assertThat(out.getProcessingTime()).isEqualTo(now);
    }
}
