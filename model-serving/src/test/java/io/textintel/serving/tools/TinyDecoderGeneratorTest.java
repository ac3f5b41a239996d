package io.textintel.serving.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.textintel.serving.config.DecoderConfig;
import io.textintel.serving.config.RopeScaling;
import io.textintel.serving.tokenizer.ChatTemplate;
import io.textintel.serving.tokenizer.TextTokenizer;
import io.textintel.serving.tokenizer.TokenizedText;
import io.textintel.serving.weights.CheckpointWeights;
import io.textintel.serving.weights.DType;
import io.textintel.serving.weights.TensorInfo;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TinyDecoderGeneratorTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String ENGLISH = "The central bank raised interest rates on Tuesday, and stocks fell as"
            + " investors worried that inflation would slow economic growth.";

    @TempDir
    Path dir;

    static Map<String, long[]> expectedTensors(TinyDecoderSpec spec, int vocab, boolean qwen2) {
        long h = spec.hiddenSize();
        long q = (long) spec.heads() * spec.headDim();
        long kv = (long) spec.kvHeads() * spec.headDim();
        long i = spec.intermediateSize();
        Map<String, long[]> expected = new HashMap<>();
        expected.put("model.embed_tokens.weight", new long[] {vocab, h});
        expected.put("model.norm.weight", new long[] {h});
        if (!qwen2) {
            expected.put("lm_head.weight", new long[] {vocab, h});
        }
        for (int layer = 0; layer < spec.layers(); layer++) {
            String base = "model.layers." + layer + ".";
            expected.put(base + "input_layernorm.weight", new long[] {h});
            expected.put(base + "post_attention_layernorm.weight", new long[] {h});
            expected.put(base + "self_attn.q_proj.weight", new long[] {q, h});
            expected.put(base + "self_attn.k_proj.weight", new long[] {kv, h});
            expected.put(base + "self_attn.v_proj.weight", new long[] {kv, h});
            expected.put(base + "self_attn.o_proj.weight", new long[] {h, q});
            if (qwen2) {
                expected.put(base + "self_attn.q_proj.bias", new long[] {q});
                expected.put(base + "self_attn.k_proj.bias", new long[] {kv});
                expected.put(base + "self_attn.v_proj.bias", new long[] {kv});
            }
            expected.put(base + "mlp.gate_proj.weight", new long[] {i, h});
            expected.put(base + "mlp.up_proj.weight", new long[] {i, h});
            expected.put(base + "mlp.down_proj.weight", new long[] {h, i});
        }
        return expected;
    }

    @Test
    void writesALlamaInTheHuggingFaceLayoutWithALoadableByteLevelTokenizer() throws IOException {
        TinyDecoderSpec spec = TinyDecoderSpec.llama().withMerges(300).withDtype(DType.BF16);
        Path model = TinyModelGenerator.writeDecoder(dir.resolve("llama"), spec);

        JsonNode config = JSON.readTree(model.resolve("config.json").toFile());
        assertThat(config.get("architectures").get(0).asText()).isEqualTo("LlamaForCausalLM");
        DecoderConfig decoder = DecoderConfig.read(model);
        int vocab = 256 + 300 + 5;
        assertThat(decoder.vocabSize()).isEqualTo(vocab);
        assertThat(decoder.bosTokenId()).isEqualTo(556);
        assertThat(decoder.eosTokenIds()).containsExactly(557, 560);
        JsonNode generation = JSON.readTree(model.resolve("generation_config.json").toFile());
        assertThat(generation.get("eos_token_id").get(1).asInt()).isEqualTo(560);

        try (CheckpointWeights weights = CheckpointWeights.open(model)) {
            Map<String, long[]> expected = expectedTensors(spec, vocab, false);
            assertThat(weights.tensorNames()).containsExactlyInAnyOrderElementsOf(expected.keySet());
            expected.forEach((name, shape) ->
                    assertThat(weights.info(name)).as(name).isEqualTo(new TensorInfo(name, DType.BF16, shape)));
        }

        try (TextTokenizer tokenizer = TextTokenizer.load(model, 512)) {
            assertThat(tokenizer.vocabularySize()).isEqualTo(vocab);
            TokenizedText encoded = tokenizer.encode(ENGLISH);
            assertThat(encoded.ids()[0]).as("post-processor adds <|begin_of_text|>").isEqualTo(556);
            assertThat(encoded.ids().length).as("merges keep the text shorter than its bytes")
                    .isLessThan(ENGLISH.length() * 2 / 3);
            assertThat(tokenizer.decode(encoded.ids())).isEqualTo(ENGLISH);

            ChatTemplate template = ChatTemplate.forModel(model);
            assertThat(template.source()).as("Llama 3's own template")
                    .isEqualTo(realTemplate("Meta-Llama-3-8B-Instruct.jinja"));
            String prompt = template.render(List.of(ChatTemplate.Message.user("Hi")), true);
            int[] ids = tokenizer.encode(prompt).ids();
            assertThat(ids).contains(558, 559, 560); // header ids and <|eot_id|> as single tokens
        }
    }

    @Test
    void writesAQwen2WithBiasesTiedEmbeddingsAndChatMlTokens() throws IOException {
        TinyDecoderSpec spec = TinyDecoderSpec.qwen2().withMerges(200);
        Path model = TinyModelGenerator.writeDecoder(dir.resolve("qwen2"), spec);
        DecoderConfig decoder = DecoderConfig.read(model);
        int vocab = 256 + 200 + 3;
        assertThat(decoder.modelType()).isEqualTo("qwen2");
        assertThat(decoder.eosTokenIds()).containsExactly(458);
        try (CheckpointWeights weights = CheckpointWeights.open(model)) {
            assertThat(weights.tensorNames())
                    .containsExactlyInAnyOrderElementsOf(expectedTensors(spec, vocab, true).keySet());
        }
        ChatTemplate template = ChatTemplate.forModel(model);
        assertThat(template.source()).as("Qwen2's own template").isEqualTo(realTemplate("Qwen2-7B-Instruct.jinja"));
        assertThat(template.endOfTurnMarker()).isEqualTo("<|im_end|>");
        try (TextTokenizer tokenizer = TextTokenizer.load(model, 512)) {
            int[] ids = tokenizer.encode("<|im_start|>user\nhello<|im_end|>").ids();
            assertThat(ids[0]).isEqualTo(457);
            assertThat(ids[ids.length - 1]).isEqualTo(458);
            assertThat(tokenizer.decode(tokenizer.encode(ENGLISH).ids())).isEqualTo(ENGLISH);
        }
    }

    /** Sentences with contractions, digits, punctuation before letters, newlines and runs of spaces. */
    private static final List<String> PRE_TOKENIZER_PROBES = List.of(ENGLISH,
            "It's 2026: they'll ship 1234567 parcels, won't they?",
            "hello.World (quoted) \"text\" and   three   spaces\n\nnew paragraph\r\n",
            "I'M SHOUTING, you'RE not; we'VE 12 items & 3.5 kg.", "  leading and trailing  ");

    @Test
    void decoderTokenizersUseTheSplitThenByteLevelLayoutTheFamiliesShipWithTheIdsOfTheOldForm() throws IOException {
        for (TinyDecoderSpec spec : List.of(TinyDecoderSpec.llama(), TinyDecoderSpec.qwen2())) {
            Path model = TinyModelGenerator.writeDecoder(dir.resolve(spec.family().name()), spec);
            JsonNode tokenizer = JSON.readTree(model.resolve("tokenizer.json").toFile());
            JsonNode pre = tokenizer.get("pre_tokenizer");
            assertThat(pre.get("type").asText()).isEqualTo("Sequence");
            JsonNode split = pre.get("pretokenizers").get(0);
            assertThat(split.get("type").asText()).isEqualTo("Split");
            assertThat(split.get("behavior").asText()).isEqualTo("Isolated");
            assertThat(split.get("pattern").get("Regex").asText()).as(spec.family() + " digits a piece")
                    .contains(spec.family() == TinyDecoderSpec.Family.LLAMA ? "\\p{N}{1,3}" : "|\\p{N}|");
            JsonNode byteLevel = pre.get("pretokenizers").get(1);
            assertThat(byteLevel.get("type").asText()).isEqualTo("ByteLevel");
            assertThat(byteLevel.get("use_regex").asBoolean()).isFalse();
            assertThat(tokenizer.path("normalizer").path("type").asText(null))
                    .isEqualTo(spec.family() == TinyDecoderSpec.Family.QWEN2 ? "NFC" : null);

            // The GPT-2 form the generator wrote before: a top-level ByteLevel with its own expression. The
            // merges learnt over the word list never join a digit or punctuation to a letter, so both forms
            // must give the same ids on every probe (Hugging Face tokenizers, through DJL, are the judge).
            Path old = dir.resolve(spec.family() + "-gpt2-form");
            Files.createDirectories(old);
            for (String file : List.of("config.json", "tokenizer_config.json", "special_tokens_map.json")) {
                Files.copy(model.resolve(file), old.resolve(file));
            }
            ObjectNode gpt2 = (ObjectNode) tokenizer.deepCopy();
            gpt2.putNull("normalizer");
            gpt2.putObject("pre_tokenizer").put("type", "ByteLevel").put("add_prefix_space", false)
                    .put("trim_offsets", true).put("use_regex", true);
            JSON.writeValue(old.resolve("tokenizer.json").toFile(), gpt2);
            try (TextTokenizer shipped = TextTokenizer.load(model, 512);
                    TextTokenizer before = TextTokenizer.load(old, 512)) {
                for (String probe : PRE_TOKENIZER_PROBES) {
                    assertThat(shipped.encode(probe).ids()).as(spec.family() + ": " + probe)
                            .isEqualTo(before.encode(probe).ids());
                    assertThat(shipped.decode(shipped.encode(probe, false).ids())).isEqualTo(probe);
                }
            }
        }
    }

    @Test
    void theSameSpecGivesTheSameBytes() throws IOException {
        TinyDecoderSpec spec = TinyDecoderSpec.qwen2().withMerges(50);
        Path first = TinyModelGenerator.writeDecoder(dir.resolve("a"), spec);
        Path second = TinyModelGenerator.writeDecoder(dir.resolve("b"), spec);
        for (String file : List.of("model.safetensors", "tokenizer.json", "config.json", "tokenizer_config.json")) {
            assertThat(Files.readAllBytes(second.resolve(file))).as(file)
                    .isEqualTo(Files.readAllBytes(first.resolve(file)));
        }
        Path other = TinyModelGenerator.writeDecoder(dir.resolve("c"), spec.withSeed(7));
        assertThat(Files.readAllBytes(other.resolve("model.safetensors")))
                .isNotEqualTo(Files.readAllBytes(first.resolve("model.safetensors")));
    }

    @Test
    void theCommandLineWritesDecodersAndRejectsBadSpecs() throws IOException {
        Path written = TinyModelGenerator.run(new String[] {"llama", dir.resolve("cli").toString(), "--hidden", "32",
                "--layers", "1", "--heads", "4"});
        assertThat(DecoderConfig.read(written).numKeyValueHeads()).isEqualTo(2);

        // The benchmark's shape: 16 query heads over 4 key/value heads, with its own merges and rotary settings.
        Path benchmarkShape = TinyModelGenerator.run(new String[] {"llama", dir.resolve("cli-16-4").toString(),
                "--hidden", "128", "--layers", "1", "--heads", "16", "--kv-heads", "4", "--intermediate", "256",
                "--merges", "120", "--rope-theta", "10000", "--rope-scaling",
                "type=llama3,factor=8,original=64,low=1,high=4", "--max-positions", "512", "--dtype", "BF16"});
        DecoderConfig config = DecoderConfig.read(benchmarkShape);
        assertThat(config.numAttentionHeads()).isEqualTo(16);
        assertThat(config.numKeyValueHeads()).isEqualTo(4);
        assertThat(config.vocabSize()).isEqualTo(256 + 120 + 5);
        assertThat(config.ropeTheta()).isEqualTo(10000.0);
        assertThat(config.ropeScaling()).isEqualTo(new RopeScaling("llama3", 8, 1, 4, 64));
        assertThat(config.maxPositionEmbeddings()).isEqualTo(512);
        Path multiQuery = TinyModelGenerator.run(new String[] {"qwen2", dir.resolve("cli-mqa").toString(),
                "--hidden", "32", "--layers", "1", "--heads", "4", "--kv-heads", "1"});
        assertThat(DecoderConfig.read(multiQuery).numKeyValueHeads()).isEqualTo(1);
        assertThatThrownBy(() -> TinyModelGenerator.run(new String[] {"llama", dir.resolve("bad").toString(),
                "--heads", "4", "--kv-heads", "3"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("kvHeads is 3");
        assertThatThrownBy(() -> TinyModelGenerator.run(new String[] {"llama", dir.resolve("bad").toString(),
                "--rope-scaling", "type=llama3,factor=8"}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected type=T,factor=X,original=N");
        assertThatThrownBy(() -> TinyDecoderSpec.llama().withSizes(64, 2, 4, 3, 128))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("kvHeads is 3");
    }

    /** A model's chat template as the tokenizer tests keep it. */
    private static String realTemplate(String name) throws IOException {
        try (InputStream in = TinyDecoderGeneratorTest.class
                .getResourceAsStream("/io/textintel/serving/tokenizer/chat-templates/" + name)) {
            assertThat(in).as(name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
