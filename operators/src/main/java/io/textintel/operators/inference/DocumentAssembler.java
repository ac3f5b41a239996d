package io.textintel.operators.inference;

import io.textintel.operators.tokenize.TaskInput;
import io.textintel.operators.tokenize.TokenizedDocument;
import io.textintel.schemas.EnrichedDocument;
import io.textintel.schemas.ModelRef;
import io.textintel.schemas.SummaryInfo;
import io.textintel.schemas.TopicTag;
import io.textintel.serving.text.LabelScore;
import io.textintel.serving.text.Summary;

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
     * @param outputs each task's output, same order: an embedding ({@code float[]}) for
     *     {@link TaskKind#EMBED}, label probabilities ({@code float[]}) for {@link TaskKind#TAG}, a
     *     {@link Summary} for {@link TaskKind#SUMMARIZE}, a list of {@link LabelScore}s, best first,
     *     for {@link TaskKind#GENERATIVE_TAG}
     */
    public static EnrichedDocument assemble(
            TokenizedDocument doc, List<ModelTask> tasks, List<LoadedModel> models, List<?> outputs,
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
                .setNormalizations(doc.record.getNormalizations())
                .setProvenance(doc.provenance)
                .setProcessingTime(processingTime);
        List<TopicTag> topics = new ArrayList<>();
        List<ModelRef> refs = new ArrayList<>(tasks.size());
        for (int i = 0; i < tasks.size(); i++) {
            ModelTask task = tasks.get(i);
            TaskInput input = doc.inputs[i];
            Object output = outputs.get(i);
            switch (task.kind()) {
                case EMBED -> out.setEmbedding(toList(as(float[].class, output, task)));
                case TAG -> topics.addAll(topTags(as(float[].class, output, task), models.get(i).labels(), task.topK(),
                        task.minScore()));
                case SUMMARIZE -> out.setSummary(summaryInfo(as(Summary.class, output, task)));
                case GENERATIVE_TAG -> topics.addAll(generativeTags(as(List.class, output, task), task.topK(),
                        task.minScore()));
            }
            refs.add(ModelRef.newBuilder()
                    .setTask(task.name())
                    .setModelId(task.modelId())
                    .setRevision(models.get(i).revision())
                    .setInputTokens(task.kind().isGenerative() ? input.untruncatedLength : input.tokenIds.length)
                    .setTruncated(input.truncated)
                    .setUnknownTokens(input.unknownTokens)
                    .build());
        }
        topics.sort(Comparator.comparing(TopicTag::getScore).reversed());
        return out.setTopics(topics).setModels(refs).build();
    }

    private static <T> T as(Class<T> type, Object output, ModelTask task) {
        if (!type.isInstance(output)) {
            throw new IllegalStateException("task '" + task.name() + "' of kind " + task.kind() + " produced "
                    + (output == null ? "null" : output.getClass().getSimpleName()) + ", expected "
                    + type.getSimpleName() + ". This is a bug.");
        }
        return type.cast(output);
    }

    static SummaryInfo summaryInfo(Summary summary) {
        return SummaryInfo.newBuilder()
                .setText(summary.text())
                .setInputTokens(summary.inputTokens())
                .setOutputTokens(summary.outputTokens())
                .setLatencyMillis(summary.latencyMillis())
                .setChunks(summary.chunks())
                .setDraftTokensProposed(summary.draftProposed())
                .setDraftTokensAccepted(summary.draftAccepted())
                .setAcceptanceRate(summary.draftProposed() == 0 ? null
                        : (float) summary.draftAccepted() / summary.draftProposed())
                .setVerifySteps(summary.verifySteps())
                .setAcceptedPerStep(summary.verifySteps() == 0 ? null : (float) summary.acceptedPerVerifyStep())
                .setSummarizedTokens(summary.summarizedTokens())
                .build();
    }

    /** The first {@code topK} of a decoder's labels (best first) with at least {@code minScore}. */
    static List<TopicTag> generativeTags(List<?> scores, int topK, float minScore) {
        List<TopicTag> tags = new ArrayList<>();
        for (Object entry : scores) {
            LabelScore score = (LabelScore) entry;
            if (tags.size() == topK || score.probability() < minScore) {
                break;
            }
            tags.add(new TopicTag(score.label(), (float) score.probability()));
        }
        return tags;
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
