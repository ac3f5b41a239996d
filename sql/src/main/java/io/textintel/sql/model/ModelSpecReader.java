package io.textintel.sql.model;

import static io.textintel.sql.model.TextIntelModelOptions.*;

import io.textintel.operators.inference.EngineSettings;
import io.textintel.operators.inference.ExtractiveSettings;
import io.textintel.operators.inference.FewShotSettings;
import io.textintel.operators.inference.GenerativeSettings;
import io.textintel.operators.inference.LabelledExample;
import io.textintel.operators.inference.LabelledExamples;
import io.textintel.operators.inference.ModelRepository;
import io.textintel.operators.inference.ModelTask;
import io.textintel.operators.inference.TaskKind;
import io.textintel.operators.inference.TaskOptions;
import io.textintel.operators.inference.ZeroShotSettings;
import io.textintel.serving.backend.WeightFormat;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.table.api.ValidationException;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a textintel model's options into a {@link ModelSpec}, checking each; a problem is a
 * {@link ValidationException} naming the model and the option.
 */
final class ModelSpecReader {

    private static final List<String> BACKENDS = List.of("auto", "cuda", "cpu", "cpu-reference");
    private static final List<String> WEIGHT_FORMATS =
            Arrays.stream(WeightFormat.values()).map(WeightFormat::configName).toList();

    /** Options that only some kinds take, with the kinds that take them. */
    private static final Map<ConfigOption<?>, Set<TaskKind>> KIND_OPTIONS = Map.of(
            LABELS, Set.of(TaskKind.ZERO_SHOT_TAG, TaskKind.FEW_SHOT_TAG, TaskKind.GENERATIVE_TAG),
            MULTI_LABEL, Set.of(TaskKind.ZERO_SHOT_TAG, TaskKind.FEW_SHOT_TAG, TaskKind.GENERATIVE_TAG),
            EXAMPLES, Set.of(TaskKind.FEW_SHOT_TAG),
            TEMPERATURE, Set.of(TaskKind.ZERO_SHOT_TAG),
            MAX_SUMMARY_TOKENS, Set.of(TaskKind.SUMMARIZE),
            MAX_SENTENCES, Set.of(TaskKind.EXTRACTIVE_SUMMARY),
            PREFIX, Set.of(TaskKind.EMBED, TaskKind.TAG, TaskKind.ZERO_SHOT_TAG, TaskKind.FEW_SHOT_TAG,
                    TaskKind.EXTRACTIVE_SUMMARY));

    private final String model;
    private final ReadableConfig options;

    private ModelSpecReader(String model, ReadableConfig options) {
        this.model = model;
        this.options = options;
    }

    /**
     * The spec of model {@code model} with {@code options} (already checked for unknown keys and
     * types by Flink's factory helper).
     */
    static ModelSpec read(String model, ReadableConfig options) {
        return new ModelSpecReader(model, options).read();
    }

    private ModelSpec read() {
        TaskKind kind = kind();
        for (Map.Entry<ConfigOption<?>, Set<TaskKind>> entry : KIND_OPTIONS.entrySet()) {
            if (options.getOptional(entry.getKey()).isPresent() && !entry.getValue().contains(kind)) {
                throw problem(entry.getKey(), "is set for task '" + options.get(TASK)
                        + (options.get(MODE) == null ? "" : "' mode '" + options.get(MODE)) + "'",
                        "it only for " + describe(entry.getValue()));
            }
        }
        int maxLength = options.get(MAX_LENGTH);
        if (maxLength < 0 || maxLength == 1) {
            throw problem(MAX_LENGTH, "is " + maxLength, "0 (the model's limit) or at least 2 (room for the special"
                    + " tokens)");
        }
        int topK = atLeast(TOP_K, 1);
        float minScore = options.get(MIN_SCORE);
        if (!(minScore >= 0f && minScore <= 1f)) {
            throw problem(MIN_SCORE, "is " + minScore, "a score in [0, 1]");
        }
        ModelTask task;
        try {
            task = new ModelTask(model, kind, options.get(MODEL), options.get(REVISION), maxLength, topK, minScore,
                    options.get(PREFIX), taskOptions(kind));
        } catch (IllegalArgumentException e) {
            throw new ValidationException("model '" + model + "': " + e.getMessage(), e);
        }
        Duration timeout = options.get(TIMEOUT);
        if (timeout.isNegative() || timeout.isZero()) {
            throw problem(TIMEOUT, "is " + timeout, "a positive duration");
        }
        int retries = atLeast(RETRIES, 0);
        Duration retryDelay = options.get(RETRY_DELAY);
        if (retryDelay.isNegative()) {
            throw problem(RETRY_DELAY, "is " + retryDelay, "zero or more");
        }
        ModelRepository repository = ModelRepository.of(options.get(HUB_CACHE_DIR), options.get(HUB_OFFLINE));
        return new ModelSpec(task, repository, engine(), timeout, retries, retryDelay, PredictionColumn.of(kind));
    }

    private TaskKind kind() {
        String task = options.get(TASK);
        if (task == null || task.isBlank()) {
            throw problem(TASK, "is missing", "embed, tag or summarize");
        }
        if (options.get(MODEL) == null || options.get(MODEL).isBlank()) {
            throw problem(MODEL, "is missing", "a Hugging Face model id, a checkpoint directory or maven:<name>");
        }
        try {
            return TaskKind.parse(task, options.get(MODE));
        } catch (IllegalArgumentException e) {
            ConfigOption<String> key = List.of("embed", "tag", "summarize").contains(task) ? MODE : TASK;
            throw new ValidationException("model '" + model + "': option '" + key.key() + "': " + e.getMessage(), e);
        }
    }

