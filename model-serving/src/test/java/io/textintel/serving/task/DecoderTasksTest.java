package io.textintel.serving.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.textintel.serving.backend.WeightFormat;
import io.textintel.serving.backend.cuda.CudaAvailability;
import io.textintel.serving.config.BackendChoice;
import io.textintel.serving.engine.EngineException;
import io.textintel.serving.sampling.SamplingParams;
import io.textintel.serving.spec.Speculation;
import io.textintel.serving.tokenizer.ChatTemplate;
import io.textintel.serving.tokenizer.ChatTemplateException;
import io.textintel.serving.tools.TinyDecoderSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The decoder engine on generated Llama and Qwen2 instruction checkpoints (random weights). */
class DecoderTasksTest {

    @TempDir
    static Path dir;

    static Stream<TinyDecoderSpec> families() {
        return Stream.of(TinyDecoderSpec.llama(), TinyDecoderSpec.qwen2());
    }

    private static final List<ChatTemplate.Message> HELLO = List.of(ChatTemplate.Message.user(
            "Tell me about streaming text processing with Flink and Kafka."));

    @ParameterizedTest
    @MethodSource("families")
    void chatRepliesDeterministicallyAndStopsAtTheEndOfTurn(TinyDecoderSpec spec) throws Exception {
        Path model = TinyInstructModels.target(dir, spec);
        try (DecoderTasks engine = DecoderTasks.open(model, TinyInstructModels.config().build())) {
            int[] prompt = engine.promptIds(HELLO);
            assertThat(engine.stopTokenIds()).contains(engine.endOfTurnTokenId());
            assertThat(engine.stopTokenIds()).as("the rendered prompt ends with the assistant header, not a stop token")
                    .doesNotContain(prompt[prompt.length - 1]);
            assertThat(prompt).as("earlier turns are closed by the end of turn").contains(engine.endOfTurnTokenId());
            SamplingParams greedy = engine.samplingParams(0f, 1f, 0L, 12);
            TextGeneration first = engine.chat(HELLO, greedy).get();
            TextGeneration second = engine.chat(HELLO, greedy).get();
            assertThat(second).usingRecursiveComparison().ignoringFields("latencyMillis").isEqualTo(first);
            assertThat(first.promptTokens()).isEqualTo(prompt.length);
            assertThat(first.outputTokens()).isBetween(1, 12);
            SamplingParams sampled = engine.samplingParams(1.0f, 0.9f, 1234L, 12);
            assertThat(engine.chat(HELLO, sampled).get().text()).as("same seed, same sample")
                    .isEqualTo(engine.chat(HELLO, sampled).get().text());
        }
    }

    /**
     * Replies never contain special tokens other than the stops, and speculation keeps giving
     * exactly the plain greedy tokens. The generated checkpoints do not favour special tokens on
     * their own, so the test forces one: a copy whose LM head row of the first suppressed special
     * token is 4 times that of the token the plain greedy reply starts with (a maximal, so positive,
     * logit): unsuppressed, that special token then wins the first step.
     */
    @ParameterizedTest
    @MethodSource("families")
    void repliesContainNoSuppressedSpecialTokensAndSpeculationKeepsThePlainGreedyTokens(TinyDecoderSpec spec)
            throws Exception {
        int special;
        int first;
        try (DecoderTasks engine = DecoderTasks.open(TinyInstructModels.target(dir, spec),
                TinyInstructModels.config().build())) {
            assertThat(engine.suppressedTokenIds()).as("the special tokens but the stops")
                    .hasSize(spec.family() == TinyDecoderSpec.Family.LLAMA ? 3 : 2)
                    .doesNotContainAnyElementsOf(engine.stopTokenIds());
            special = engine.suppressedTokenIds().get(0);
            first = engine.generate(engine.promptIds(HELLO), SamplingParams.greedy(1, List.of())).get().tokens()[0];
        }
        Path forced = TinyInstructModels.favouring(dir, spec, special, first, 4f);
        int[] greedy;
        try (DecoderTasks engine = DecoderTasks.open(forced, TinyInstructModels.config().build())) {
            int[] prompt = engine.promptIds(HELLO);
            List<Integer> suppressed = engine.suppressedTokenIds();
            int[] raw = engine.generate(prompt, new SamplingParams(0f, 0, 1f, 0L, 24, engine.stopTokenIds())).get()
                    .tokens();
            assertThat(raw[0]).as("unsuppressed, the forced checkpoint starts its reply with the special token")
                    .isEqualTo(special);
            greedy = engine.generate(prompt, engine.samplingParams(0f, 1f, 0L, 24)).get().tokens();
            assertThat(greedy).isNotEmpty();
            assertNoneOf(greedy, suppressed);
            for (long seed = 1; seed <= 4; seed++) {
                assertNoneOf(engine.generate(prompt, engine.samplingParams(1.5f, 1f, seed, 24)).get().tokens(),
                        suppressed);
            }
        }
        for (DecoderTasksConfig config : List.of(
                TinyInstructModels.config().speculation(Speculation.PROMPT_LOOKUP).build(),
                TinyInstructModels.config().draftModel(TinyInstructModels.draft(dir, spec).toString()).build(),
                TinyInstructModels.config().draftModel(forced.toString()).build())) {
            try (DecoderTasks engine = DecoderTasks.open(forced, config)) {
                assertThat(engine.generate(engine.promptIds(HELLO), engine.samplingParams(0f, 1f, 0L, 24)).get()
                        .tokens()).as("%s", config).containsExactly(greedy);
            }
        }
    }

