package io.textintel.serving.task;

import io.textintel.serving.backend.DecoderOps;
import io.textintel.serving.backend.WeightFormat;
import io.textintel.serving.config.DecoderConfig;
import io.textintel.serving.engine.BackendFactory;
import io.textintel.serving.engine.EngineException;
import io.textintel.serving.engine.ForwardPassListener;
import io.textintel.serving.engine.ModelEngine;
import io.textintel.serving.generate.ContinuationDriver;
import io.textintel.serving.generate.GenerationConfig;
import io.textintel.serving.generate.GenerationEngine;
import io.textintel.serving.generate.GenerationMetrics;
import io.textintel.serving.generate.GenerationResult;
import io.textintel.serving.kv.PagedKvCache;
import io.textintel.serving.model.CausalLm;
import io.textintel.serving.model.decoder.DecoderModel;
import io.textintel.serving.sampling.SamplingParams;
import io.textintel.serving.spec.DraftModelProposer;
import io.textintel.serving.spec.DraftProposer;
import io.textintel.serving.spec.PromptLookupProposer;
import io.textintel.serving.spec.Speculation;
import io.textintel.serving.spec.SpeculationOptions;
import io.textintel.serving.tokenizer.ChatTemplate;
import io.textintel.serving.tokenizer.TextTokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An instruction-tuned decoder ready for text tasks: the model, its tokenizer and chat template,
 * and a {@link GenerationEngine} that batches every caller's requests, with optional speculative
 * decoding (prompt lookup, or a draft model of the same tokenizer).
 *
 * <p>{@link #chat} renders messages with the model's chat template and generates the reply.
 * Replies generated with {@link #samplingParams} never contain special tokens other than the stops
 * ({@link #suppressedTokenIds()}): decoding would drop them, and a model with random or poorly
 * trained weights may prefer them.
 * Work that needs the model's logits rather than generated tokens (label scoring and constrained
 * answers) is a continuation request ({@link #continuations}) of the same engine, so every forward
 * pass of the model runs on the engine's one scheduler thread, continuously batched.
 * Thread-safe; {@link #close()} releases everything.
 */
public final class DecoderTasks implements ModelEngine {

    private static final Logger LOG = LoggerFactory.getLogger(DecoderTasks.class);

    /** Texts a draft's tokenizer must encode exactly as the target's does. */
    private static final List<String> TOKENIZER_PROBES = List.of("The quick brown fox jumps over the lazy dog.",
            "Streaming text: 42 documents/s, naïve café résumé!", "  indented\nnew line\ttab");

    /** Prompt-lookup n-gram sizes: the last 1 to 4 tokens are looked up in the context. */
    private static final int LOOKUP_MIN_N = 1;
    private static final int LOOKUP_MAX_N = 4;

    private final String name;
    private final DecoderTasksConfig config;
    private final DecoderModel model;
    private final TextTokenizer tokenizer;
    private final ChatTemplate template;
    private final List<Integer> stopTokenIds;
    private final List<Integer> suppressedTokenIds;
    private final int endOfTurnTokenId;
    private final DecoderModel draftModel;   // null unless DRAFT_MODEL
    private final PagedKvCache draftCache;   // null unless DRAFT_MODEL
    private final GenerationEngine generation;
    private final AtomicLong constrainedVerifySteps = new AtomicLong();
    private final AtomicLong constrainedDraftProposed = new AtomicLong();
    private final AtomicLong constrainedDraftAccepted = new AtomicLong();

    private DecoderTasks(String name, DecoderTasksConfig config, DecoderModel model, TextTokenizer tokenizer,
            ChatTemplate template, DecoderModel draftModel, PagedKvCache draftCache) {
        this.name = name;
        this.config = config;
        this.model = model;
        this.tokenizer = tokenizer;
        this.template = template;
        this.draftModel = draftModel;
        this.draftCache = draftCache;
        this.endOfTurnTokenId = singleTokenId(tokenizer, template.endOfTurnMarker());
        Set<Integer> stops = new LinkedHashSet<>(model.config().eosTokenIds());
        stops.add(endOfTurnTokenId);
        this.stopTokenIds = List.copyOf(stops);
        this.suppressedTokenIds = suppressed(tokenizer, model.vocabSize(), stopTokenIds);
        DraftProposer proposer = switch (config.speculation()) {
            case NONE -> null;
            case PROMPT_LOOKUP -> new PromptLookupProposer(LOOKUP_MIN_N, LOOKUP_MAX_N, suppressedTokenIds);
            case DRAFT_MODEL -> new DraftModelProposer(draftModel, draftCache, suppressedTokenIds);
        };
        this.generation = new GenerationEngine(name, model,
                config.generationConfig(adaptivePolicy(config.speculation(), model.config(),
                        draftModel == null ? null : draftModel.config())),
                proposer);
    }

    /**
     * Opens the instruction checkpoint in {@code modelDir} ({@code config.json}, safetensors weights,
     * {@code tokenizer.json}, a chat template), and the draft checkpoint when the config asks for one.
     *
     * @throws EngineException of kind {@link EngineException.Kind#LOAD}, naming the model directory (and
     *     the draft's) and what was wrong, with the failure as its cause: a file that cannot be read, an
     *     invalid checkpoint, a chat template that is missing or does not parse or render
     *     ({@link io.textintel.serving.tokenizer.ChatTemplateException}), or a draft whose tokenizer
     *     differs from the model's
     */
    public static DecoderTasks open(Path modelDir, DecoderTasksConfig config) {
        Objects.requireNonNull(modelDir, "modelDir");
        Objects.requireNonNull(config, "config");
        String name = modelDir.getFileName() == null ? modelDir.toString() : modelDir.getFileName().toString();
        List<AutoCloseable> opened = new ArrayList<>();
        String loading = "the decoder model in " + modelDir;
        try {
            // first: a broken chat template fails before the weights load
            ChatTemplate template = ChatTemplate.forModel(modelDir);
            DecoderModel model = remember(opened, DecoderModel.load(modelDir, decoderOps(config), config.weights()));
            TextTokenizer tokenizer = remember(opened, TextTokenizer.load(modelDir, model.maxSequenceLength()));
            DecoderModel draft = null;
            PagedKvCache draftCache = null;
            if (config.speculation() == Speculation.DRAFT_MODEL) {
                Path draftDir = Path.of(config.draftModelDir());
                loading = "the draft model in " + draftDir + " for the decoder model in " + modelDir;
                checkSameTokenizer(modelDir, tokenizer, draftDir);
                draft = remember(opened, DecoderModel.load(draftDir, decoderOps(config), config.weights()));
                GenerationConfig generation = config.generation();
                draftCache = remember(opened,
                        new PagedKvCache(draft.kvLayout(), generation.kvBlockSize(), generation.kvBlocks()));
                loading = "the decoder model in " + modelDir;
            }
            DecoderTasks engine = new DecoderTasks(name, config, model, tokenizer, template, draft, draftCache);
            LOG.info("Decoder engine {}: {} ({} positions), {}, speculation {}", name, model, model.maxSequenceLength(),
                    template, config.speculation().configName());
            return engine;
        } catch (IOException | RuntimeException e) {
            for (int i = opened.size() - 1; i >= 0; i--) {
                try {
                    opened.get(i).close();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw new EngineException(EngineException.Kind.LOAD, "could not load " + loading + ": " + reason(e), e);
        }
    }

    /** The configured backend's decoder ops, as {@link BackendFactory} chooses them. */
    private static DecoderOps decoderOps(DecoderTasksConfig config) {
        return BackendFactory.createDecoderOps(config.backend(), config.gpuIndex(), config.threads());
    }

    /** What went wrong, in words: an I/O failure's message is often a bare path, so its type goes first. */
    private static String reason(Exception e) {
        return e instanceof IOException ? e.getClass().getSimpleName() + ": " + e.getMessage() : e.getMessage();
    }

    /**
     * How a speculating sequence's draft length adapts, and when speculation stands down (large
     * batches, low acceptance): the policy for the kind of proposer, null without speculation. A draft
     * model's step costs its share of the target's weights, since a decode step is memory-bound.
     */
    static SpeculationOptions adaptivePolicy(Speculation kind, DecoderConfig target, DecoderConfig draft) {
        return switch (kind) {
            case NONE -> null;
            case PROMPT_LOOKUP -> SpeculationOptions.promptLookup();
            case DRAFT_MODEL -> SpeculationOptions.draftModel(
                    (double) approximateParameters(draft) / approximateParameters(target));
        };
    }

    /** Weights of a decoder: attention, SwiGLU MLP, embeddings and, when untied, the LM head. */
    static long approximateParameters(DecoderConfig c) {
        long attention = (long) c.hiddenSize() * c.headDim() * (2L * c.numAttentionHeads() + 2L * c.numKeyValueHeads());
        long mlp = 3L * c.hiddenSize() * c.intermediateSize();
        long embeddings = (long) c.vocabSize() * c.hiddenSize() * (c.tieWordEmbeddings() ? 1 : 2);
        return c.numHiddenLayers() * (attention + mlp) + embeddings;
    }

    /**
     * Tokens a reply must not contain: the tokenizer's special tokens other than the stops, which
     * decoding leaves out, and the ids past the tokenizer's vocabulary that a padded LM head has
     * (no text at all).
     */
    private static List<Integer> suppressed(TextTokenizer tokenizer, int modelVocabulary, List<Integer> stops) {
        List<Integer> ids = new ArrayList<>();
        for (int id : tokenizer.specialTokenIds()) {
            if (!stops.contains(id)) {
                ids.add(id);
            }
        }
        for (int id = tokenizer.vocabularySize(); id < modelVocabulary; id++) {
            ids.add(id);
        }
        return List.copyOf(ids);
    }

    private static <T extends AutoCloseable> T remember(List<AutoCloseable> opened, T resource) {
        opened.add(resource);
        return resource;
    }

    /** Speculation with a draft model needs the draft to speak in the target's token ids. */
    private static void checkSameTokenizer(Path modelDir, TextTokenizer target, Path draftDir) throws IOException {
        try (TextTokenizer draft = TextTokenizer.load(draftDir, target.maxLength())) {
            if (draft.vocabularySize() != target.vocabularySize()) {
                throw new IllegalArgumentException("draft model " + draftDir + " has a tokenizer of "
                        + draft.vocabularySize() + " token ids but model " + modelDir + " has "
                        + target.vocabularySize() + ", expected the same tokenizer (a draft of the same family)");
            }
            for (String probe : TOKENIZER_PROBES) {
                int[] expected = target.encode(probe, false).ids();
                int[] actual = draft.encode(probe, false).ids();
                if (!Arrays.equals(expected, actual)) {
                    throw new IllegalArgumentException("draft model " + draftDir + " encodes '" + probe + "' as "
                            + Arrays.toString(actual) + " but model " + modelDir + " encodes it as "
                            + Arrays.toString(expected) + ", expected the same tokenizer (a draft of the same family)");
                }
            }
        }
    }

    private static int singleTokenId(TextTokenizer tokenizer, String token) {
        int[] ids = tokenizer.encode(token, false).ids();
        if (ids.length != 1) {
            throw new IllegalArgumentException("the tokenizer encodes the chat template's end-of-turn marker " + token
                    + " as " + Arrays.toString(ids) + ", expected one special token id");
        }
        return ids[0];
    }

    /**
     * Generates the assistant's reply to {@code messages}. The future fails with an
     * {@link io.textintel.serving.engine.EngineException} of kind INPUT when the prompt does not fit
     * the model's maximum length.
     *
     * @param params how to choose tokens; build them with {@link #samplingParams} to stop at the end of the turn
     */
    public CompletableFuture<TextGeneration> chat(List<ChatTemplate.Message> messages, SamplingParams params) {
        CompletableFuture<GenerationResult> generation = generate(promptIds(messages), params);
        CompletableFuture<TextGeneration> text = generation.thenApply(this::toText);
        // Cancelling the reply cancels the generation behind it, which then leaves the scheduler and frees its blocks.
        text.whenComplete((reply, error) -> {
            if (text.isCancelled()) {
                generation.cancel(false);
            }
        });
        return text;
    }

    /** Generates a continuation of a rendered prompt's token ids: the tokens behind {@link #chat}. */
    CompletableFuture<GenerationResult> generate(int[] prompt, SamplingParams params) {
        return generation.generate(prompt, params);
    }

    private TextGeneration toText(GenerationResult result) {
        return new TextGeneration(tokenizer.decode(result.tokens(), true).strip(), result.promptTokens(),
                result.tokens().length, TimeUnit.NANOSECONDS.toMillis(result.latencyNanos()), result.draftProposed(),
                result.draftAccepted(), result.verifySteps(), result.reason());
    }

    /** The token ids of the chat prompt for {@code messages}, ending with the header of the assistant's reply. */
    public int[] promptIds(List<ChatTemplate.Message> messages) {
        return tokenizer.encode(template.render(messages, true), false).ids();
    }

    /**
     * Sampling parameters that stop at the model's end of turn or end of sequence, and never
     * produce the {@linkplain #suppressedTokenIds() suppressed tokens}.
     *
     * @param temperature 0 for greedy decoding
     * @param topP nucleus mass; 1 turns it off
     */
    public SamplingParams samplingParams(float temperature, float topP, long seed, int maxNewTokens) {
        return new SamplingParams(temperature, 0, topP, seed, maxNewTokens, stopTokenIds, suppressedTokenIds);
    }

    /**
     * Tokens {@link #samplingParams} never lets a reply contain, nor the engine's draft proposers
     * propose: the tokenizer's special tokens other than the {@linkplain #stopTokenIds() stops}, and
     * any ids of the model's vocabulary past the tokenizer's.
     */
    public List<Integer> suppressedTokenIds() {
        return suppressedTokenIds;
    }

    /** Tokens of {@code text} alone, without special tokens. */
    public int countTokens(String text) {
        return tokenizer.encode(text, false).untruncatedLength();
    }

    /** The token ids of {@code text} alone, without special tokens, up to the model's maximum length. */
    public int[] encode(String text) {
        return tokenizer.encode(text, false).ids();
    }

    /** The text of token ids, special tokens left out. */
    public String decode(int[] ids) {
        return tokenizer.decode(ids, true);
    }

    /** The token that closes an assistant turn ({@code <|im_end|>}, {@code <|eot_id|>}). */
    public int endOfTurnTokenId() {
        return endOfTurnTokenId;
    }

    /** Tokens that end generation: the model's end-of-sequence ids and the end of turn. */
    public List<Integer> stopTokenIds() {
        return stopTokenIds;
    }

    /** Most tokens of a prompt and its reply together. */
    public int maxSequenceLength() {
        return model.maxSequenceLength();
    }

    public String name() {
        return name;
    }

    /** The name of the decoder ops the model runs on, as {@link BackendFactory} chose them, e.g. {@code scalar}. */
    public String opsName() {
        return model.opsName();
    }

    /** The format the model's linear-layer weights were loaded in ({@code engine.weights}). */
    public WeightFormat weightFormat() {
        return model.weightFormat();
    }

    public DecoderTasksConfig config() {
        return config;
    }

    /**
     * The generation engine's counters (generation and tagging requests alike), with the speculation
     * of constrained answers (draft-model tagging), which the scheduler does not see, in the
     * {@code constrained*} fields.
     */
    public GenerationMetrics metrics() {
        return generation.metrics().withConstrained(constrainedVerifySteps.get(), constrainedDraftProposed.get(),
                constrainedDraftAccepted.get());
    }

    /** {@code decoder}, or {@code decoder_} and the speculation's name: {@link #kindOf}. */
    @Override
    public String kind() {
        return kindOf(config.speculation());
    }

    /**
     * The {@link #kind()} of a decoder engine with {@code speculation}: {@code decoder},
     * {@code decoder_prompt_lookup}, {@code decoder_draft_model}.
     */
    public static String kindOf(Speculation speculation) {
        return speculation == Speculation.NONE ? "decoder" : "decoder_" + speculation.configName().replace('-', '_');
    }

    /** Sequences waiting to start. */
    @Override
    public int queueDepth() {
        return metrics().waiting();
    }

    /** Tokens generated. */
    @Override
    public long tokens() {
        return metrics().generatedTokens();
    }

    /**
     * {@code runningSequences}, {@code kvCacheOccupancy} (the share of KV blocks in use), and with
     * speculation {@code speculationAcceptance}, {@code draftTokensProposed} and
     * {@code draftTokensAccepted} ({@link GenerationMetrics#speculationAcceptance()}: generation and
     * constrained answers together).
     */
    @Override
    public Map<String, Supplier<Number>> gauges() {
        Map<String, Supplier<Number>> gauges = new LinkedHashMap<>();
        gauges.put("runningSequences", () -> metrics().running());
        int blocks = kvBlocks();
        gauges.put("kvCacheOccupancy", () -> 1.0 - (double) metrics().freeKvBlocks() / blocks);
        if (config.speculation() != Speculation.NONE) {
            gauges.put("speculationAcceptance", () -> metrics().speculationAcceptance());
            gauges.put("draftTokensProposed", () -> metrics().draftTokensProposed());
            gauges.put("draftTokensAccepted", () -> metrics().draftTokensAccepted());
        }
        return gauges;
    }

    /**
     * Tells {@code listener} of every forward pass of the generation engine, label scoring's and
     * constrained answers' ({@link #continuations}) included; the draft model's passes are not reported.
     */
    @Override
    public void addListener(ForwardPassListener listener) {
        generation.addListener(listener);
    }

    /** Stops telling {@code listener} of forward passes. */
    @Override
    public void removeListener(ForwardPassListener listener) {
        generation.removeListener(listener);
    }

    /** KV cache blocks of the generation engine, free or not. */
    public int kvBlocks() {
        return config.generation().kvBlocks();
    }

    /**
     * Runs {@code prompt} and the continuations {@code driver} names through the generation engine
     * ({@link GenerationEngine#continuations}); the driver is called on the engine's scheduler thread.
     */
    <T> CompletableFuture<T> continuations(int[] prompt, ContinuationDriver<T> driver) {
        return generation.continuations(prompt, driver);
    }

    /**
     * The draft model, null unless speculation is {@link Speculation#DRAFT_MODEL}. Its forward pass
     * may be called on the engine's scheduler thread only (a {@link ContinuationDriver} does so),
     * with a KV cache of the caller's.
     */
    CausalLm draftModel() {
        return draftModel;
    }

    /** Counts a constrained answer's speculation in {@link #metrics()}. */
    void recordConstrained(int verifySteps, int draftProposed, int draftAccepted) {
        constrainedVerifySteps.addAndGet(verifySteps);
        constrainedDraftProposed.addAndGet(draftProposed);
        constrainedDraftAccepted.addAndGet(draftAccepted);
    }

    /** Fails requests left, stops the engine's thread and frees the models, caches and tokenizer. */
    @Override
    public void close() {
        generation.close();
        if (draftCache != null) {
            draftCache.close();
            draftModel.close();
        }
        model.close();
        tokenizer.close();
    }

    @Override
    public String toString() {
        return "DecoderTasks[" + name + ", speculation " + config.speculation().configName() + "]";
    }
}
