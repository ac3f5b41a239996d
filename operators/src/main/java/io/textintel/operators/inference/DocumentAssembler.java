package io.textintel.operators.inference;

import io.textintel.schemas.EnrichedDocument;
import io.textintel.schemas.ModelRef;
import io.textintel.schemas.SummaryInfo;
import io.textintel.schemas.TopicTag;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Builds the {@link EnrichedDocument} of a record: the record's fields, then what each task writes
 * (its {@link TaskRunner#write}), then the processing time.
 *
 * <p>Deterministic for the same input and model outputs, apart from the processing time, so that a
 * replay after a failure writes the same document. Topics of all tagging tasks are merged, highest
 * score first (ties in the order the tasks wrote them).
 */
public final class DocumentAssembler {

    private final String text;
    private final EnrichedDocument.Builder out;
    private final List<TopicTag> topics = new ArrayList<>();
    private final List<ModelRef> models = new ArrayList<>();

    DocumentAssembler(TokenizedDocument doc) {
        this.text = doc.record.getText();
        this.out = EnrichedDocument.newBuilder()
                .setId(doc.record.getId())
                .setText(doc.record.getText())
                .setSource(doc.record.getSource())
                .setLanguage(doc.record.getLanguage())
                .setEventTime(doc.record.getEventTime())
                .setAttributes(doc.record.getAttributes())
                .setNormalizations(doc.record.getNormalizations())
                .setProvenance(doc.provenance);
    }

    /** The record's text. */
    String text() {
        return text;
    }

    void embedding(float[] values) {
        List<Float> list = new ArrayList<>(values.length);
        for (float v : values) {
            list.add(v);
        }
        out.setEmbedding(list);
    }

    void summary(SummaryInfo summary) {
        out.setSummary(summary);
    }

    void topics(List<TopicTag> tags) {
        topics.addAll(tags);
    }

    /**
     * Records what a task ran on.
     *
     * @param revision the model's resolved revision, null for a local directory
     * @param inputTokens the tokens the model saw
     * @param head the version of a head built at start-up, null for none
     */
    void model(ModelTask task, String revision, int inputTokens, TaskInput input, String head) {
        models.add(ModelRef.newBuilder()
                .setTask(task.name())
                .setModelId(task.modelId())
                .setRevision(revision)
                .setInputTokens(inputTokens)
                .setTruncated(input.truncated)
                .setUnknownTokens(input.unknownTokens)
                .setHead(head)
                .build());
    }

    EnrichedDocument build(Instant processingTime) {
        List<TopicTag> sorted = new ArrayList<>(topics);
        sorted.sort(Comparator.comparing(TopicTag::getScore).reversed());
        return out.setTopics(sorted).setModels(List.copyOf(models)).setProcessingTime(processingTime).build();
    }
}