    private static void assertNoneOf(int[] tokens, List<Integer> suppressed) {
        for (int token : tokens) {
            assertThat(suppressed).as("generated token %d", token).doesNotContain(token);
        }
    }

    @Test
    void speculationInThePipelineAdaptsItsDraftLengthAndStandsDownPerProposerKind() {
        io.textintel.serving.config.DecoderConfig target = new io.textintel.serving.config.DecoderConfig("qwen2",
                1000, 64, 256, 4, 4, 2, 16, 256, 1e-6, 1e6, null, true, true, 1, List.of(2));
        io.textintel.serving.config.DecoderConfig draft = new io.textintel.serving.config.DecoderConfig("qwen2",
                1000, 32, 128, 1, 2, 1, 16, 256, 1e-6, 1e6, null, true, true, 1, List.of(2));

        assertThat(DecoderTasks.adaptivePolicy(Speculation.NONE, target, null)).isNull();
        assertThat(DecoderTasks.adaptivePolicy(Speculation.PROMPT_LOOKUP, target, null))
                .isEqualTo(io.textintel.serving.spec.SpeculationOptions.promptLookup());
        // Weights by hand: per layer attention 64*16*(2*4 + 2*2) = 12288, MLP 3*64*256 = 49152; tied embeddings 64000.
        assertThat(DecoderTasks.approximateParameters(target)).isEqualTo(4 * (12288 + 49152) + 64000);
        // Draft: attention 32*16*(2*2 + 2*1) = 3072, MLP 3*32*128 = 12288, embeddings 32000.
        long draftWeights = 3072 + 12288 + 32000;
        assertThat(DecoderTasks.adaptivePolicy(Speculation.DRAFT_MODEL, target, draft)).isEqualTo(
                io.textintel.serving.spec.SpeculationOptions.draftModel((double) draftWeights / (4 * (12288 + 49152) + 64000)));
    }

    @Test
    void countsTokensWithoutSpecialTokensAndRejectsPromptsLongerThanTheModel() throws Exception {
        Path model = TinyInstructModels.target(dir, TinyDecoderSpec.llama());
        try (DecoderTasks engine = DecoderTasks.open(model, TinyInstructModels.config().build())) {
            assertThat(engine.countTokens("")).isZero();
            assertThat(engine.countTokens("the cat")).isEqualTo(engine.encode("the cat").length);
            String huge = "word ".repeat(400);
            assertThat(engine.countTokens(huge)).as("counted past the model's length").isGreaterThan(256);
            assertThatThrownBy(() -> engine.chat(List.of(ChatTemplate.Message.user(huge)),
                    engine.samplingParams(0f, 1f, 0L, 4)).get())
                    .isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(EngineException.class).hasMessageContaining("expected at most 255");
        }
    }

