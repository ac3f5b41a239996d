package io.textintel.schemas.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.textintel.schemas.TextRecord;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/**
 * Property-based checks that no input makes a codec, the normalizer or the validator throw anything
 * but their documented rejection ({@link RecordDecodeException}, {@link RecordValidationException}).
 * Tries are bounded so the suite stays fast in CI; jqwik prints the seed of any failure to replay it.
 */
class CodecPropertiesTest {

    private static final TextRecordJsonCodec JSON = new TextRecordJsonCodec();
    private static final PlainTextCodec PLAIN = new PlainTextCodec();
    private static final AvroSingleObjectCodec<TextRecord> AVRO = AvroSingleObjectCodec.of(TextRecord.class);
    private static final byte[] VALID_AVRO = AVRO.encode(TestRecords.textRecord());

    @Property(tries = 500)
    void jsonDecodingOfArbitraryBytesReturnsARecordOrRejects(@ForAll @Size(max = 200) byte[] payload) {
        assertDecodesOrRejects(() -> JSON.decode(payload, "t-0-1"));
    }

    @Property(tries = 500)
    void jsonDecodingOfJsonLikeTextReturnsARecordOrRejects(@ForAll("jsonLike") String json) {
        byte[] payload = json.getBytes(StandardCharsets.UTF_8);
        assertDecodesOrRejects(() -> {
            TextRecord record = JSON.decode(payload, "t-0-1");
            assertThat(record.getId()).isNotBlank();
            return record;
        });
    }

    @Property(tries = 500)
    void plainTextDecodingOfArbitraryBytesReturnsARecordOrRejects(@ForAll @Size(max = 200) byte[] payload) {
        assertDecodesOrRejects(() -> PLAIN.decode(payload, "t-0-1"));
    }

    @Property(tries = 500)
    void avroDecodingOfArbitraryBodiesAfterAValidHeaderReturnsARecordOrRejects(
            @ForAll @Size(max = 64) byte[] body) {
        byte[] payload = Arrays.copyOf(VALID_AVRO, AvroSingleObjectCodec.HEADER_LENGTH + body.length);
        System.arraycopy(body, 0, payload, AvroSingleObjectCodec.HEADER_LENGTH, body.length);
        assertDecodesOrRejects(() -> AVRO.decode(payload));
    }

    @Property(tries = 500)
    void avroDecodingOfAValidRecordWithCorruptedBytesReturnsARecordOrRejects(
            @ForAll("positions") List<Integer> positions, @ForAll byte value) {
        byte[] payload = VALID_AVRO.clone();
        for (int position : positions) {
            payload[AvroSingleObjectCodec.HEADER_LENGTH + position % (payload.length - AvroSingleObjectCodec.HEADER_LENGTH)] = value;
        }
        assertDecodesOrRejects(() -> AVRO.decode(payload));
    }

    @Property(tries = 1000)
    void normalizedRecordsEitherValidateOrAreRejectedAsInvalid(
            @ForAll("anyText") String id, @ForAll("anyText") String text, @ForAll("anyText") String attribute) {
        TextRecord record = TextRecord.newBuilder().setId(id).setText(text)
                .setAttributes(Map.of("k", attribute)).build();
        TextRecordNormalizer.defaults().normalize(record);
        for (char c : record.getText().toCharArray()) {
            assertThat(Character.isISOControl(c) && !TextRecordValidator.isWhitespaceControl(c))
                    .as("control U+%04X left in text", (int) c).isFalse();
        }
        try {
            TextRecordValidator.defaults().validate(record);
        } catch (RecordValidationException expected) {
            assertThat(expected.getMessage()).startsWith("field '");
        }
    }

    /** Strings over the whole UTF-16 range: controls, lone surrogates, format characters, emoji. */
    @Provide
    Arbitrary<String> anyText() {
        return Arbitraries.oneOf(
                Arbitraries.strings().all().ofMaxLength(40),
                Arbitraries.strings().withChars("\u0000\u0007\u001b\u009b\t\n\r \u200b\u200d\ufeff\ud83d\ude1ea\u00e9")
                        .ofMaxLength(20));
    }

    @Provide
    Arbitrary<List<Integer>> positions() {
        return Arbitraries.integers().between(0, 10_000).list().ofMinSize(1).ofMaxSize(4);
    }

    /** JSON objects, arrays and scalars built from the codec's field names, with some noise. */
    @Provide
    Arbitrary<String> jsonLike() {
        Arbitrary<String> scalar = Arbitraries.oneOf(
                Arbitraries.strings().all().ofMaxLength(12).map(CodecPropertiesTest::quote),
                Arbitraries.integers().map(String::valueOf),
                Arbitraries.of("1.5", "-0", "1e400", "99999999999999999999", "true", "false", "null", "{}", "[]",
                        "{\"x\":{\"y\":[1,{}]}}", "\"2024-06-10T06:13:20Z\"", "\"\\ud83d\"", "\"\\u0000\""));
        Arbitrary<String> field = Arbitraries.of("id", "text", "source", "language", "eventTime", "event_time",
                "attributes", "unexpected", "stars");
        Arbitrary<String> member = Arbitraries.oneOf(
                Arbitraries.entries(field, scalar).map(e -> quote(e.getKey()) + ":" + e.getValue()),
                field.map(f -> quote(f) + ":{\"plan\":" + "\"pro\"" + "}"));
        Arbitrary<String> object = member.list().ofMaxSize(6).map(m -> "{" + String.join(",", m) + "}");
        return Arbitraries.oneOf(object, object.map(o -> o.substring(0, o.length() / 2)), scalar,
                object.map(o -> "[" + o + "]"), object.map(o -> "\ufeff" + o));
    }

    private static String quote(String s) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\' || c < 0x20 || Character.isSurrogate(c)) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }

    private interface Decoding {
        TextRecord decode() throws RecordDecodeException;
    }

    private static void assertDecodesOrRejects(Decoding decoding) {
        try {
            TextRecord record = decoding.decode();
            assertThat(record.getText()).isNotNull();
        } catch (RecordDecodeException expected) {
            assertThat(expected.getMessage()).isNotBlank();
        }
    }
}
