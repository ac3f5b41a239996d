package io.textintel.jobs.config;

import io.textintel.operators.inference.GenerativeSettings;
import io.textintel.operators.inference.ModelTask;
import io.textintel.operators.inference.TaskKind;

import java.util.HashSet;
import java.util.List;

/**
 * One model task as configured under {@code tasks.<name>}.
 *
 * <p>Kinds: {@code embed} (an encoder's sentence embedding), {@code tag} (topic tags: with
 * {@code mode: classifier}, the default, from an encoder's classification head; with
 * {@code mode: generative}, chosen by an instruction-tuned decoder among {@code labels}) and
 * {@code summarize} (a summary by an instruction-tuned decoder). The decoder keys
 * ({@code max-summary-tokens} .. {@code multi-label}) apply to decoder tasks only.
 *
 * @param kind {@code embed}, {@code tag} or {@code summarize}
 * @param mode for {@code tag}: {@code classifier} (default) or {@code generative}
 * @param model a Hugging Face model id or a local checkpoint directory
 * @param revision the hub revision to pin (branch, tag or commit); {@code main} when absent
 * @param maxLength input tokens kept (longer input is truncated and marked so); 0 for the model's limit
 * @param topK tags kept per document ({@code tag} tasks)
 * @param minScore lowest probability of a kept tag ({@code tag} tasks)
 * @param maxSummaryTokens most tokens of a summary ({@code summarize}; default 64)
 * @param style summary style: {@code one sentence}, {@code bullet points}, {@code paragraph} (default) or free wording
 * @param temperature 0 (default) for greedy decoding; above 0 sampled with {@code seed}
 * @param topP nucleus mass of sampled decoding, in (0, 1] (default 1)
 * @param seed seed of sampled decoding (default 0)
 * @param speculation {@code none} (default), {@code prompt-lookup} or {@code draft-model}
 * @param draftModel the draft model for {@code speculation: draft-model}: same tokenizer, much smaller
 * @param labels the label set of a generative {@code tag} task
 * @param multiLabel whether a generative {@code tag} task may name several labels (default false)
 */
public record TaskSettings(
        String kind, String mode, String model, String revision, Integer maxLength, Integer topK, Float minScore,
        Integer maxSummaryTokens, String style, Float temperature, Float topP, Long seed, String speculation,
        String draftModel, List<String> labels, Boolean multiLabel) {

    private static final List<String> SPECULATION = List.of("none", "prompt-lookup", "draft-model");

    public TaskSettings {
        maxLength = maxLength == null ? 0 : maxLength;
        topK = topK == null ? 3 : topK;
        minScore = minScore == null ? 0f : minScore;
        maxSummaryTokens = maxSummaryTokens == null ? 64 : maxSummaryTokens;
        temperature = temperature == null ? 0f : temperature;
        topP = topP == null ? 1f : topP;
        seed = seed == null ? 0L : seed;
        speculation = speculation == null ? "none" : speculation;
        labels = labels == null ? List.of() : List.copyOf(labels);
        multiLabel = multiLabel != null && multiLabel;
    }

    void validate(String name, ConfigProblems problems) {
        String key = "tasks." + name;
        problems.requireOneOf(key + ".kind", kind, List.of("embed", "tag", "summarize"));
        problems.requireText(key + ".kind", kind, "embed, tag or summarize");
        problems.requireText(key + ".model", model, "a Hugging Face model id or a checkpoint directory");
        if (mode != null && !"tag".equals(kind)) {
            problems.add(key + ".mode", "is set for kind " + kind, "a mode only for kind tag");
        }
        problems.requireOneOf(key + ".mode", mode, List.of("classifier", "generative"));
        if (maxLength < 0 || maxLength == 1) {
            problems.add(key + ".max-length", "is " + maxLength,
                    "0 (the model's limit) or at least 2 (room for the special tokens)");
        }
        problems.requireAtLeast(key + ".top-k", topK, 1);
        if (!(minScore >= 0f && minScore <= 1f)) {
            problems.add(key + ".min-score", "is " + minScore, "a probability in [0, 1]");
        }
        boolean generative = "summarize".equals(kind) || "generative".equals(mode);
        if (!generative) {
            if (!labels.isEmpty()) {
                problems.add(key + ".labels", "are set for an encoder task", "labels only with kind tag, mode generative"
                        + " (a classifier's labels come from its checkpoint)");
            }
            return;
        }
        validateDecoder(key, problems);
    }

    private void validateDecoder(String key, ConfigProblems problems) {
        problems.requireAtLeast(key + ".max-summary-tokens", maxSummaryTokens, 1);
        if (style != null && style.isBlank()) {
            problems.add(key + ".style", "is blank", "e.g. one sentence, bullet points or paragraph");
        }
        if (!(temperature >= 0f) || temperature.isInfinite()) {
            problems.add(key + ".temperature", "is " + temperature, "a number >= 0 (0 for greedy decoding)");
        }
        if (!(topP > 0f && topP <= 1f)) {
            problems.add(key + ".top-p", "is " + topP, "a number in (0, 1]");
        }
        problems.requireOneOf(key + ".speculation", speculation, SPECULATION);
        boolean hasDraft = draftModel != null && !draftModel.isBlank();
        if ("draft-model".equals(speculation) && !hasDraft) {
            problems.add(key + ".draft-model", "is missing", "a smaller model with the same tokenizer when"
                    + " speculation is draft-model");
        }
        if (hasDraft && !"draft-model".equals(speculation)) {
            problems.add(key + ".draft-model", "is set but speculation is " + speculation,
                    "speculation: draft-model, or no draft-model");
        }
        if ("generative".equals(mode)) {
            if (labels.isEmpty()) {
                problems.add(key + ".labels", "are missing", "the list of labels to choose from, e.g. [billing, delivery]");
            }
            HashSet<String> seen = new HashSet<>();
            for (String label : labels) {
                if (label == null || label.isBlank()) {
                    problems.add(key + ".labels", "contain a blank label", "words");
                } else if (!seen.add(label.strip())) {
                    problems.add(key + ".labels", "contain '" + label + "' twice", "distinct labels");
                }
            }
        }
    }

    ModelTask toModelTask(String name) {
        TaskKind taskKind = TaskKind.parse(kind, mode);
        GenerativeSettings generative = taskKind.isGenerative()
                ? new GenerativeSettings(maxSummaryTokens, style, temperature, topP, seed, speculation, draftModel,
                        labels, multiLabel)
                : null;
        return new ModelTask(name, taskKind, model, revision, maxLength, topK, minScore, generative);
    }
}
