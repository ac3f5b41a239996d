package io.textintel.operators.inference;

import java.io.Serializable;
import java.util.Objects;

/**
 * One model task of the pipeline: what to compute, with which model, and how to shape its output.
 *
 * @param name the task's name in the configuration and on the document (e.g. {@code embed}, {@code tag})
 * @param kind what the task computes
 * @param modelId a Hugging Face model id ({@code org/name}) or a local directory holding a checkpoint
 * @param revision the hub revision (branch, tag or commit) to pin; null means {@code main}
 * @param maxLength the maximum input length in tokens, or 0 for the model's own limit
 * @param topK for {@link TaskKind#TAG}: how many labels to keep at most
 * @param minScore for {@link TaskKind#TAG}: the lowest probability a kept label may have
 * @param generative for {@link TaskKind#SUMMARIZE} and {@link TaskKind#GENERATIVE_TAG}: the decoder's
 *     settings; null for encoder tasks
 */
public record ModelTask(
        String name, TaskKind kind, String modelId, String revision, int maxLength, int topK, float minScore,
        GenerativeSettings generative)
        implements Serializable {

    public ModelTask {
        Objects.requireNonNull(kind, "kind");
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("task name must not be blank");
        }
        if (modelId == null || modelId.isBlank()) {
            throw new IllegalArgumentException("task '" + name + "': model must not be blank");
        }
        if (maxLength < 0 || maxLength == 1) {
            throw new IllegalArgumentException("task '" + name + "': max-length is " + maxLength
                    + ", expected 0 (the model's limit) or at least 2 (room for the special tokens)");
        }
        if ((kind == TaskKind.TAG || kind == TaskKind.GENERATIVE_TAG) && topK < 1) {
            throw new IllegalArgumentException("task '" + name + "': top-k is " + topK + ", expected 1 or more");
        }
        if (!(minScore >= 0f && minScore <= 1f)) {
            throw new IllegalArgumentException(
                    "task '" + name + "': min-score is " + minScore + ", expected a probability in [0, 1]");
        }
        checkGenerative(name, kind, generative);
    }

    /** An encoder task (embed or tag). */
    public ModelTask(String name, TaskKind kind, String modelId, String revision, int maxLength, int topK,
            float minScore) {
        this(name, kind, modelId, revision, maxLength, topK, minScore, null);
    }

    private static void checkGenerative(String name, TaskKind kind, GenerativeSettings generative) {
        if (!kind.isGenerative()) {
            if (generative != null) {
                throw new IllegalArgumentException("task '" + name + "' of kind " + kind
                        + " has decoder settings, expected them only for summarize and generative tag tasks");
            }
            return;
        }
        if (generative == null) {
            throw new IllegalArgumentException("task '" + name + "' of kind " + kind + " has no decoder settings");
        }
        try {
            if (kind == TaskKind.SUMMARIZE) {
                generative.summaryOptions();
            } else {
                generative.taggingOptions();
            }
            var speculation = generative.speculationKind();
            boolean hasDraft = generative.draftModel() != null && !generative.draftModel().isBlank();
            if ((speculation == io.textintel.serving.text.SpeculationKind.DRAFT_MODEL) != hasDraft) {
                throw new IllegalArgumentException(hasDraft
                        ? "draft-model is set but speculation is " + generative.speculation() + ", expected draft-model"
                        : "speculation is draft-model but draft-model is not set, expected a smaller model of the"
                                + " same tokenizer");
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("task '" + name + "': " + e.getMessage(), e);
        }
    }

    /** An embedding task with the model's own length limit. */
    public static ModelTask embed(String name, String modelId, String revision) {
        return new ModelTask(name, TaskKind.EMBED, modelId, revision, 0, 1, 0f);
    }

    /** A tagging task keeping the {@code topK} most probable labels. */
    public static ModelTask tag(String name, String modelId, String revision, int topK, float minScore) {
        return new ModelTask(name, TaskKind.TAG, modelId, revision, 0, topK, minScore);
    }

    /** The revision to load, {@code main} when none is pinned. */
    public String revisionOrDefault() {
        return revision == null || revision.isBlank() ? "main" : revision;
    }
}
