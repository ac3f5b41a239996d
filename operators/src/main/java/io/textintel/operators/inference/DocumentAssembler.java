package io.textintel.operators.inference;

import io.textintel.operators.tokenize.TaskInput;
import io.textintel.operators.tokenize.TokenizedDocument;
import io.textintel.schemas.EnrichedDocument;
import io.textintel.schemas.ModelRef;
import io.textintel.schemas.TopicTag;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Builds the {@link EnrichedDocument} of a record from what each of its model tasks computed.
 *
 * <p>Deterministic for the same input and model outputs, apart from the processing time, so that a
 * replay after a failure writes the same document.
 */
public final class DocumentAssembler {

    private DocumentAssembler() {}

    /**
     * The enriched document.
     *
     * @param doc the tokenized record
     * @param tasks the pipeline's tasks, in the order of {@code doc.inputs}
     * @param models what each task ran on, same order
     * @param outputs each task's output, same order: an embedding for {@link TaskKind#EMBED}, label
     *     probabilities for {@link TaskKind#TAG}
     */
    public static EnrichedDocument assemble(
            TokenizedDocument doc, List<ModelTask> tasks, List<LoadedModel> models, List<float[]> outputs,
            Instant processingTime) {
        if (tasks.size() != doc.inputs.length || tasks.size() != outputs.size() || tasks.size() != models.size()) {
            throw new IllegalArgumentException("document " + doc.record.getId() + " has " + doc.inputs.length
                    + " task inputs, " + outputs.size() + " outputs and " + models.size()
                    + " models for " + tasks.size() + " tasks");
        }
        EnrichedDocument.Builder out = EnrichedDocument.newBuilder()
                .setId(doc.record.getId())
                .setText(doc.record.getText())
                .setSource(doc.record.getSource())
                .setLanguage(doc.record.getLanguage())
                .setEventTime(doc.record.getEventTime())
                .setAttributes(doc.record.getAttributes())
                .setProvenance(doc.provenance)
                .setProcessingTime(processingTime);
        List<TopicTag> topics = new ArrayList<>();
        List<ModelRef> refs = new ArrayList<>(tasks.size());
        for (int i = 0; i < tasks.size(); i++) {
            ModelTask task = tasks.get(i);
            TaskInput input = doc.inputs[i];
            float[] output = outputs.get(i);
            switch (task.kind()) {
                case EMBED -> out.setEmbedding(toList(output));
                case TAG -> topics.addAll(topTags(output, models.get(i).labels(), task.topK(), task.minScore()));
            }
            refs.add(ModelRef.newBuilder()
                    .setTask(task.name())
                    .setModelId(task.modelId())
                    .setRevision(models.get(i).revision())
                    .setInputTokens(input.tokenIds.length)
                    .setTruncated(input.truncated)
                    .build());
        }
        topics.sort(Comparator.comparing(TopicTag::getScore).reversed());
        return out.setTopics(topics).setModels(refs).build();
    }

    /** The {@code topK} most probable labels with at least {@code minScore}, most probable first. */
    static List<TopicTag> topTags(float[] probabilities, List<String> labels, int topK, float minScore) {
        if (probabilities.length != labels.size()) {
            throw new IllegalArgumentException("classifier returned " + probabilities.length
                    + " probabilities for " + labels.size() + " labels");
        }
        Integer[] order = new Integer[probabilities.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        // Ties break by label id so that the result does not depend on the sort's stability.
        java.util.Arrays.sort(order, (a, b) -> {
            int byScore = Float.compare(probabilities[b], probabilities[a]);
            return byScore != 0 ? byScore : Integer.compare(a, b);
        });
        List<TopicTag> tags = new ArrayList<>(Math.min(topK, order.length));
        for (int i = 0; i < order.length && tags.size() < topK; i++) {
            float score = probabilities[order[i]];
            if (score < minScore) {
                break;
            }
            tags.add(new TopicTag(labels.get(order[i]), score));
        }
        return tags;
    }

    private static List<Float> toList(float[] values) {
        List<Float> list = new ArrayList<>(values.length);
        for (float v : values) {
            list.add(v);
        }
        return list;
    }
}
