package io.textintel.serving.task;

import io.textintel.serving.kv.PagedKvCache;
import io.textintel.serving.model.CausalLm;
import io.textintel.serving.sampling.ConstrainedDecoding;
import io.textintel.serving.sampling.LabelScores;
import io.textintel.serving.sampling.LabelTrie;
import io.textintel.serving.sampling.SamplingParams;
import io.textintel.serving.sampling.SequenceRandom;
import io.textintel.serving.spec.ConstrainedSpeculativeDecoding;
import io.textintel.serving.spec.DraftModelProposer;
import io.textintel.serving.spec.Speculation;
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
 * ({@link ConstrainedDecoding#logProbability}). Single-label: every label with its share of the
 * probability of all labels (the probability of the label given that the answer is a label; the
 * shares sum to 1). Multi-label: the labels the constrained decoding generates (greedy, or sampled
 * with the options' temperature, top-p and seed), each with its unnormalised probability (over all
 * labels these sum to at most 1). Best first, ties in label order.
 *
 * <p>Constrained decoding and scoring need the target's logits, not generated tokens, so a
 * document is a continuation request of the generation engine ({@link DecoderTasks#continuations}):
 * one sequence in the engine's shared KV cache, continuously batched with every other request's
 * prefill and decode. The scheduler prefills the prompt and then runs each continuation the
 * tagging asks for (a label's tokens, an answer prefix, a draft proposal to verify) in one chunk
 * with a logit row per token, from where it differs from the continuation run before; a "pass" of
 * a document ({@link Tagging#targetPasses()}) is one such run, the prompt's included, whatever
 * else shares the forward pass. The algorithms ({@link ConstrainedDecoding},
 * {@link ConstrainedSpeculativeDecoding}) run unchanged, by deterministic replay
 * ({@link ReplayDriver}): each run starts afresh over the rows handed back so far and stops at
 * the first continuation not run yet, which is what the engine runs next. The draft model's
 * logits are computed on the engine's thread by the draft directly, over a small KV cache of the
 * document's own, and remembered. So tags, scores and counts of a document do not depend on
 * other traffic, batching or preemption. A text too long for the model's context is cut to fit,
 * from the end.
 *
 * <p>What speculation does, per mode ({@link Tagging} counts it; so does the engine's
 * {@link DecoderTasks#metrics()}):
 * <ul>
 *   <li>Multi-label, the engine has a draft model ({@link Speculation#DRAFT_MODEL}): the answer
 *       is decoded speculatively ({@link ConstrainedSpeculativeDecoding}). The draft proposes up to
 *       γ (the engine's {@code maxDraftTokens}) answer tokens under the trie, the target checks them
 *       in one pass under the same mask and keeps what the verifier accepts, and its correction or
 *       bonus token follows. Then only the labels the answer names are scored: the first from the
 *       rows the answer's passes computed, each further one with one pass over its tokens (none if a
 *       rejected proposal already ran it). Without a draft, every label is scored first (one pass
 *       each), the answer's first label is decoded on those rows, and every answer token after it
 *       but the end takes a pass of its own. Target passes, for L labels and an answer of n tokens
 *       naming k labels, the first of m tokens: without a draft {@code 1 + L + max(0, n - m - 1)};
 *       with one at most {@code 1 + s + (k - 1)}, s the verify steps ({@code s <= n}, fewer the
 *       more the draft guesses). Speculation thus saves the passes of labels the answer does not
 *       name and of answer tokens the draft guessed; with a draft that is always wrong and an
 *       answer naming every label it costs up to m passes more. {@link Tagging#targetPasses()}
 *       reports them. Greedy answers and scores are exactly those without a draft (a row's logits
 *       do not depend on how its tokens were batched into passes); sampled answers are distributed
 *       exactly as without, with other draws.</li>
 *   <li>Single-label: no speculation. The result scores every label, which takes the target's
 *       logits after every prefix of every label, one pass per label; those rows already contain
 *       every row a constrained answer would be checked against, so a draft could only add work.
 *       The counts are 0.</li>
 *   <li>Without a draft model, or when the prompt and the longest answer do not fit the draft's
 *       context: as without speculation, counts 0.</li>
 * </ul>
 * Thread-safe: {@link #tagging} may be called from any thread; the work runs on the engine's thread.
 */
public final class GenerativeTagger {

    /** The system message of every request. */
    static final String SYSTEM = "You are a precise text classifier. You answer only with labels from the given list.";

    /** The token between labels in multi-label answers. */
    static final String SEPARATOR = ",";

    private static final int KV_BLOCK_SIZE = 16;
    private static final int MARGIN_TOKENS = 8;

    private final DecoderTasks engine;
    private final TaggingOptions options;
    private final LabelTrie trie;
    private final int maxOutputTokens; // longest answer the trie allows
    private final int textBudget;
    private final int maxDraftTokens;  // γ of speculative answers

    /**
     * @throws IllegalArgumentException if a label is not a distinct token sequence, contains the
     *     separator in multi-label mode, or the labels leave too little of the context for text
     */
    public GenerativeTagger(DecoderTasks engine, TaggingOptions options) {
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
        this.maxDraftTokens = Math.max(1, engine.config().generation().maxDraftTokens());
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

    /** The labels of {@code text}, best first. Cancelling the future drops the request from the engine. */
    public CompletableFuture<List<LabelScore>> tag(String text) {
        CompletableFuture<Tagging> tagging = tagging(text);
        CompletableFuture<List<LabelScore>> labels = tagging.thenApply(Tagging::labels);
        labels.whenComplete((result, error) -> {
            if (labels.isCancelled()) {
                tagging.cancel(false);
            }
        });
        return labels;
    }

    /**
     * The labels of {@code text}, best first, with what speculation did for them. Cancelling the
     * future drops the request from the engine and frees its KV blocks.
     */
    public CompletableFuture<Tagging> tagging(String text) {
        Objects.requireNonNull(text, "text");
        int[] prompt = engine.promptIds(messages(fit(text)));
        CausalLm draft = engine.draftModel();
        ReplayDriver.Computation<Tagging> computation = speculates(draft, prompt)
                ? new SpeculativeTagging(draft, prompt) : new ScoredTagging();
        return engine.continuations(prompt, new ReplayDriver<>(computation));
    }

    private boolean speculates(CausalLm draft, int[] prompt) {
        return options.multiLabel() && draft != null && prompt.length + maxOutputTokens <= draft.maxSequenceLength();
    }

    private String fit(String text) {
        if (engine.countTokens(text) <= textBudget) {
            return text;
        }
        return engine.decode(Arrays.copyOf(engine.encode(text), textBudget));
    }

    /**
     * Every label scored (one run per label), then, multi-label, the answer decoded on those rows
     * and further runs. Replayed by its driver: the scores, which draw nothing, are kept once
     * complete; the answer is decoded again from the start with a fresh stream of the same seed.
     */
    private final class ScoredTagging implements ReplayDriver.Computation<Tagging> {

        private LabelScores scores; // null until every label's rows are in

        @Override
        public Tagging run(TargetRows target) {
            ConstrainedDecoding decoding = new ConstrainedDecoding(trie, target::logits);
            if (scores == null) {
                for (int label = 0; label < trie.labelCount(); label++) {
                    target.run(trie.label(label)); // one run per label: the logits after each of its prefixes
                }
                scores = decoding.score();
            }
            List<LabelScore> result = new ArrayList<>();
            if (options.multiLabel()) {
                int[] answer = decoding.generate(answerParams(), new SequenceRandom(options.seed()));
                for (int label : trie.labels(answer)) {
                    result.add(new LabelScore(options.labels().get(label), clamp(scores.probability(label))));
                }
            } else {
                for (int label = 0; label < scores.size(); label++) {
                    result.add(new LabelScore(options.labels().get(label), clamp(scores.share(label))));
                }
            }
            return new Tagging(sorted(result), 0, 0, 0, target.runs());
        }

        @Override
        public void close() {
        }
    }

    /**
     * Multi-label with a draft: the answer decoded speculatively, then only its labels scored. The
     * draft's logits come from the draft model directly, on the engine's thread, over a KV cache of
     * this request's own, and are remembered, so a replay asks the draft for nothing new until it
     * gets past where the last one stopped; the answer is kept once complete.
     */
    private final class SpeculativeTagging implements ReplayDriver.Computation<Tagging> {

        private final CausalLm draft;
        private final int[] prompt;
        private PagedKvCache draftCache;      // created on the engine's thread at the first run
        private ContinuationLogits proposer;  // the draft after the prompt
        private ConstrainedSpeculativeDecoding.Result answer; // null until decoded

        SpeculativeTagging(CausalLm draft, int[] prompt) {
            this.draft = draft;
            this.prompt = prompt;
        }

        @Override
        public Tagging run(TargetRows target) {
            if (proposer == null) {
                draftCache = cache(draft, prompt);
                proposer = new ContinuationLogits(draft, draftCache, prompt);
            }
            if (answer == null) {
                answer = new ConstrainedSpeculativeDecoding(trie, proposer::logits, target::along, maxDraftTokens)
                        .generate(answerParams(), new SequenceRandom(options.seed()),
                                DraftModelProposer.draftRandom(options.seed()));
            }
            ConstrainedDecoding scoring = new ConstrainedDecoding(trie, target::logits);
            List<LabelScore> result = new ArrayList<>();
            for (int label : trie.labels(answer.output())) {
                target.run(trie.label(label)); // one run, unless the answer's runs computed its rows
                result.add(new LabelScore(options.labels().get(label),
                        clamp(Math.exp(scoring.logProbability(label)))));
            }
            Tagging tagging = new Tagging(sorted(result), answer.draftProposed(), answer.draftAccepted(),
                    answer.verifySteps(), target.runs());
            engine.recordConstrained(tagging.verifySteps(), tagging.draftProposed(), tagging.draftAccepted());
            return tagging;
        }

        @Override
        public void close() {
            if (draftCache != null) {
                draftCache.close();
            }
        }
    }

    /** A draft KV cache for the prompt and the longest answer. */
    private PagedKvCache cache(CausalLm model, int[] prompt) {
        int positions = prompt.length + maxOutputTokens;
        return new PagedKvCache(model.kvLayout(), KV_BLOCK_SIZE, (positions + KV_BLOCK_SIZE - 1) / KV_BLOCK_SIZE);
    }

    /**
     * How the answer is decoded. The token limit never binds (the trie ends every answer within
     * {@code maxOutputTokens}); it is one more so that a speculative step always has room for a draft.
     */
    private SamplingParams answerParams() {
        return new SamplingParams(options.temperature(), 0, options.topP(), options.seed(), maxOutputTokens + 1,
                List.of());
    }

    private static List<LabelScore> sorted(List<LabelScore> scores) {
        scores.sort(Comparator.comparingDouble(LabelScore::probability).reversed()); // stable: ties in label order
        return scores;
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