    private TaskOptions taskOptions(TaskKind kind) {
        List<String> labels = options.getOptional(LABELS).orElse(List.of());
        boolean multiLabel = options.get(MULTI_LABEL);
        try {
            return switch (kind) {
                case EMBED, TAG -> null;
                case ZERO_SHOT_TAG -> {
                    if (labels.isEmpty()) {
                        throw problem(LABELS, "is missing", "the labels to choose from, separated by ';'");
                    }
                    float temperature = options.getOptional(TEMPERATURE).orElse(ZeroShotSettings.DEFAULT_TEMPERATURE);
                    yield new ZeroShotSettings(labels, labels.stream().<List<String>>map(label -> List.of()).toList(),
                            "", temperature, multiLabel);
                }
                case FEW_SHOT_TAG -> new FewShotSettings(labels, examples(), options.get(EXAMPLES),
                        FewShotSettings.DEFAULT_REGULARIZATION, multiLabel, FewShotSettings.DEFAULT_MIN_EXAMPLES_PER_LABEL);
                case GENERATIVE_TAG -> {
                    if (labels.isEmpty()) {
                        throw problem(LABELS, "is missing", "the labels to choose from, separated by ';'");
                    }
                    yield GenerativeSettings.tagging(labels, multiLabel);
                }
                case SUMMARIZE -> GenerativeSettings.summary(atLeast(MAX_SUMMARY_TOKENS, 1));
                case EXTRACTIVE_SUMMARY -> ExtractiveSettings.of(atLeast(MAX_SENTENCES, 1));
            };
        } catch (IllegalArgumentException e) {
            String key = switch (kind) {
                case FEW_SHOT_TAG -> EXAMPLES.key();
                case ZERO_SHOT_TAG -> options.getOptional(TEMPERATURE).isPresent() && !e.getMessage().contains("label")
                        ? TEMPERATURE.key() : LABELS.key();
                default -> LABELS.key();
            };
            throw new ValidationException("model '" + model + "': option '" + key + "': " + e.getMessage(), e);
        }
    }

    private List<LabelledExample> examples() {
        String examples = options.get(EXAMPLES);
        if (examples == null || examples.isBlank()) {
            throw problem(EXAMPLES, "is missing", "a labelled example file (.jsonl or .csv)");
        }
        Path file = Path.of(examples).toAbsolutePath();
        try {
            return LabelledExamples.read(file);
        } catch (NoSuchFileException e) {
            throw problem(EXAMPLES, "names " + file + ", which does not exist", "a labelled example file"
                    + " (.jsonl or .csv)");
        } catch (IOException | IllegalArgumentException e) {
            throw problem(EXAMPLES, "names " + file + ", which cannot be read (" + e.getMessage() + ")",
                    "a labelled example file (.jsonl or .csv)");
        }
    }

    private EngineSettings engine() {
        String backend = options.get(ENGINE_BACKEND);
        if (backend != null && !BACKENDS.contains(backend)) {
            throw problem(ENGINE_BACKEND, "is '" + backend + "'", "one of " + String.join(", ", BACKENDS));
        }
        Duration delay = options.get(ENGINE_MAX_BATCH_DELAY);
        if (delay != null && delay.isNegative()) {
            throw problem(ENGINE_MAX_BATCH_DELAY, "is " + delay, "zero or more");
        }
        Integer gpuIndex = options.get(ENGINE_GPU_INDEX);
        if (gpuIndex != null && gpuIndex < 0) {
            throw problem(ENGINE_GPU_INDEX, "is " + gpuIndex, "a device number, 0 or more");
        }
        String weights = options.get(ENGINE_WEIGHTS);
        if (weights != null && !WEIGHT_FORMATS.contains(weights)) {
            throw problem(ENGINE_WEIGHTS, "is '" + weights + "'", "one of " + String.join(", ", WEIGHT_FORMATS));
        }
        try {
            return new EngineSettings(backend, positive(ENGINE_THREADS), positive(ENGINE_MAX_BATCH_SIZE),
                    positive(ENGINE_MAX_BATCH_TOKENS), delay, positive(ENGINE_MAX_QUEUED_REQUESTS),
                    positive(ENGINE_KV_CACHE_BLOCKS), positive(ENGINE_KV_BLOCK_SIZE), gpuIndex, weights);
        } catch (IllegalArgumentException e) {
            throw new ValidationException("model '" + model + "': engine options: " + e.getMessage(), e);
        }
    }

    private Integer positive(ConfigOption<Integer> option) {
        return options.getOptional(option).isEmpty() ? null : atLeast(option, 1);
    }

    private int atLeast(ConfigOption<Integer> option, int minimum) {
        int value = options.get(option);
        if (value < minimum) {
            throw problem(option, "is " + value, minimum + " or more");
        }
        return value;
    }

    private ValidationException problem(ConfigOption<?> option, String what, String expected) {
        return new ValidationException(
                String.format("model '%s': option '%s' %s, expected %s", model, option.key(), what, expected));
    }

    private static String describe(Set<TaskKind> kinds) {
        return String.join(", ", kinds.stream().sorted().map(ModelSpecReader::describe).toList());
    }

    private static String describe(TaskKind kind) {
        return switch (kind) {
            case EMBED -> "embed";
            case TAG -> "tag classifier";
            case ZERO_SHOT_TAG -> "tag zero-shot";
            case FEW_SHOT_TAG -> "tag few-shot";
            case GENERATIVE_TAG -> "tag generative";
            case SUMMARIZE -> "summarize generative";
            case EXTRACTIVE_SUMMARY -> "summarize extractive";
        };
    }
}
