package io.textintel.operators.decode;

import static org.assertj.core.api.Assertions.assertThat;

import io.textintel.schemas.TextRecord;
import io.textintel.schemas.codec.RecordValidationException;
import io.textintel.schemas.codec.TextRecordNormalizer;
import io.textintel.schemas.codec.TextRecordValidator;
import io.textintel.serving.tokenizer.TextTokenizer;
import io.textintel.serving.tokenizer.TokenizedText;
import io.textintel.serving.tools.TinyBertSpec;
import io.textintel.serving.tools.TinyDecoderSpec;
import io.textintel.serving.tools.TinyModelGenerator;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Property-based check of the path a record's text takes before inference: normalize, validate,
 * then tokenize with a WordPiece (BERT) and a byte-level BPE (decoder) tokenizer. Whatever the text,
 * validation rejects only with {@link RecordValidationException}, and a text it accepts tokenizes
 * without an exception into ids of the vocabulary, within the length limit, counting what was cut.
 * Tries are bounded for CI.
 */
class DecodeAndTokenizePropertiesTest {

    private static final int MAX_LENGTH = 64;

    private static TextTokenizer wordPiece;
    private static TextTokenizer byteLevel;

    @BeforeContainer
    static void tokenizers() throws Exception {
        Path dir = Files.createTempDirectory("textintel-tokenize-properties");
        wordPiece = TextTokenizer.load(TinyModelGenerator.writeBertEmbedder(dir.resolve("bert"), TinyBertSpec.small()),
                MAX_LENGTH);
        byteLevel = TextTokenizer.load(TinyModelGenerator.writeDecoder(dir.resolve("qwen2"), TinyDecoderSpec.qwen2()),
                MAX_LENGTH);
    }

    @AfterContainer
    static void close() {
        wordPiece.close();
        byteLevel.close();
    }

    @Property(tries = 500)
    void everyTextTheValidatorAcceptsTokenizesWithinTheLimits(@ForAll("hostileText") String text) {
        TextRecord record = TextRecordNormalizer.defaults().normalize(TextRecord.newBuilder().setId("p-1").setText(text).build());
        try {
            TextRecordValidator.defaults().validate(record);
        } catch (RecordValidationException rejected) {
            assertThat(rejected.getMessage()).startsWith("field 'text'");
            return;
        }
        for (TextTokenizer tokenizer : new TextTokenizer[] {wordPiece, byteLevel}) {
            TokenizedText tokens = tokenizer.encode(record.getText());
            assertThat(tokens.ids().length).isLessThanOrEqualTo(MAX_LENGTH);
            assertThat(tokens.untruncatedLength()).isGreaterThanOrEqualTo(tokens.ids().length);
            assertThat(tokens.truncated()).isEqualTo(tokens.untruncatedLength() > MAX_LENGTH);
            for (int id : tokens.ids()) {
                assertThat(id).isBetween(0, tokenizer.vocabularySize() - 1);
            }
        }
    }

    /** Any UTF-16 strings, and strings built from the characters hostile input is made of. */
    @Provide
    Arbitrary<String> hostileText() {
        return Arbitraries.oneOf(
                Arbitraries.strings().all().ofMaxLength(80),
                Arbitraries.strings().withChars("\u0000\u0007\u001b\u009b\t\n\r \u00a0\u200b\u200d\u2060\ufeff"
                        + "\ud83d\ude21\ud83d\udc4d\ufe0fa\u00e9\u0434\u914d\u062a\u0926\u0301[]{}\"\\").ofMaxLength(200),
                Arbitraries.strings().alpha().ofMinLength(200).ofMaxLength(2000));
    }
}
