package io.textintel.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.textintel.schemas.PipelineStage;
import io.textintel.schemas.TextRecord;
import io.textintel.schemas.codec.AvroSingleObjectCodec;
import io.textintel.serving.task.SummaryOptions;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Hostile Kafka records, each with the outcome a team that must not lose customer feedback expects:
 * indexed (with the normalizations recorded on the document) or a dead letter (with its stage, a
 * fragment of its reason and the record id it names). The order of each list is its offsets on a
 * one-partition topic, which is what a derived id {@code topic-0-offset} is made of.
 */
final class HostileCorpus {

    /** An input record and what must become of it. */
    record Case(String kind, byte[] payload, Outcome expected) {}

    sealed interface Outcome permits Indexed, DeadLettered {}

    /**
     * Indexed under {@code id} (null: the id derived from its Kafka position), with exactly these
     * normalizations, and {@code check} holding on the Elasticsearch document.
     */
    record Indexed(String id, List<String> normalizations, Consumer<Map<String, Object>> check) implements Outcome {}

    /**
     * A dead letter of {@code stage} whose reason contains {@code reasonFragment}, naming {@code recordId}
     * ({@link #DERIVED}: the id derived from its Kafka position).
     */
    record DeadLettered(PipelineStage stage, String reasonFragment, String recordId) implements Outcome {}

    /** The record id of a dead letter whose record took the id derived from its Kafka position. */
    static final String DERIVED = "<topic-partition-offset>";

    private static final Consumer<Map<String, Object>> ANY = doc -> { };

    private HostileCorpus() {}

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static Indexed indexed(String id, List<String> normalizations, Consumer<Map<String, Object>> check) {
        return new Indexed(id, normalizations, check);
    }

    private static Consumer<Map<String, Object>> text(String expected) {
        return doc -> assertThat(doc.get("text")).as("text of %s", doc.get("id")).isEqualTo(expected);
    }

    private static DeadLettered dead(PipelineStage stage, String reason, String id) {
        return new DeadLettered(stage, reason, id);
    }

    /** Words, about {@code bytes} of them, so that tokenizers see ordinary text. */
    static String longText(int bytes) {
        String[] words = {"delivery", "late", "refund", "parcel", "driver", "support", "charged", "twice"};
        StringBuilder text = new StringBuilder(bytes + 16);
        for (int i = 0; text.length() < bytes; i++) {
            text.append(words[i % words.length]).append(i % 13 == 12 ? ". " : " ");
        }
        return text.toString().strip();
    }

