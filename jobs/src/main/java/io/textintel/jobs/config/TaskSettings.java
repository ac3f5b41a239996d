package io.textintel.jobs.config;

import io.textintel.operators.inference.ExtractiveSettings;
import io.textintel.operators.inference.FewShotSettings;
import io.textintel.operators.inference.GenerativeSettings;
import io.textintel.operators.inference.LabelledExample;
import io.textintel.operators.inference.LabelledExamples;
import io.textintel.operators.inference.ModelTask;
import io.textintel.operators.inference.TaskKind;
import io.textintel.operators.inference.TaskOptions;
import io.textintel.operators.inference.ZeroShotSettings;
import io.textintel.serving.task.SummaryOptions;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One model task as configured under {@code tasks.<name>}.
 *
 * <p>Kinds and modes: {@code embed}; {@code tag} with {@code mode} {@code classifier} (the default:
 * the checkpoint's classification head), {@code zero-shot} (similarity to label descriptions),
 * {@code few-shot} (a head fitted on {@code examples}) or {@code generative} (a decoder chooses among
 * {@code labels}); {@code summarize} with {@code mode} {@code generative} (the default: a decoder
 * writes it) or {@code extractive} (the text's most central sentences). Keys of one mode are refused
 * on another, naming the key.
 *
 * @param kind {@code embed}, {@code tag} or {@code summarize}
 * @param mode the kind's mode, see above
 * @param model a Hugging Face model id or a local checkpoint directory
 * @param revision the hub revision to pin (branch, tag or commit); {@code main} when absent
 * @param maxLength input tokens kept (longer input is truncated and marked so); 0 for the model's limit
 * @param topK tags kept per document ({@code tag} tasks)
 * @param minScore lowest score of a kept tag ({@code tag} tasks)
 * @param prefix encoder tasks: prepended to every text embedded, e.g. {@code "query: "} for E5
 * @param labels {@code generative} and {@code few-shot}: label names; {@code zero-shot}: names, or
 *     names mapped to one or more descriptions
 * @param labelPrefix {@code zero-shot}: prepended to every label description
 * @param temperature decoder tasks: 0 (default) for greedy decoding, above 0 sampled with {@code seed};
 *     {@code zero-shot}: the softmax temperature (default 0.05)
 * @param multiLabel {@code generative}, {@code zero-shot}, {@code few-shot}: labels scored independently
 * @param examples {@code few-shot}: the labelled example file (.jsonl or .csv), absolute or relative to
 *     the working directory; read when the configuration is
 * @param regularization {@code few-shot}: the L2 penalty of the head's fit (default 0.001)
 * @param minExamplesPerLabel {@code few-shot}: fewest examples of a label (default 2)
 * @param maxSentences {@code extractive}: most sentences of a summary (default 3)
 * @param maxCharacters {@code extractive}: most characters of a summary, 0 (default) for no limit
 * @param minSentences {@code extractive}: texts of fewer sentences get no summary (default max-sentences + 1)
 * @param minTextLength {@code extractive}: texts of fewer characters get no summary (default 200)
 * @param maxInputSentences {@code extractive}: sentences read from the start of a text (default 64)
 * @param mmrLambda {@code extractive}: centrality against redundancy, in [0, 1] (default 0.7)
 * @param maxSummaryTokens most tokens of a generative summary (default 64)
 * @param maxSummaryInputTokens most tokens of a text a generative summary reads (default 8192): a bound on the
 *     work one document can cost; the summary records how many it read
 * @param style summary style: {@code one sentence}, {@code bullet points}, {@code paragraph} (default) or free wording
 * @param topP nucleus mass of sampled decoding, in (0, 1] (default 1)
 * @param seed seed of sampled decoding (default 0)
 * @param speculation {@code none} (default), {@code prompt-lookup} or {@code draft-model}
 * @param draftModel the draft model for {@code speculation: draft-model}: same tokenizer, much smaller
 */
public record TaskSettings(
        String kind, String mode, String model, String revision, Integer maxLength, Integer topK, Float minScore,
        String prefix, LabelSet labels, String labelPrefix, Float temperature, Boolean multiLabel,
        String examples, Float regularization, Integer minExamplesPerLabel,
        Integer maxSentences, Integer maxCharacters, Integer minSentences, Integer minTextLength,
        Integer maxInputSentences, Float mmrLambda,
        Integer maxSummaryTokens, Integer maxSummaryInputTokens, String style, Float topP, Long seed,
        String speculation, String draftModel) {

    private static final List<String> SPECULATION = List.of("none", "prompt-lookup", "draft-model");
    private static final Map<String, List<String>> MODES = Map.of(
            "tag", List.of("classifier", "generative", "zero-shot", "few-shot"),
            "summarize", List.of("generative", "extractive"));

    public TaskSettings {
        maxLength = maxLength == null ? 0 : maxLength;
        topK = topK == null ? 3 : topK;
        minScore = minScore == null ? 0f : minScore;
        labels = labels == null ? LabelSet.empty() : labels;
        multiLabel = multiLabel != null && multiLabel;
        maxSummaryTokens = maxSummaryTokens == null ? 64 : maxSummaryTokens;
        maxSummaryInputTokens = maxSummaryInputTokens == null ? SummaryOptions.DEFAULT_MAX_INPUT_TOKENS
                : maxSummaryInputTokens;
        topP = topP == null ? 1f : topP;
        seed = seed == null ? 0L : seed;
        speculation = speculation == null ? "none" : speculation;
    }

    void validate(String name, ConfigProblems problems) {
        String key = "tasks." + name;
        problems.requireOneOf(key + ".kind", kind, List.of("embed", "tag", "summarize"));
        problems.requireText(key + ".kind", kind, "embed, tag or summarize");
        problems.requireText(key + ".model", model, "a Hugging Face model id or a checkpoint directory");
        List<String> modes = MODES.get(kind);
        if (mode != null && modes == null) {
            problems.add(key + ".mode", "is set for kind " + kind, "a mode only for kinds tag and summarize");
        } else if (modes != null) {
            problems.requireOneOf(key + ".mode", mode, modes);
        }
        if (maxLength < 0 || maxLength == 1) {
            problems.add(key + ".max-length", "is " + maxLength,
                    "0 (the model's limit) or at least 2 (room for the special tokens)");
        }
        problems.requireAtLeast(key + ".top-k", topK, 1);
        if (!(minScore >= 0f && minScore <= 1f)) {
            problems.add(key + ".min-score", "is " + minScore, "a score in [0, 1]");
        }
        TaskKind taskKind;
        try {
            taskKind = TaskKind.parse(kind, mode);
        } catch (IllegalArgumentException e) {
            return; // reported above
        }
        int before = problems.count();
        new KeyCheck(key, taskKind, problems).run();
        if (taskKind.isGenerative()) {
            validateDecoder(key, problems);
        }
        if (problems.count() > before) {
            return; // the options would only repeat what is reported
        }
        try {
            options(taskKind);
        } catch (IllegalArgumentException e) {
            problems.add(key + (taskKind == TaskKind.FEW_SHOT_TAG ? ".examples" : ""), e.getMessage());
        }
    }

    /** Which keys each mode takes; a key set for another mode is named with the modes it belongs to. */
    private final class KeyCheck {
        private final String key;
        private final TaskKind kind;
        private final ConfigProblems problems;

        KeyCheck(String key, TaskKind kind, ConfigProblems problems) {
            this.key = key;
            this.kind = kind;
            this.problems = problems;
        }

        void run() {
            boolean encoder = !kind.isGenerative();
            only("prefix", prefix, encoder, "encoder tasks (embed; tag classifier, zero-shot, few-shot;"
                    + " summarize extractive)");
            only("label-prefix", labelPrefix, kind == TaskKind.ZERO_SHOT_TAG, "tag mode zero-shot");
            only("examples", examples, kind == TaskKind.FEW_SHOT_TAG, "tag mode few-shot");
            only("regularization", regularization, kind == TaskKind.FEW_SHOT_TAG, "tag mode few-shot");
            only("min-examples-per-label", minExamplesPerLabel, kind == TaskKind.FEW_SHOT_TAG, "tag mode few-shot");
            boolean extractive = kind == TaskKind.EXTRACTIVE_SUMMARY;
            only("max-sentences", maxSentences, extractive, "summarize mode extractive");
            only("max-characters", maxCharacters, extractive, "summarize mode extractive");
            only("min-sentences", minSentences, extractive, "summarize mode extractive");
            only("min-text-length", minTextLength, extractive, "summarize mode extractive");
            only("max-input-sentences", maxInputSentences, extractive, "summarize mode extractive");
            only("mmr-lambda", mmrLambda, extractive, "summarize mode extractive");
            only("temperature", temperature, kind.isGenerative() || kind == TaskKind.ZERO_SHOT_TAG,
                    "decoder tasks and tag mode zero-shot");
            only("multi-label", multiLabel ? true : null, kind == TaskKind.GENERATIVE_TAG
                    || kind == TaskKind.ZERO_SHOT_TAG || kind == TaskKind.FEW_SHOT_TAG,
                    "tag modes generative, zero-shot and few-shot");
            boolean labelled = kind == TaskKind.GENERATIVE_TAG || kind == TaskKind.ZERO_SHOT_TAG
                    || kind == TaskKind.FEW_SHOT_TAG;
            if (!labelled && !labels.isEmpty()) {
                problems.add(key + ".labels", "are set for kind " + kind(), "labels only with kind tag, mode"
                        + " generative, zero-shot or few-shot (a classifier's labels come from its checkpoint)");
            }
            if (labelled && labels.hasDescriptions() && kind != TaskKind.ZERO_SHOT_TAG) {
                problems.add(key + ".labels", "have descriptions", "descriptions only for mode zero-shot, names here");
            }
            if (labelled) {
                checkLabelNames();
            }
            if (kind == TaskKind.FEW_SHOT_TAG && (examples == null || examples.isBlank())) {
                problems.add(key + ".examples", "is missing", "a labelled example file (.jsonl or .csv)");
            }
            problems.requireAtLeast(key + ".max-sentences", maxSentences, 1);
            problems.requireAtLeast(key + ".max-characters", maxCharacters, 0);
            problems.requireAtLeast(key + ".min-sentences", minSentences, 2);
            problems.requireAtLeast(key + ".min-text-length", minTextLength, 0);
            problems.requireAtLeast(key + ".min-examples-per-label", minExamplesPerLabel, 1);
            if (mmrLambda != null && !(mmrLambda >= 0f && mmrLambda <= 1f)) {
                problems.add(key + ".mmr-lambda", "is " + mmrLambda, "a number in [0, 1]");
            }
            if (regularization != null && !(regularization > 0f && !regularization.isInfinite())) {
                problems.add(key + ".regularization", "is " + regularization, "a number > 0 (e.g. 0.001)");
            }
            if (kind == TaskKind.ZERO_SHOT_TAG && temperature != null && !(temperature > 0f && !temperature.isInfinite())) {
                problems.add(key + ".temperature", "is " + temperature, "a number > 0 (e.g. 0.05)");
            }
        }

        private String kind() {
            return TaskSettings.this.kind + (mode == null ? "" : " mode " + mode);
        }

        private void only(String name, Object value, boolean allowed, String where) {
            if (value != null && !allowed) {
                problems.add(key + "." + name, "is set for kind " + kind(), name + " only for " + where);
            }
        }

        private void checkLabelNames() {
            if (labels.isEmpty() && kind != TaskKind.FEW_SHOT_TAG) {
                problems.add(key + ".labels", "are missing", "the list of labels to choose from, e.g. [billing, delivery]");
            }
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < labels.names().size(); i++) {
                String label = labels.names().get(i);
                if (label == null || label.isBlank()) {
                    problems.add(key + ".labels", "contain a blank label", "words");
                } else if (!seen.add(label.strip())) {
                    problems.add(key + ".labels", "contain '" + label + "' twice", "distinct labels");
                }
                for (String description : labels.descriptions().get(i)) {
                    if (description == null || description.isBlank()) {
                        problems.add(key + ".labels." + label, "has a blank description", "words");
                    }
                }
            }
        }
    }

    private void validateDecoder(String key, ConfigProblems problems) {
        problems.requireAtLeast(key + ".max-summary-tokens", maxSummaryTokens, 1);
        problems.requireAtLeast(key + ".max-summary-input-tokens", maxSummaryInputTokens, 1);
        if (style != null && style.isBlank()) {
            problems.add(key + ".style", "is blank", "e.g. one sentence, bullet points or paragraph");
        }
        if (temperature != null && (!(temperature >= 0f) || temperature.isInfinite())) {
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
    }

    /** The kind's options, built (and so checked) from these settings; null for kinds without options. */
    private TaskOptions options(TaskKind taskKind) {
        return switch (taskKind) {
            case EMBED, TAG -> null;
            case GENERATIVE_TAG, SUMMARIZE -> new GenerativeSettings(maxSummaryTokens, style,
                    temperature == null ? 0f : temperature, topP, seed, speculation, draftModel, labels.names(),
                    multiLabel, maxSummaryInputTokens);
            case ZERO_SHOT_TAG -> new ZeroShotSettings(labels.names(), labels.descriptions(), labelPrefix,
                    temperature == null ? ZeroShotSettings.DEFAULT_TEMPERATURE : temperature, multiLabel);
            case FEW_SHOT_TAG -> new FewShotSettings(labels.names(), readExamples(), examples,
                    regularization == null ? FewShotSettings.DEFAULT_REGULARIZATION : regularization, multiLabel,
                    minExamplesPerLabel == null ? FewShotSettings.DEFAULT_MIN_EXAMPLES_PER_LABEL : minExamplesPerLabel);
            case EXTRACTIVE_SUMMARY -> extractiveSettings();
        };
    }

    private ExtractiveSettings extractiveSettings() {
        int most = maxSentences == null ? ExtractiveSettings.DEFAULT_MAX_SENTENCES : maxSentences;
        int fewest = minSentences == null ? Math.max(2, most + 1) : minSentences;
        int read = maxInputSentences == null ? Math.max(ExtractiveSettings.DEFAULT_MAX_INPUT_SENTENCES, fewest)
                : maxInputSentences;
        return new ExtractiveSettings(most, maxCharacters == null ? 0 : maxCharacters, fewest,
                minTextLength == null ? ExtractiveSettings.DEFAULT_MIN_TEXT_LENGTH : minTextLength, read,
                mmrLambda == null ? ExtractiveSettings.DEFAULT_MMR_LAMBDA : mmrLambda);
    }

    private List<LabelledExample> readExamples() {
        if (examples == null || examples.isBlank()) {
            throw new IllegalArgumentException("is missing, expected a labelled example file (.jsonl or .csv)");
        }
        Path file = Path.of(examples);
        try {
            return LabelledExamples.read(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("file " + file.toAbsolutePath() + " does not exist, expected a"
                    + " labelled example file (.jsonl or .csv)", e);
        } catch (IOException e) {
            throw new IllegalArgumentException("file " + file.toAbsolutePath() + " cannot be read: " + e.getMessage(), e);
        }
    }

    ModelTask toModelTask(String name) {
        TaskKind taskKind = TaskKind.parse(kind, mode);
        return new ModelTask(name, taskKind, model, revision, maxLength, topK, minScore, prefix, options(taskKind));
    }
}