    @Test
    void draftModelOfAnotherTokenizerIsRefusedWithAReason() throws Exception {
        Path qwen = TinyInstructModels.target(dir, TinyDecoderSpec.qwen2());
        Path llamaDraft = TinyInstructModels.draft(dir, TinyDecoderSpec.llama());
        DecoderTasksConfig config = TinyInstructModels.config().draftModel(llamaDraft.toString()).build();
        assertThatThrownBy(() -> DecoderTasks.open(qwen, config))
                .isInstanceOfSatisfying(EngineException.class,
                        e -> assertThat(e.kind()).isEqualTo(EngineException.Kind.LOAD))
                .hasMessageStartingWith("could not load the draft model in " + llamaDraft + " for the decoder model in "
                        + qwen + ": draft model " + llamaDraft)
                .hasMessageContaining("expected the same tokenizer")
                .cause().isInstanceOf(IllegalArgumentException.class);
        Path smallerVocabulary = io.textintel.serving.tools.TinyModelGenerator.writeDecoder(dir.resolve("qwen-300"),
                TinyDecoderSpec.qwen2().withMerges(300).withSizes(32, 1, 2, 1, 64));
        assertThatThrownBy(() -> DecoderTasks.open(qwen,
                TinyInstructModels.config().draftModel(smallerVocabulary.toString()).build()))
                .isInstanceOfSatisfying(EngineException.class,
                        e -> assertThat(e.kind()).isEqualTo(EngineException.Kind.LOAD))
                .hasMessageContaining("draft model " + smallerVocabulary)
                .hasMessageContaining("token ids but model")
                .cause().isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aBrokenChatTemplateFailsTheLoadNamingItsFileAndLine() throws Exception {
        Path model = io.textintel.serving.tools.TinyModelGenerator.writeDecoder(dir.resolve("llama-broken-template"),
                TinyDecoderSpec.llama());
        Path file = model.resolve("chat_template.jinja");
        Files.writeString(file, "{{ bos_token }}\n{% for message in messages %}{{ message['content'] | trim( }}"
                + "{% endfor %}\n");
        assertThatThrownBy(() -> DecoderTasks.open(model, TinyInstructModels.config().build()))
                .isInstanceOfSatisfying(EngineException.class,
                        e -> assertThat(e.kind()).isEqualTo(EngineException.Kind.LOAD))
                .hasMessageStartingWith("could not load the decoder model in " + model + ": chat template " + file
                        + " does not render a user message: line 2: ")
                .hasMessageContaining("syntax error")
                .cause().isInstanceOfSatisfying(ChatTemplateException.class,
                        e -> assertThat(e.kind()).isEqualTo(ChatTemplateException.Kind.INVALID));
    }

    @Test
    void aMissingFileFailsTheLoadNamingTheModelAndTheFile() throws Exception {
        Path model = io.textintel.serving.tools.TinyModelGenerator.writeDecoder(dir.resolve("llama-no-tokenizer"),
                TinyDecoderSpec.llama());
        Path tokenizer = model.resolve("tokenizer.json");
        Files.delete(tokenizer);
        assertThatThrownBy(() -> DecoderTasks.open(model, TinyInstructModels.config().build()))
                .isInstanceOfSatisfying(EngineException.class,
                        e -> assertThat(e.kind()).isEqualTo(EngineException.Kind.LOAD))
                .hasMessageStartingWith("could not load the decoder model in " + model + ": ")
                .hasMessageContaining("tokenizer.json")
                .cause().isInstanceOf(java.io.IOException.class);
    }

    /**
     * {@code cpu-reference} runs the decoder on the scalar ops, {@code cpu} and {@code auto} (on a
     * machine without a CUDA device; the CUDA ops with one) on the fast ones, and the two agree on the greedy reply: the ops agree within float
     * rounding (1e-4 relative on logits, DecoderModelTest), far below the gaps between the top logits
     * of these checkpoints' first 12 steps.
     */
    @ParameterizedTest
    @MethodSource("families")
    void theConfiguredBackendChoosesTheDecoderOps(TinyDecoderSpec spec) throws Exception {
        Path model = TinyInstructModels.target(dir, spec);
        int[] fastTokens;
        try (DecoderTasks engine = DecoderTasks.open(model,
                TinyInstructModels.config().backend(BackendChoice.CPU).build())) {
            assertThat(engine.opsName()).startsWith("fast-");
            fastTokens = engine.generate(engine.promptIds(HELLO), engine.samplingParams(0f, 1f, 0L, 12)).get()
                    .tokens();
        }
        try (DecoderTasks engine = DecoderTasks.open(model,
                TinyInstructModels.config().backend(BackendChoice.CPU_REFERENCE).build())) {
            assertThat(engine.opsName()).isEqualTo("scalar");
            assertThat(engine.generate(engine.promptIds(HELLO), engine.samplingParams(0f, 1f, 0L, 12)).get().tokens())
                    .as("greedy tokens of the scalar ops").containsExactly(fastTokens);
        }
        try (DecoderTasks engine = DecoderTasks.open(model,
                TinyInstructModels.config().backend(BackendChoice.AUTO).build())) {
            assertThat(engine.opsName()).startsWith(CudaAvailability.probe().available() ? "cuda" : "fast-");
        }
    }

    @Test
    void theConfiguredWeightFormatIsTheOneTheModelLoads() throws Exception {
        Path model = TinyInstructModels.target(dir, TinyDecoderSpec.llama());
        assertThat(TinyInstructModels.config().build().weights()).as("unset").isEqualTo(WeightFormat.F32);
        for (WeightFormat format : List.of(WeightFormat.BF16, WeightFormat.INT8)) {
            try (DecoderTasks engine = DecoderTasks.open(model,
                    TinyInstructModels.config().backend(BackendChoice.CPU).weights(format).build())) {
                assertThat(engine.weightFormat()).isEqualTo(format);
                SamplingParams greedy = engine.samplingParams(0f, 1f, 0L, 8);
                TextGeneration first = engine.chat(HELLO, greedy).get();
                assertThat(first.outputTokens()).isBetween(1, 8);
                assertThat(engine.chat(HELLO, greedy).get().text()).as("%s replays", format).isEqualTo(first.text());
            }
        }
    }

    @Test
    void backendCudaWithoutADeviceIsRefusedAtOpenNamingWhy() throws Exception {
        CudaAvailability cuda = CudaAvailability.probe();
        assumeFalse(cuda.available(), "this machine has a CUDA device; the refusal needs one without");
        Path model = TinyInstructModels.target(dir, TinyDecoderSpec.llama());
        assertThatThrownBy(() -> DecoderTasks.open(model,
                TinyInstructModels.config().backend(BackendChoice.CUDA).gpuIndex(1).build()))
                .isInstanceOfSatisfying(EngineException.class,
                        e -> assertThat(e.kind()).isEqualTo(EngineException.Kind.LOAD))
                .hasMessageContaining("backend 'cuda' (gpuIndex 1) is configured for a decoder, but CUDA is"
                        + " unavailable: " + cuda.reason())
                .hasMessageContaining("or backend 'auto' or 'cpu'");
    }

    @Test
    void configNamesTheBadValue() {
        assertThatThrownBy(() -> TinyInstructModels.config().threads(0).build())
                .hasMessage("decoder threads is 0, expected >= 1");
        assertThatThrownBy(() -> TinyInstructModels.config().backend(null).build())
                .hasMessage("decoder backend is null, expected one of auto, cuda, cpu, cpu-reference");
        assertThatThrownBy(() -> TinyInstructModels.config().gpuIndex(-2).build())
                .hasMessage("decoder gpuIndex is -2, expected >= -1");
        assertThatThrownBy(() -> TinyInstructModels.config().speculation(Speculation.DRAFT_MODEL).build())
                .hasMessageContaining("no draft model directory is set");
        assertThatThrownBy(() -> TinyInstructModels.config().speculation(Speculation.PROMPT_LOOKUP)
                .maxDraftTokens(0).build()).hasMessage("decoder maxDraftTokens is 0, expected >= 1");
        assertThatThrownBy(() -> Speculation.parse("medusa"))
                .hasMessage("speculation 'medusa' is not known, expected one of: none, prompt-lookup, draft-model");
        assertThat(Speculation.parse("Prompt-Lookup")).isEqualTo(Speculation.PROMPT_LOOKUP);
    }
}
