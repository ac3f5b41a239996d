package io.textintel.serving.tokenizer;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Hugging Face fast tokenizer ({@code tokenizer.json}, run by the Rust tokenizers library through
 * DJL) that encodes texts with special tokens and truncates them to a maximum length.
 *
 * <p>Truncation keeps the leading tokens and the closing special tokens, as transformers does for a
 * single sequence, and records how long the text was before. Loading reads local files only, and
 * DJL's native library comes from its jar: unless {@value #DJL_OFFLINE_PROPERTY} or the
 * {@code DJL_OFFLINE} environment variable is set, loading sets {@value #DJL_OFFLINE_PROPERTY}=true,
 * which keeps DJL from downloading a CUDA build of the library on a GPU machine (set it to false
 * to allow that). Thread-safe; close it to free the native tokenizer.
 */
public final class TextTokenizer implements AutoCloseable {

    /** DJL's switch that keeps it from downloading anything, native libraries included. */
    public static final String DJL_OFFLINE_PROPERTY = "ai.djl.offline";

    private static final Logger LOG = LoggerFactory.getLogger(TextTokenizer.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** transformers writes a huge model_max_length (1e30) when a tokenizer has no limit. */
    private static final double UNLIMITED = 1e9;

    /** Model types whose position ids start after the padding id (fairseq heritage). */
    private static final Set<String> OFFSET_POSITION_MODELS = Set.of("roberta", "xlm-roberta", "camembert", "mpnet");

    private final HuggingFaceTokenizer tokenizer;
    private final int maxLength;
    private final TokenizerVocabulary vocabulary;
    private final Path source;

    private TextTokenizer(HuggingFaceTokenizer tokenizer, int maxLength, TokenizerVocabulary vocabulary, Path source) {
        this.tokenizer = tokenizer;
        this.maxLength = maxLength;
        this.vocabulary = vocabulary;
        this.source = source;
    }

    /**
     * Loads {@code modelDir/tokenizer.json}. The maximum length is {@code maxLength}, capped by the
     * model's limit: the smaller of {@code model_max_length} in {@code tokenizer_config.json} and
     * sentence-transformers' {@code max_seq_length} in {@code sentence_bert_config.json}, else the
     * position embeddings of {@code config.json}.
     *
     * @throws IOException if a file cannot be read, or {@code tokenizer.json} is missing
     * @throws IllegalArgumentException if {@code maxLength} is below 2 (room for the special tokens)
     */
    public static TextTokenizer load(Path modelDir, int maxLength) throws IOException {
        if (maxLength < 2) {
            throw new IllegalArgumentException("maxLength is " + maxLength + ", expected at least 2");
        }
        Path tokenizerJson = modelDir.resolve("tokenizer.json");
        if (!Files.isRegularFile(tokenizerJson)) {
            throw new IOException("model directory " + modelDir + " has no tokenizer.json; only fast (tokenizer.json) "
                    + "tokenizers are supported");
        }
        int modelLimit = modelLimit(modelDir);
        int effective = Math.min(maxLength, modelLimit);
        if (effective < maxLength) {
            LOG.info("Tokenizer of {}: max length {} capped to the model's limit {}", modelDir, maxLength, modelLimit);
        }
        TokenizerVocabulary vocabulary = TokenizerVocabulary.read(tokenizerJson);
        // Truncation is done here, not by the Rust side, so the untruncated length is known.
        Map<String, String> options = Map.of(
                "addSpecialTokens", "true",
                "truncation", "false",
                "padding", "false",
                "withOverflowingTokens", "false");
        if (System.getProperty(DJL_OFFLINE_PROPERTY) == null && System.getenv("DJL_OFFLINE") == null) {
            System.setProperty(DJL_OFFLINE_PROPERTY, "true");
        }
        HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(tokenizerJson, options);
        return new TextTokenizer(tokenizer, effective, vocabulary, modelDir);
    }

    private static int modelLimit(Path modelDir) throws IOException {
        int limit = Math.min(
                positiveLimit(modelDir.resolve("tokenizer_config.json"), "model_max_length"),
                positiveLimit(modelDir.resolve("sentence_bert_config.json"), "max_seq_length"));
        if (limit < Integer.MAX_VALUE) {
            return limit;
        }
        Path config = modelDir.resolve("config.json");
        if (Files.isRegularFile(config)) {
            JsonNode root = JSON.readTree(config.toFile());
            JsonNode positions = root.path("max_position_embeddings");
            if (positions.isInt() && positions.intValue() > 0) {
                int offset = OFFSET_POSITION_MODELS.contains(root.path("model_type").asText())
                        ? root.path("pad_token_id").asInt(1) + 1
                        : 0;
                return positions.intValue() - offset;
            }
        }
        return Integer.MAX_VALUE;
    }

    /** The value of {@code key} in a JSON file if it is a real limit, else {@link Integer#MAX_VALUE}. */
    private static int positiveLimit(Path file, String key) throws IOException {
        if (Files.isRegularFile(file)) {
            JsonNode limit = JSON.readTree(file.toFile()).path(key);
            if (limit.isNumber() && limit.doubleValue() > 0 && limit.doubleValue() < UNLIMITED) {
                return limit.intValue();
            }
        }
        return Integer.MAX_VALUE;
    }

    /** Encodes one text with special tokens, truncated to {@link #maxLength()}. */
    public TokenizedText encode(String text) {
        return encode(text, true);
    }

    /**
     * Encodes one text, truncated to {@link #maxLength()}; {@link TokenizedText#untruncatedLength()}
     * counts every token.
     *
     * @param addSpecialTokens whether the tokenizer's post-processor adds its special tokens (e.g.
     *     {@code [CLS] .. [SEP]}, or Llama 3's {@code <|begin_of_text|>}); false for text that already
     *     holds them, such as a rendered chat prompt. Special tokens written in the text are
     *     recognised either way.
     */
    public TokenizedText encode(String text, boolean addSpecialTokens) {
        Objects.requireNonNull(text, "text");
        return toTokenized(tokenizer.encode(text, addSpecialTokens, false));
    }

    /** Encodes texts in one native call (parallel on the Rust side); results in input order. */
    public List<TokenizedText> encodeBatch(List<String> texts) {
        for (int i = 0; i < texts.size(); i++) {
            if (texts.get(i) == null) {
                throw new IllegalArgumentException("text " + i + " of the batch is null, expected a string");
            }
        }
        if (texts.isEmpty()) {
            return List.of();
        }
        Encoding[] encodings = tokenizer.batchEncode(texts, true, false);
        List<TokenizedText> result = new ArrayList<>(encodings.length);
        for (Encoding encoding : encodings) {
            result.add(toTokenized(encoding));
        }
        return result;
    }

    private TokenizedText toTokenized(Encoding encoding) {
        long[] ids = encoding.getIds();
        long[] typeIds = encoding.getTypeIds();
        int length = ids.length;
        int kept = Math.min(length, maxLength);
        int tail = length > maxLength ? trailingSpecialTokens(encoding.getSpecialTokenMask(), maxLength) : 0;
        int[] outIds = new int[kept];
        int[] outTypes = new int[kept];
        int head = kept - tail;
        for (int i = 0; i < head; i++) {
            outIds[i] = (int) ids[i];
            outTypes[i] = (int) typeIds[i];
        }
        for (int i = 0; i < tail; i++) {
            outIds[head + i] = (int) ids[length - tail + i];
            outTypes[head + i] = (int) typeIds[length - tail + i];
        }
        int unknown = 0;
        if (vocabulary.unknownTokenId() >= 0) {
            for (int id : outIds) {
                if (id == vocabulary.unknownTokenId()) {
                    unknown++;
                }
            }
        }
        return new TokenizedText(outIds, outTypes, length > maxLength, length, unknown);
    }

    /** Closing special tokens to keep, e.g. 1 for "[CLS] $A [SEP]"; at most half the budget. */
    private static int trailingSpecialTokens(long[] specialMask, int budget) {
        int tail = 0;
        while (tail < specialMask.length && specialMask[specialMask.length - 1 - tail] == 1) {
            tail++;
        }
        return Math.min(tail, budget / 2);
    }

    /** The maximum number of tokens, special tokens included, of an encoded text. */
    public int maxLength() {
        return maxLength;
    }

    /** The number of token ids (the model's embedding rows must cover it). */
    public int vocabularySize() {
        return vocabulary.size();
    }

    /**
     * Ascending ids of the special tokens ({@code tokenizer.json}'s added tokens marked special):
     * those {@link #decode(int[], boolean)} leaves out when told to skip special tokens.
     */
    public List<Integer> specialTokenIds() {
        return vocabulary.specialTokenIds();
    }

    /** The id of the unknown token, or -1 if the tokenizer has none. */
    public int unknownTokenId() {
        return vocabulary.unknownTokenId();
    }

    /** Decodes ids back to text, skipping special tokens. */
    public String decode(int[] ids) {
        return decode(ids, true);
    }

    /**
     * Decodes ids back to text, such as the tokens a decoder generated.
     *
     * @param skipSpecialTokens whether special tokens (a closing end-of-turn token, say) are left out
     */
    public String decode(int[] ids, boolean skipSpecialTokens) {
        long[] wide = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            wide[i] = ids[i];
        }
        return tokenizer.decode(wide, skipSpecialTokens);
    }

    /** Frees the native tokenizer. */
    @Override
    public void close() {
        tokenizer.close();
    }

    @Override
    public String toString() {
        return "TextTokenizer[" + source + ", maxLength=" + maxLength + ", vocabulary=" + vocabulary.size() + "]";
    }
}
