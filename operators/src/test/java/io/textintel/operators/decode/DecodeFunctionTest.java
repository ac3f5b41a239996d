package io.textintel.operators.decode;

import static org.assertj.core.api.Assertions.assertThat;

import io.textintel.operators.DeadLetters;
import io.textintel.operators.DecodedRecord;
import io.textintel.schemas.DeadLetter;
import io.textintel.schemas.KafkaProvenance;
import io.textintel.schemas.PipelineStage;
import io.textintel.schemas.RawRecord;
import io.textintel.schemas.TextRecord;
import io.textintel.schemas.codec.AvroSingleObjectCodec;
import io.textintel.schemas.codec.InputFormat;
import io.textintel.schemas.codec.TextRecordValidator;

import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;

class DecodeFunctionTest {

    private static final Instant KAFKA_TIME = Instant.parse("2026-11-02T08:00:00Z");

    private static RawRecord raw(byte[] value, long offset) {
        return RawRecord.newBuilder()
                .setKey(null)
                .setValue(value == null ? null : ByteBuffer.wrap(value))
                .setProvenance(new KafkaProvenance("feedback", 3, offset, KAFKA_TIME))
                .build();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static OneInputStreamOperatorTestHarness<RawRecord, DecodedRecord> harness(InputFormat format)
            throws Exception {
        return ProcessFunctionTestHarnesses.forProcessFunction(
                new DecodeFunction(format, TextRecordValidator.builder().maxTextCodePoints(50).build()));
    }

    private static List<DeadLetter> deadLetters(OneInputStreamOperatorTestHarness<RawRecord, DecodedRecord> h) {
        ConcurrentLinkedQueue<StreamRecord<DeadLetter>> side = h.getSideOutput(DeadLetters.TAG);
        return side == null ? List.of() : side.stream().map(StreamRecord::getValue).toList();
    }

    @Test
    void decodesJsonKeepsProvenanceAndFillsMissingEventTimeFromKafka() throws Exception {
        try (var h = harness(InputFormat.JSON)) {
            h.processElement(raw(utf8("{\"id\":\"fb-1\",\"text\":\"the app crashes\",\"source\":\"ios-app\"}"), 10), 0);

            List<DecodedRecord> out = h.extractOutputValues();
            assertThat(out).hasSize(1);
            assertThat(out.get(0).record.getId()).isEqualTo("fb-1");
            assertThat(out.get(0).record.getText()).isEqualTo("the app crashes");
            assertThat(out.get(0).record.getEventTime()).isEqualTo(KAFKA_TIME);
            assertThat(out.get(0).provenance.getOffset()).isEqualTo(10L);
            assertThat(deadLetters(h)).isEmpty();
        }
    }

    @Test
    void decodesAvroSingleObjectRecords() throws Exception {
        TextRecord record = TextRecord.newBuilder().setId("a-1").setText("refund please")
                .setEventTime(Instant.parse("2026-10-01T00:00:00Z")).setAttributes(Map.of("plan", "plus")).build();
        byte[] bytes = AvroSingleObjectCodec.of(TextRecord.class).encode(record);
        try (var h = harness(InputFormat.AVRO)) {
            h.processElement(raw(bytes, 1), 0);

            assertThat(h.extractOutputValues()).extracting(d -> d.record).containsExactly(record);
        }
    }

    @Test
    void plainTextTakesItsIdFromTheKafkaPositionSoReplaysOverwrite() throws Exception {
        try (var h = harness(InputFormat.TEXT)) {
            h.processElement(raw(utf8("delivery was late again"), 42), 0);

            assertThat(h.extractOutputValues().get(0).record.getId()).isEqualTo("feedback-3-42");
        }
    }

    @Test
    void malformedInputBecomesADeadLetterWithTheOriginalBytesAndTheReason() throws Exception {
        byte[] notJson = utf8("this is not json");
        try (var h = harness(InputFormat.JSON)) {
            h.processElement(raw(notJson, 7), 0);
            h.processElement(raw(utf8("{\"id\":\"fb-2\"}"), 8), 0);
            h.processElement(raw(null, 9), 0);
            h.processElement(raw(utf8("{\"id\":\"fb-3\",\"text\":\"ok\"}"), 10), 0);

            assertThat(h.extractOutputValues()).extracting(d -> d.record.getId()).containsExactly("fb-3");
            List<DeadLetter> letters = deadLetters(h);
            assertThat(letters).hasSize(3);
            assertThat(letters).allSatisfy(l -> assertThat(l.getStage()).isEqualTo(PipelineStage.DECODE));
            assertThat(letters).allSatisfy(l -> assertThat(l.getReasonCode()).isEqualTo("undecodable"));
            assertThat(letters.get(0).getOriginalBytes()).isEqualTo(ByteBuffer.wrap(notJson));
            assertThat(letters.get(0).getProvenance().getOffset()).isEqualTo(7L);
            assertThat(letters.get(1).getReason()).contains("text");
            assertThat(letters).allSatisfy(l -> assertThat(l.getReason()).isNotBlank());
        }
    }

    @Test
    void recordsBreakingALimitAreDeadLetteredAtValidateWithTheirId() throws Exception {
        String longText = "x".repeat(51);
        try (var h = harness(InputFormat.JSON)) {
            h.processElement(raw(utf8("{\"id\":\"fb-9\",\"text\":\"" + longText + "\"}"), 1), 0);

            assertThat(h.extractOutputValues()).isEmpty();
            DeadLetter letter = deadLetters(h).get(0);
            assertThat(letter.getStage()).isEqualTo(PipelineStage.VALIDATE);
            assertThat(letter.getReasonCode()).isEqualTo("invalid");
            assertThat(letter.getRecordId()).isEqualTo("fb-9");
            assertThat(letter.getReason()).contains("50");
        }
    }

    @Test
    void controlCharactersAreStrippedAndJsonWithoutIdTakesItsKafkaPosition() throws Exception {
        try (var h = harness(InputFormat.JSON)) {
            h.processElement(raw(utf8("{\"text\":\"nul\\u0000 and bell\\u0007\",\"unexpected\":{\"x\":1}}"), 5), 0);

            TextRecord record = h.extractOutputValues().get(0).record;
            assertThat(record.getId()).isEqualTo("feedback-3-5");
            assertThat(record.getText()).isEqualTo("nul and bell");
            assertThat(record.getAttributes()).containsEntry("unexpected", "{\"x\":1}");
            assertThat(record.getNormalizations()).containsExactly("derived-id:topic-partition-offset",
                    "json-text-attribute:unexpected", "removed-control-characters:text:2");
            assertThat(deadLetters(h)).isEmpty();
        }
    }

    @Test
    void decodeDeadLettersNameTheIdWhenItWasReadable() throws Exception {
        try (var h = harness(InputFormat.JSON)) {
            h.processElement(raw(utf8("{\"id\":\"fb-5\",\"text\":42}"), 1), 0);
            h.processElement(raw(utf8("{\"id\":\"fb-6\",\"text\":\"cut"), 2), 0);
            h.processElement(raw(utf8("{\"id\":\"fb-7\",\"text\":\"\\u200b\\u200b\"}"), 3), 0);

            assertThat(deadLetters(h)).extracting(DeadLetter::getStage, DeadLetter::getRecordId).containsExactly(
                    org.assertj.core.groups.Tuple.tuple(PipelineStage.DECODE, "fb-5"),
                    org.assertj.core.groups.Tuple.tuple(PipelineStage.DECODE, "fb-6"),
                    org.assertj.core.groups.Tuple.tuple(PipelineStage.VALIDATE, "fb-7"));
            assertThat(deadLetters(h).get(2).getReason()).contains("no visible characters");
        }
    }

    @Test
    void theFunctionIsAProcessOperatorThatFlinkCanSerialize() throws Exception {
        // The job ships the function to TaskManagers: it must survive Java serialization.
        var copy = org.apache.flink.util.InstantiationUtil.clone(
                new DecodeFunction(InputFormat.JSON, TextRecordValidator.defaults()));
        try (var h = new OneInputStreamOperatorTestHarness<>(new ProcessOperator<>(copy))) {
            h.open();
            h.processElement(raw(utf8("{\"id\":\"x\",\"text\":\"fine\"}"), 1), 0);
            assertThat(h.extractOutputValues()).hasSize(1);
        }
    }
}
