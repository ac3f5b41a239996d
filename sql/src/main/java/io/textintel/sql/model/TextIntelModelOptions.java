package io.textintel.sql.model;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

import java.time.Duration;
import java.util.List;

/**
 * The options of a {@code CREATE MODEL ... WITH ('provider' = 'textintel', ...)}: the model task (as a
 * pipeline task is configured), the model cache, the per-JVM engine and the async request rules.
 * {@link TextIntelModelProviderFactory} checks every one and names the option in its message.
 */
public final class TextIntelModelOptions {

    private TextIntelModelOptions() {}

    // ---- the task

    public static final ConfigOption<String> TASK = ConfigOptions.key("task").stringType().noDefaultValue()
            .withDescription("What the model computes: embed, tag or summarize.");

    public static final ConfigOption<String> MODE = ConfigOptions.key("mode").stringType().noDefaultValue()
            .withDescription("For tag: classifier (default), zero-shot, few-shot or generative; for summarize:"
                    + " generative (default) or extractive. Not for embed.");

    public static final ConfigOption<String> MODEL = ConfigOptions.key("model").stringType().noDefaultValue()
            .withDescription("A Hugging Face model id, a local checkpoint directory, or maven:<name> (a shipped"
                    + " model).");

    public static final ConfigOption<String> REVISION = ConfigOptions.key("revision").stringType().noDefaultValue()
            .withDescription("The hub revision (branch, tag or commit) to pin; main when unset.");

    public static final ConfigOption<Integer> MAX_LENGTH = ConfigOptions.key("max-length").intType().defaultValue(0)
            .withDescription("Tokens kept per text, special tokens included; 0 for the model's limit.");

    public static final ConfigOption<String> PREFIX = ConfigOptions.key("prefix").stringType().noDefaultValue()
            .withDescription("Encoder tasks: prepended to every text (e.g. 'query: ' for E5 models).");

    public static final ConfigOption<Integer> TOP_K = ConfigOptions.key("top-k").intType().defaultValue(3)
            .withDescription("tag: labels kept per text at most.");

    public static final ConfigOption<Float> MIN_SCORE = ConfigOptions.key("min-score").floatType().defaultValue(0f)
            .withDescription("tag: the lowest score a kept label may have, in [0, 1].");

    public static final ConfigOption<List<String>> LABELS = ConfigOptions.key("labels").stringType().asList()
            .noDefaultValue()
            .withDescription("tag zero-shot and generative: the labels, separated by ';'. few-shot: the labels to"
                    + " score, in order (unset: the examples' labels).");

    public static final ConfigOption<Boolean> MULTI_LABEL = ConfigOptions.key("multi-label").booleanType()
            .defaultValue(false)
            .withDescription("tag zero-shot, few-shot and generative: score each label on its own.");

    public static final ConfigOption<String> EXAMPLES = ConfigOptions.key("examples").stringType().noDefaultValue()
            .withDescription("tag few-shot: a labelled example file (.jsonl or .csv), read when the model is"
                    + " planned; the examples travel with the job.");

    public static final ConfigOption<Float> TEMPERATURE = ConfigOptions.key("temperature").floatType()
            .noDefaultValue()
            .withDescription("tag zero-shot: divides the cosines before the softmax (default 0.05).");

    public static final ConfigOption<Integer> MAX_SUMMARY_TOKENS = ConfigOptions.key("max-summary-tokens").intType()
            .defaultValue(64)
            .withDescription("summarize generative: the summary's length limit in tokens.");

    public static final ConfigOption<Integer> MAX_SENTENCES = ConfigOptions.key("max-sentences").intType()
            .defaultValue(3)
            .withDescription("summarize extractive: sentences kept at most.");

    // ---- where models come from

    public static final ConfigOption<String> HUB_CACHE_DIR = ConfigOptions.key("hub.cache-dir").stringType()
            .noDefaultValue()
            .withDescription("The model cache (as textintel models pull fills it); unset: HF_HUB_CACHE or"
                    + " ~/.cache/textintel/hub.");

    public static final ConfigOption<Boolean> HUB_OFFLINE = ConfigOptions.key("hub.offline").booleanType()
            .defaultValue(false)
            .withDescription("Read models from the cache only, never download.");

    // ---- the per-JVM engine (as the pipeline's engine section)

    public static final ConfigOption<String> ENGINE_BACKEND = ConfigOptions.key("engine.backend").stringType()
            .noDefaultValue().withDescription("auto, cuda, cpu or cpu-reference.");

    public static final ConfigOption<Integer> ENGINE_THREADS = ConfigOptions.key("engine.threads").intType()
            .noDefaultValue().withDescription("Compute threads of the engine.");

    public static final ConfigOption<Integer> ENGINE_MAX_BATCH_SIZE = ConfigOptions.key("engine.max-batch-size")
            .intType().noDefaultValue().withDescription("Most requests in one forward pass.");

    public static final ConfigOption<Integer> ENGINE_MAX_BATCH_TOKENS = ConfigOptions.key("engine.max-batch-tokens")
            .intType().noDefaultValue().withDescription("Most tokens (padding included) in one forward pass.");

    public static final ConfigOption<Duration> ENGINE_MAX_BATCH_DELAY = ConfigOptions.key("engine.max-batch-delay")
            .durationType().noDefaultValue().withDescription("Longest a request waits for others to fill its batch.");

    public static final ConfigOption<Integer> ENGINE_MAX_QUEUED_REQUESTS =
            ConfigOptions.key("engine.max-queued-requests").intType().noDefaultValue()
                    .withDescription("Queued requests beyond which the engine refuses work as overloaded.");

    public static final ConfigOption<Integer> ENGINE_KV_CACHE_BLOCKS = ConfigOptions.key("engine.kv-cache-blocks")
            .intType().noDefaultValue().withDescription("Generative tasks: blocks of the decoder's KV cache.");

    public static final ConfigOption<Integer> ENGINE_KV_BLOCK_SIZE = ConfigOptions.key("engine.kv-block-size")
            .intType().noDefaultValue().withDescription("Generative tasks: positions per KV cache block.");

    public static final ConfigOption<Integer> ENGINE_GPU_INDEX = ConfigOptions.key("engine.gpu-index").intType()
            .noDefaultValue().withDescription("The GPU of the cuda backend.");

    public static final ConfigOption<String> ENGINE_WEIGHTS = ConfigOptions.key("engine.weights").stringType()
            .noDefaultValue().withDescription("Generative tasks: a decoder's linear-layer weights in memory,"
                    + " f32 (default), bf16 or int8.");

    // ---- requests (as the pipeline's inference section)

    public static final ConfigOption<Duration> TIMEOUT = ConfigOptions.key("timeout").durationType()
            .defaultValue(Duration.ofSeconds(60))
            .withDescription("How long one row may wait for its prediction, retries included; past it the row's"
                    + " output is NULL. Keep it below table.exec.async-ml-predict.timeout, which fails the job.");

    public static final ConfigOption<Integer> RETRIES = ConfigOptions.key("retries").intType().defaultValue(3)
            .withDescription("Retries of a request the engine refused as overloaded or failed on its backend.");

    public static final ConfigOption<Duration> RETRY_DELAY = ConfigOptions.key("retry-delay").durationType()
            .defaultValue(Duration.ofMillis(100))
            .withDescription("The first delay between retries; it doubles on each retry.");
}
