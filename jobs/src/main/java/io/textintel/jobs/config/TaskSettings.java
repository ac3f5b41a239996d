package io.textintel.jobs.config;

import io.textintel.operators.inference.ModelTask;
import io.textintel.operators.inference.TaskKind;

import java.util.List;

/**
 * One model task as configured under {@code tasks.<name>}.
 *
 * @param kind {@code embed} or {@code tag}
 * @param model a Hugging Face model id or a local checkpoint directory
 * @param revision the hub revision to pin (branch, tag or commit); {@code main} when absent
 * @param maxLength input tokens kept (longer input is truncated and marked so); 0 for the model's limit
 * @param topK tags kept per document ({@code tag} tasks)
 * @param minScore lowest probability of a kept tag ({@code tag} tasks)
 */
public record TaskSettings(
        String kind, String model, String revision, Integer maxLength, Integer topK, Float minScore) {

    public TaskSettings {
        maxLength = maxLength == null ? 0 : maxLength;
        topK = topK == null ? 3 : topK;
        minScore = minScore == null ? 0f : minScore;
    }

    void validate(String name, ConfigProblems problems) {
        String key = "tasks." + name;
        problems.requireOneOf(key + ".kind", kind, List.of("embed", "tag"));
        problems.requireText(key + ".kind", kind, "embed or tag");
        problems.requireText(key + ".model", model, "a Hugging Face model id or a checkpoint directory");
        if (maxLength < 0 || maxLength == 1) {
            problems.add(key + ".max-length", "is " + maxLength,
                    "0 (the model's limit) or at least 2 (room for the special tokens)");
        }
        problems.requireAtLeast(key + ".top-k", topK, 1);
        if (!(minScore >= 0f && minScore <= 1f)) {
            problems.add(key + ".min-score", "is " + minScore, "a probability in [0, 1]");
        }
    }

    ModelTask toModelTask(String name) {
        return new ModelTask(name, TaskKind.parse(kind), model, revision, maxLength, topK, minScore);
    }
}
