package io.textintel.serving.text;

import io.textintel.serving.kv.PagedKvCache;
import io.textintel.serving.model.CausalLm;
import io.textintel.serving.sampling.ConstrainedDecoding;
import io.textintel.serving.sampling.LabelScores;
import io.textintel.serving.sampling.LabelTrie;
import io.textintel.serving.sampling.SamplingParams;
import io.textintel.serving.sampling.SequenceRandom;
import io.textintel.serving.tokenizer.ChatTemplate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * Zero-shot topic tagging with an instruction model: the prompt lists the labels, and decoding is
 * constrained to them ({@link LabelTrie}: a label and the end of turn; in multi-label mode labels
 * joined by {@code ,}), so the model can only answer with configured labels.
 *
 * <p>Each label is scored by the model's own probability of answering exactly it
 * ({@link ConstrainedDecoding#score()}). Single-label: every label with its share of the
 * probability of all labels (the probability of the label given that the answer is a label; the
 * shares sum to 1). Multi-label: the labels the constrained decoding generates (greedy, or sampled
 * with the options' temperature, top-p and seed), each with its unnormalised probability (over all
 * labels these sum to at most 1). Best first, ties in label order.
 *
 * <p>Constrained decoding needs the logits at every step to mask them, which the generation
 * engine's scheduler does not expose, so tagging runs the model's forward pass directly, on the
 * engine's model thread ({@link DecoderEngine#withModel}) with a small KV cache of its own per
 * call. It is speculative in the verifier's way: every label is a draft continuation checked in one
 * forward pass with a logit row per token, instead of one pass per token; the engine's draft
 * proposer is not used. A text too long for the model's context is cut to fit, from the end.
 * Thread-safe.
 */
public final class GenerativeTagger {

    /** The system message of every request. */
    static final String SYSTEM = "You are a precise text classifier. You answer only with labels from the given list.";

    /** The token between labels in multi-label answers. */
    static final String SEPARATOR = ",";

    private static final int KV_BLOCK_SIZE = 16;
    private static final int MARGIN_TOKENS = 8;

    private final DecoderEngine engine;
    private final TaggingOptions options;
    private final LabelTrie trie;
    private final int maxOutputTokens; // longest answer the trie allows
    private final int textBudget;

    /**
     * @throws IllegalArgumentException if a label is not a distinct token sequence, contains the
     *     separator in multi-label mode, or the labels leave too little of the context for text
     */
    public GenerativeTagger(DecoderEngine engine, TaggingOptions options) {
        this.engine = Objects.requireNonNull(engine, "engine");
        this.options = Objects.requireNonNull(options, "options");
        List<int[]> labelIds = new ArrayList<>();
        for (String label : options.labels()) {
            labelIds.add(engine.encode(label.strip()));
        }
        LabelTrie.Builder builder = LabelTrie.builder().labels(labelIds).endToken(engine.endOfTurnTokenId());
        int longest = labelIds.stream().mapToInt(ids -> ids.length).max().orElseThrow();
        int output = longest + 1;
        if (options.multiLabel()) {
            int[] separator = engine.encode(SEPARATOR);
            if (separator.length != 1) {
                throw new IllegalArgumentException("the tokenizer of model " + engine.name() + " encodes '" + SEPARATOR
                        + "' as " + Arrays.toString(separator) + ", expected one token to separate labels");
            }
            builder.separatorToken(separator[0]);
            output = labelIds.stream().mapToInt(ids -> ids.length + 1).sum();
        }
        try {
            this.trie = builder.build();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("labels " + options.labels() + " cannot be told apart in the tokens of"
                    + " model " + engine.name() + (options.multiLabel() ? " (no label may contain '" + SEPARATOR
                    + "' in multi-label mode)" : "") + ": " + e.getMessage(), e);
        }
        this.maxOutputTokens = output;
        int overhead = engine.promptIds(messages("")).length;
        this.textBudget = engine.maxSequenceLength() - overhead - maxOutputTokens - MARGIN_TOKENS;
        if (textBudget < Summarizer.MIN_INPUT_TOKENS) {
            throw new IllegalArgumentException(options.labels().size() + " labels leave " + textBudget + " of model "
                    + engine.name() + "'s " + engine.maxSequenceLength() + " positions for the text, expected at least "
                    + Summarizer.MIN_INPUT_TOKENS + ": use fewer or shorter labels, or a model with a longer context");
        }
    }

    public TaggingOptions options() {
        return options;
    }

    /** The labels of {@code text}, best first. */
    public CompletableFuture<List<LabelScore>> tag(String text) {
        Objects.requireNonNull(text, "text");
        int[] prompt = engine.promptIds(messages(fit(text)));
        return engine.withModel(model -> tag(model, prompt));
    }

    private String fit(String text) {
        if (engine.countTokens(text) <= textBudget) {
            return text;
        }
        return engine.decode(Arrays.copyOf(engine.encode(text), textBudget));
    }

    private List<LabelScore> tag(CausalLm model, int[] prompt) {
        int positions = prompt.length + maxOutputTokens;
        try (PagedKvCache cache = new PagedKvCache(model.kvLayout(), KV_BLOCK_SIZE,
                (positions + KV_BLOCK_SIZE - 1) / KV_BLOCK_SIZE)) {
            ContinuationLogits logits = new ContinuationLogits(model, cache, prompt);
            for (int label = 0; label < trie.labelCount(); label++) {
                logits.run(trie.label(label)); // one pass per label: the logits after each of its prefixes
            }
            ConstrainedDecoding decoding = new ConstrainedDecoding(trie, logits::logits);
            LabelScores scores = decoding.score();
            List<LabelScore> result = new ArrayList<>();
            if (options.multiLabel()) {
                SamplingParams params = new SamplingParams(options.temperature(), 0, options.topP(), options.seed(),
                        maxOutputTokens, List.of());
                int[] answer = decoding.generate(params, new SequenceRandom(options.seed()));
                for (int label : trie.labels(answer)) {
                    result.add(new LabelScore(options.labels().get(label), clamp(scores.probability(label))));
                }
            } else {
                for (int label = 0; label < scores.size(); label++) {
                    result.add(new LabelScore(options.labels().get(label), clamp(scores.share(label))));
                }
            }
            result.sort(Comparator.comparingDouble(LabelScore::probability).reversed()); // stable: ties in label order
            return result;
        }
    }

    /** exp and sums in double may land a hair outside [0, 1]. */
    private static double clamp(double probability) {
        return Math.max(0.0, Math.min(1.0, probability));
    }

    private List<ChatTemplate.Message> messages(String text) {
        String labels = String.join(", ", options.labels().stream().map(String::strip).toList());
        String ask = options.multiLabel()
                ? "Classify the text below into one or more of these labels: " + labels
                        + ".\nAnswer with the matching labels separated by commas, and nothing else."
                : "Classify the text below into exactly one of these labels: " + labels
                        + ".\nAnswer with the label only.";
        return List.of(ChatTemplate.Message.system(SYSTEM), ChatTemplate.Message.user(ask + "\n\nText:\n" + text));
    }
}
