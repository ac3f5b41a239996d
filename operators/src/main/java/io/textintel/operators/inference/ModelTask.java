package io.textintel.operators.inference;

import io.textintel.serving.spec.Speculation;

import java.io.Serializable;
import java.util.Objects;

/**
 * One model task of the pipeline: what to compute, with which model, and how to shape its output.
 * Serialized into the job graph; each operator opens what it needs of it through its
 * {@link TaskKind#type()}.
 *
 * @param name the task's name in the configuration and on the document (e.g. {@code embed}, {@code tag})
 * @param kind what the task computes
 * @param modelId a Hugging Face model id ({@code org/name}) or a local directory holding a checkpoint
 * @param revision the hub revision (branch, tag or commit) to pin; null means {@code main}
 * @param maxLength the maximum input length in tokens, or 0 for the model's own limit
 * @param topK for tagging kinds: how many labels to keep at most
 * @param minScore for tagging kinds: the lowest score a kept label may have
 * @param prefix for encoder kinds: prepended to every text the task embeds (the document, its
 *     sentences, few-shot examples), e.g. {@code "query: "} for E5 models; empty for none
 * @param options the settings particular to the kind ({@link TaskKind#optionsType()}); null for
 *     {@link TaskKind#EMBED} and {@link TaskKind#TAG}
 */
public record ModelTask(
        String name, TaskKind kind, String modelId, String revision, int maxLength, int topK, float minScore,
        String prefix, TaskOptions options)
        implements Serializable {

    public ModelTask {
        Objects.requireNonNull(kind, "kind");
        prefix = prefix == null ? "" : prefix;
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
        if (kind.isTagging() && topK < 1) {
            throw new IllegalArgumentException("task '" + name + "': top-k is " + topK + ", expected 1 or more");
        }
        if (!(minScore >= 0f && minScore <= 1f)) {
            throw new IllegalArgumentException(
                    "task '" + name + "': min-score is " + minScore + ", expected a score in [0, 1]");
        }
        if (kind.isGenerative() && !prefix.isEmpty()) {
            throw new IllegalArgumentException("task '" + name + "' of kind " + kind
                    + " has a prefix, expected one only for encoder tasks (a decoder has its chat template)");
        }
        checkOptions(name, kind, options);
    }

    /** An encoder task (embed or tag) without options or prefix. */
    public ModelTask(String name, TaskKind kind, String modelId, String revision, int maxLength, int topK,
            float minScore) {
        this(name, kind, modelId, revision, maxLength, topK, minScore, "", null);
    }

    /** A task with the options of its kind and no prefix. */
    public ModelTask(String name, TaskKind kind, String modelId, String revision, int maxLength, int topK,
            float minScore, TaskOptions options) {
        this(name, kind, modelId, revision, maxLength, topK, minScore, "", options);
    }

    private static void checkOptions(String name, TaskKind kind, TaskOptions options) {
        Class<? extends TaskOptions> expected = kind.optionsType();
        if (expected == null) {
            if (options != null) {
                throw new IllegalArgumentException("task '" + name + "' of kind " + kind + " has "
                        + options.getClass().getSimpleName() + ", expected no options for this kind");
            }
            return;
        }
        if (!expected.isInstance(options)) {
            throw new IllegalArgumentException("task '" + name + "' of kind " + kind + " has "
                    + (options == null ? "no options" : options.getClass().getSimpleName()) + ", expected "
                    + expected.getSimpleName());
        }
        if (options instanceof GenerativeSettings generative) {
            checkGenerative(name, kind, generative);
        }
    }

    private static void checkGenerative(String name, TaskKind kind, GenerativeSettings generative) {
        try {
            if (kind == TaskKind.SUMMARIZE) {
                generative.summaryOptions();
            } else {
                generative.taggingOptions();
            }
            Speculation speculation = generative.speculationKind();
            boolean hasDraft = generative.draftModel() != null && !generative.draftModel().isBlank();
            if ((speculation == Speculation.DRAFT_MODEL) != hasDraft) {
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

    /** A tagging task keeping the {@code topK} most probable labels of a classifier head. */
    public static ModelTask tag(String name, String modelId, String revision, int topK, float minScore) {
        return new ModelTask(name, TaskKind.TAG, modelId, revision, 0, topK, minScore);
    }

    /** This task with {@code prefix} before every text it embeds. */
    public ModelTask withPrefix(String prefix) {
        return new ModelTask(name, kind, modelId, revision, maxLength, topK, minScore, prefix, options);
    }

    /** The decoder settings of a generative kind; null for the others. */
    public GenerativeSettings generative() {
        return options instanceof GenerativeSettings settings ? settings : null;
    }

    /** The settings of a zero-shot tagging task; null for the other kinds. */
    public ZeroShotSettings zeroShot() {
        return options instanceof ZeroShotSettings settings ? settings : null;
    }

    /** The settings of a few-shot tagging task; null for the other kinds. */
    public FewShotSettings fewShot() {
        return options instanceof FewShotSettings settings ? settings : null;
    }

    /** The settings of an extractive summary task; null for the other kinds. */
    public ExtractiveSettings extractive() {
        return options instanceof ExtractiveSettings settings ? settings : null;
    }

    /** The revision to load, {@code main} when none is pinned. */
    public String revisionOrDefault() {
        return revision == null || revision.isBlank() ? "main" : revision;
    }
}
