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
 */
public record ModelTask(
        String name, TaskKind kind, String modelId, String revision, int maxLength, int topK, float minScore)
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
        if (kind == TaskKind.TAG && topK < 1) {
            throw new IllegalArgumentException("task '" + name + "': top-k is " + topK + ", expected 1 or more");
        }
        if (!(minScore >= 0f && minScore <= 1f)) {
            throw new IllegalArgumentException(
                    "task '" + name + "': min-score is " + minScore + ", expected a probability in [0, 1]");
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
