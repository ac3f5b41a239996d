package io.textintel.serving.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.textintel.serving.tools.TinyBertSpec;
import io.textintel.serving.tools.TinyDecoderSpec;
import io.textintel.serving.tools.TinyModelGenerator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TextTokenizer on the generated WordPiece tokenizer ([PAD]=0, [UNK]=1, [CLS]=2, [SEP]=3). */
class TextTokenizerTest {

    private static final int CLS = 2;
    private static final int SEP = 3;
    private static final int UNK = 1;

    @TempDir
    static Path dir;

    private static Path model;
    private static List<String> vocab;
    private static TextTokenizer tokenizer;

    @BeforeAll
    static void generate() throws IOException {
        model = TinyModelGenerator.writeBertEmbedder(dir.resolve("model"), TinyBertSpec.small());
        vocab = Files.readAllLines(model.resolve("vocab.txt"));
        tokenizer = TextTokenizer.load(model, 64);
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    @Test
    void encodesWithSpecialTokensAndLowercases() {
        TokenizedText text = tokenizer.encode("Hello, World!");
        assertThat(text.ids()).containsExactly(CLS, vocab.indexOf("hello"), vocab.indexOf(","),
                vocab.indexOf("world"), vocab.indexOf("!"), SEP);
        assertThat(text.typeIds()).containsOnly(0);
        assertThat(text.truncated()).isFalse();
        assertThat(text.untruncatedLength()).isEqualTo(6);
        assertThat(text.unknownTokens()).isZero();
    }

    @Test
    void encodesWithoutSpecialTokensWhenAsked() {
        TokenizedText text = tokenizer.encode("Hello, World!", false);
        assertThat(text.ids()).containsExactly(vocab.indexOf("hello"), vocab.indexOf(","), vocab.indexOf("world"),
                vocab.indexOf("!"));
        assertThat(text.untruncatedLength()).isEqualTo(4);
    }

    @Test
    void llamaChatPromptsKeepTheirOwnBeginOfTextAndDecodeBack() throws IOException {
        Path llama = TinyModelGenerator.writeDecoder(dir.resolve("llama"), TinyDecoderSpec.llama());
        try (TextTokenizer decoder = TextTokenizer.load(llama, 256)) {
            int bos = decoder.encode("<|begin_of_text|>", false).ids()[0];
            int eot = decoder.encode("<|eot_id|>", false).ids()[0];
            int[] plain = decoder.encode("the cat", false).ids();
            assertThat(plain).doesNotContain(bos);
            assertThat(decoder.encode("the cat").ids()).as("the post-processor adds <|begin_of_text|>")
                    .startsWith(bos).endsWith(plain);
            int[] prompt = decoder.encode("<|begin_of_text|>the cat<|eot_id|>", false).ids();
            assertThat(prompt).as("a rendered prompt's special tokens are single ids, BOS not doubled")
                    .containsExactly(concat(new int[] {bos}, plain, new int[] {eot}));
            assertThat(decoder.decode(prompt)).isEqualTo("the cat");
            assertThat(decoder.decode(prompt, false)).isEqualTo("<|begin_of_text|>the cat<|eot_id|>");
            // Llama 3's five special tokens follow the byte-level BPE vocabulary
            List<Integer> special = decoder.specialTokenIds();
            assertThat(special).containsExactly(bos, bos + 1, bos + 2, bos + 3, eot)
                    .endsWith(decoder.vocabularySize() - 1);
            for (int id : special) {
                assertThat(decoder.decode(new int[] {id})).as("special token %d is left out when decoding", id)
                        .isEmpty();
            }
        }
    }

    private static int[] concat(int[]... parts) {
        return java.util.Arrays.stream(parts).flatMapToInt(java.util.Arrays::stream).toArray();
    }

    @Test
    void splitsUnknownWordsIntoPieces() {
        TokenizedText text = tokenizer.encode("zyxwv");
        assertThat(text.ids()).containsExactly(CLS, vocab.indexOf("z"), vocab.indexOf("##y"), vocab.indexOf("##x"),
                vocab.indexOf("##w"), vocab.indexOf("##v"), SEP);
    }

    @Test
    void truncatesKeepingTheClosingSeparator() throws IOException {
        String sentence = "the quick brown fox jumps over the lazy dog ";
        String longText = sentence.repeat(20);
        int perSentence = tokenizer.encode(sentence).length() - 2;
        try (TextTokenizer unlimited = TextTokenizer.load(model, 1000)) {
            TokenizedText full = unlimited.encode(longText);
            TokenizedText cut = tokenizer.encode(longText);
            assertThat(full.truncated()).isTrue(); // above the model's 128
            assertThat(cut.length()).isEqualTo(64);
            assertThat(cut.truncated()).isTrue();
            assertThat(cut.ids()[0]).isEqualTo(CLS);
            assertThat(cut.ids()[63]).isEqualTo(SEP);
            assertThat(cut.untruncatedLength()).isEqualTo(full.untruncatedLength()).isEqualTo(2 + 20 * perSentence);
            for (int i = 0; i < 63; i++) {
                assertThat(cut.ids()[i]).isEqualTo(full.ids()[i]);
            }
        }
    }

    @Test
    void capsTheMaxLengthAtTheModelLimit() throws IOException {
        try (TextTokenizer capped = TextTokenizer.load(model, 100_000)) {
            assertThat(capped.maxLength()).isEqualTo(128);
        }
        assertThat(tokenizer.maxLength()).isEqualTo(64);
    }

    @Test
    void capsTheMaxLengthAtTheSentenceTransformersLimitAndThePositions(@TempDir Path copy) throws IOException {
        for (String file : List.of("tokenizer.json", "config.json")) {
            Files.copy(model.resolve(file), copy.resolve(file));
        }
        try (TextTokenizer byPositions = TextTokenizer.load(copy, 100_000)) {
            assertThat(byPositions.maxLength()).isEqualTo(128); // max_position_embeddings, no tokenizer_config
        }
        Files.writeString(copy.resolve("sentence_bert_config.json"), "{\"max_seq_length\": 32}");
        Files.writeString(copy.resolve("tokenizer_config.json"), "{\"model_max_length\": 1000000000000000019884624838656}");
        try (TextTokenizer bySentenceTransformers = TextTokenizer.load(copy, 100)) {
            assertThat(bySentenceTransformers.maxLength()).isEqualTo(32);
        }
    }

    @Test
    void countsUnknownTokens() {
        // BertNormalizer isolates each CJK character, none of which is in the vocabulary
        TokenizedText text = tokenizer.encode("price 日本 \uD83D\uDE00");
        assertThat(text.unknownTokens()).isEqualTo(3);
        assertThat(text.ids()).containsExactly(CLS, vocab.indexOf("price"), UNK, UNK, UNK, SEP);
        assertThat(tokenizer.unknownTokenId()).isEqualTo(UNK);
    }

    @Test
    void batchEncodingMatchesSingleEncoding() {
        List<String> texts = List.of("First document about markets.", "", "Second one, café and naïve résumé.");
        List<TokenizedText> batch = tokenizer.encodeBatch(texts);
        assertThat(batch).hasSize(3);
        for (int i = 0; i < texts.size(); i++) {
            assertThat(batch.get(i)).isEqualTo(tokenizer.encode(texts.get(i)));
        }
        assertThat(batch.get(1).ids()).containsExactly(CLS, SEP);
        assertThat(batch.get(2).unknownTokens()).isZero(); // accents are stripped
        assertThat(tokenizer.encodeBatch(List.of())).isEmpty();
    }

    @Test
    void encodesConcurrently() throws Exception {
        List<String> texts = List.of("Stocks fell sharply.", "The team won the final match.", "Rain is expected.");
        List<TokenizedText> expected = texts.stream().map(tokenizer::encode).toList();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<Boolean>> results = new java.util.ArrayList<>();
            for (int task = 0; task < 8; task++) {
                results.add(pool.submit(() -> {
                    for (int round = 0; round < 200; round++) {
                        int i = round % texts.size();
                        if (!tokenizer.encode(texts.get(i)).equals(expected.get(i))) {
                            return false;
                        }
                    }
                    return true;
                }));
            }
            for (java.util.concurrent.Future<Boolean> result : results) {
                assertThat(result.get()).isTrue();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void keepsDjlOffline() {
        org.junit.jupiter.api.Assumptions.assumeTrue(System.getenv("DJL_OFFLINE") == null,
                "DJL_OFFLINE is set in the environment, which DJL reads instead of the property");
        assertThat(System.getProperty(TextTokenizer.DJL_OFFLINE_PROPERTY)).isEqualTo("true");
    }

    @Test
    void decodesWithoutSpecialTokens() {
        assertThat(tokenizer.decode(tokenizer.encode("Markets rose sharply today.").ids()))
                .isEqualTo("markets rose sharply today.");
    }

    @Test
    void reportsTheVocabularySize() {
        assertThat(tokenizer.vocabularySize()).isEqualTo(vocab.size());
    }

    @Test
    void rejectsBadArguments(@TempDir Path empty) {
        assertThatThrownBy(() -> TextTokenizer.load(model, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxLength is 1");
        assertThatThrownBy(() -> TextTokenizer.load(empty, 16))
                .isInstanceOf(IOException.class).hasMessageContaining("tokenizer.json");
        assertThatThrownBy(() -> tokenizer.encodeBatch(java.util.Arrays.asList("a", null)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("text 1");
    }
}