    /** The JSON topic's corpus. */
    static List<Case> json() {
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            String text = "valid feedback number " + i + " about a late parcel";
            cases.add(new Case("valid-" + i, utf8("{\"id\":\"v-" + i + "\",\"text\":\"" + text + "\"}"),
                    indexed("v-" + i, List.of(), text(text))));
        }
        cases.add(new Case("nul-and-control-characters",
                utf8("{\"id\":\"h-nul\",\"text\":\"The app\\u0000 crashes\\u0007 on \\u001b[1mlogin\\u009b\"}"),
                indexed("h-nul", List.of("removed-control-characters:text:4"), text("The app crashes on [1mlogin"))));
        cases.add(new Case("object-valued-unknown-field",
                utf8("{\"id\":\"h-obj\",\"text\":\"Refund please\",\"unexpected\":{\"x\":1}}"),
                indexed("h-obj", List.of("json-text-attribute:unexpected"),
                        doc -> assertThat(doc.get("attributes")).isEqualTo(Map.of("unexpected", "{\"x\":1}")))));
        cases.add(new Case("json-without-id", utf8("{\"text\":\"No id was given for this one\"}"),
                indexed(null, List.of("derived-id:topic-partition-offset"), text("No id was given for this one"))));
        cases.add(new Case("zero-width-only", utf8("{\"id\":\"h-zw\",\"text\":\"\\u200b\\u200c\\u200d\\u2060\"}"),
                dead(PipelineStage.VALIDATE, "no visible characters", "h-zw")));
        cases.add(new Case("id-collision-first", utf8("{\"id\":\"h-dup\",\"text\":\"first record with this id\"}"),
                indexed("h-dup", List.of(), doc -> assertThat(doc.get("text"))
                        .isIn("first record with this id", "second record with this id"))));
        cases.add(new Case("id-collision-second", utf8("{\"id\":\"h-dup\",\"text\":\"second record with this id\"}"),
                indexed("h-dup", List.of(), ANY)));
        cases.add(new Case("wrong-type-with-readable-id", utf8("{\"id\":\"h-type\",\"text\":42}"),
                dead(PipelineStage.DECODE, "field 'text' is a number (42)", "h-type")));
        cases.add(new Case("syntax-error-after-id", utf8("{\"id\":\"h-syntax\",\"text\":\"unterminated"),
                dead(PipelineStage.DECODE, "payload is not valid JSON", "h-syntax")));
        cases.add(new Case("deep-nesting-beyond-limit", utf8("{\"id\":\"h-deep\",\"text\":\"deep\",\"x\":"
                        + "[".repeat(5000) + "]".repeat(5000) + "}"),
                dead(PipelineStage.DECODE, "nesting depth", "h-deep")));
        String nested = "[".repeat(50) + "]".repeat(50);
        cases.add(new Case("deep-nesting-within-limit",
                utf8("{\"id\":\"h-nested\",\"text\":\"nested metadata\",\"x\":" + nested + "}"),
                indexed("h-nested", List.of("json-text-attribute:x"),
                        doc -> assertThat(doc.get("attributes")).isEqualTo(Map.of("x", nested)))));
        cases.add(new Case("multi-megabyte-undecodable", utf8("x".repeat(3 * 1024 * 1024)),
                dead(PipelineStage.DECODE, "payload is not valid JSON", null)));
        String huge = longText(3 * 1024 * 1024);
        cases.add(new Case("multi-megabyte-text", utf8("{\"id\":\"h-huge\",\"text\":\"" + huge + "\"}"),
                indexed("h-huge", List.of(), doc -> {
                    assertThat(doc.get("text")).isEqualTo(huge);
                    assertThat((List<?>) doc.get("models"))
                            .filteredOn(m -> !"summary".equals(((Map<?, ?>) m).get("task")))
                            .hasSize(2)
                            .allSatisfy(m -> assertThat(((Map<?, ?>) m).get("truncated"))
                                    .as("encoder input cut to the model's length").isEqualTo(true));
                    assertThat(((Number) doc.get("summary_input_tokens")).intValue())
                            .isGreaterThan(SummaryOptions.DEFAULT_MAX_INPUT_TOKENS);
                    assertThat(((Number) doc.get("summary_summarized_tokens")).intValue())
                            .isLessThanOrEqualTo(SummaryOptions.DEFAULT_MAX_INPUT_TOKENS)
                            .isGreaterThan(SummaryOptions.DEFAULT_MAX_INPUT_TOKENS / 2);
                })));
        byte[] bom = utf8("\ufeff{\"id\":\"h-bom\",\"text\":\"Payload starts with a byte order mark\"}");
        cases.add(new Case("payload-byte-order-mark", bom,
                indexed("h-bom", List.of(), text("Payload starts with a byte order mark"))));
        cases.add(new Case("text-byte-order-mark", utf8("{\"id\":\"h-bom2\",\"text\":\"\\ufeffText starts with one\"}"),
                indexed("h-bom2", List.of("removed-byte-order-mark:text"), text("Text starts with one"))));
        String mixed = "Доставка late 配達が遅い تأخير التوصيل देरी 🚚";
        cases.add(new Case("mixed-scripts", utf8("{\"id\":\"h-mixed\",\"text\":\"" + mixed + "\"}"),
                indexed("h-mixed", List.of(), text(mixed))));
        cases.add(new Case("emoji-only", utf8("{\"id\":\"h-emoji\",\"text\":\"😡😡😡👎\"}"),
                indexed("h-emoji", List.of(), text("😡😡😡👎"))));
        byte[] latin1 = "{\"id\":\"h-latin1\",\"text\":\"caf\u00e9 au lait\"}".getBytes(StandardCharsets.ISO_8859_1);
        cases.add(new Case("invalid-utf8", latin1, dead(PipelineStage.DECODE, "not valid UTF-8", "h-latin1")));
        cases.add(new Case("empty-payload", new byte[0], dead(PipelineStage.DECODE, "payload is empty", null)));
        cases.add(new Case("tombstone", null, dead(PipelineStage.DECODE, "payload is null", null)));
        cases.add(new Case("top-level-array", utf8("[{\"id\":\"h-arr\",\"text\":\"in an array\"}]"),
                dead(PipelineStage.DECODE, "payload is an array, expected a JSON object", null)));
        cases.add(new Case("top-level-number", utf8("42"),
                dead(PipelineStage.DECODE, "payload is a number, expected a JSON object", null)));
        cases.add(new Case("blank-text", utf8("{\"id\":\"h-blank\",\"text\":\"  \\t \"}"),
                dead(PipelineStage.DECODE, "field 'text' is blank", "h-blank")));
        cases.add(new Case("unpaired-surrogate-escape", utf8("{\"id\":\"h-sur\",\"text\":\"half an emoji \\ud83d here\"}"),
                indexed("h-sur", List.of("replaced-unpaired-surrogates:text:1"), text("half an emoji \ufffd here"))));
        String longId = "i".repeat(600);
        cases.add(new Case("id-over-512-bytes", utf8("{\"id\":\"" + longId + "\",\"text\":\"fine text\"}"),
                dead(PipelineStage.VALIDATE, "record id of 600 characters not kept", null)));
        cases.add(new Case("control-character-in-id", utf8("{\"id\":\"h\\u0001id\",\"text\":\"fine text\"}"),
                dead(PipelineStage.VALIDATE, "field 'id' has control character U+0001", "h\u0001id")));
        cases.add(new Case("malformed-language-tag", utf8("{\"id\":\"h-lang\",\"text\":\"fine\",\"language\":\"en_US!\"}"),
                dead(PipelineStage.VALIDATE, "well-formed BCP-47", "h-lang")));
        return cases;
    }

    /** The Avro topic's corpus. */
    static List<Case> avro() {
        AvroSingleObjectCodec<TextRecord> codec = AvroSingleObjectCodec.of(TextRecord.class);
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            String text = "valid avro feedback " + i;
            cases.add(new Case("avro-valid-" + i,
                    codec.encode(TextRecord.newBuilder().setId("av-" + i).setText(text).build()),
                    indexed("av-" + i, List.of(), text(text))));
        }
        byte[] header = Arrays.copyOf(codec.encode(TextRecord.newBuilder().setId("x").setText("y").build()), 10);
        byte[] hugePrefix = Arrays.copyOf(header, 15);
        System.arraycopy(new byte[] {(byte) 0xFE, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x07}, 0, hugePrefix, 10, 5);
        cases.add(new Case("avro-huge-length-prefix", hugePrefix,
                dead(PipelineStage.DECODE, "declares a string of 1073741823 bytes where 0 are left", null)));
        byte[] corrupt = codec.encode(TextRecord.newBuilder().setId("av-corrupt").setText("t").build());
        corrupt[10 + 1 + "av-corrupt".length() + 2] = 0x08; // the source union's branch index becomes 4
        cases.add(new Case("avro-corrupt-union", corrupt,
                dead(PipelineStage.DECODE, "field TextRecord.source has union branch 4", "av-corrupt")));
        byte[] badUtf8 = codec.encode(TextRecord.newBuilder().setId("av-utf8").setText("caf\u00e9").build());
        // After the text: three null unions, an empty map and an empty array, one byte each.
        badUtf8[badUtf8.length - 6] = (byte) 0x28; // the second byte of é becomes '(': C3 28 is malformed
        cases.add(new Case("avro-invalid-utf8", badUtf8, dead(PipelineStage.DECODE, "is not valid UTF-8", "av-utf8")));
        cases.add(new Case("json-on-avro-topic", utf8("{\"id\":\"j\",\"text\":\"t\"}"),
                dead(PipelineStage.DECODE, "bad magic", null)));
        cases.add(new Case("avro-truncated", Arrays.copyOf(codec.encode(TextRecord.newBuilder().setId("av-cut")
                        .setText("cut short").build()), 20),
                dead(PipelineStage.DECODE, "is truncated", "av-cut")));
        cases.add(new Case("avro-control-characters",
                codec.encode(TextRecord.newBuilder().setId("av-nul").setText("nul\u0000 inside").build()),
                indexed("av-nul", List.of("removed-control-characters:text:1"), text("nul inside"))));
        return cases;
    }

    /** The plain-text topic's corpus; every id is derived from the Kafka position. */
    static List<Case> text() {
        List<Case> cases = new ArrayList<>();
        cases.add(new Case("text-valid", utf8("plain line of feedback\n"), indexed(null, List.of(),
                text("plain line of feedback"))));
        cases.add(new Case("text-byte-order-mark", utf8("\ufeffline with a byte order mark"), indexed(null, List.of(),
                text("line with a byte order mark"))));
        cases.add(new Case("text-nul", utf8("nul\u0000 in plain text"),
                indexed(null, List.of("removed-control-characters:text:1"), text("nul in plain text"))));
        cases.add(new Case("text-zero-width-only", utf8("\u200b\u200b"),
                dead(PipelineStage.VALIDATE, "no visible characters", DERIVED)));
        cases.add(new Case("text-invalid-utf8", new byte[] {'o', 'k', (byte) 0xff},
                dead(PipelineStage.DECODE, "not valid UTF-8", DERIVED)));
        cases.add(new Case("text-blank-line", utf8(" \t\r\n"), dead(PipelineStage.DECODE, "payload is blank", DERIVED)));
        return cases;
    }
}
