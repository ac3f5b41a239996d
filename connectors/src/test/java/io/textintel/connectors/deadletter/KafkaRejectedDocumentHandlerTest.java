package io.textintel.connectors.deadletter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.textintel.connectors.elasticsearch.RejectedDocument;
import io.textintel.schemas.DeadLetter;
import io.textintel.schemas.PipelineStage;
import io.textintel.schemas.codec.AvroSingleObjectCodec;
import io.textintel.schemas.codec.DeadLetterBound;

import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Properties;

class KafkaRejectedDocumentHandlerTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-01T10:00:00Z"), ZoneOffset.UTC);

    private static RejectedDocument rejected() {
        return new RejectedDocument("textintel-documents", "fb-7", "{\"embedding\":[1,2]}".getBytes(StandardCharsets.UTF_8),
                400, "mapper_parsing_exception", "failed to parse field [embedding]");
    }

    @Test
    void publishesTheRejectionAsADeadLetterOfStageSink() throws Exception {
        MockProducer<byte[], byte[]> producer =
                new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
        try (KafkaRejectedDocumentHandler handler =
                new KafkaRejectedDocumentHandler("dlq", new Properties(), p -> producer, CLOCK, DeadLetterBound.defaults())) {
            handler.open(null);
            handler.accept(rejected());
            handler.flush();
        }

        assertThat(producer.history()).hasSize(1);
        ProducerRecord<byte[], byte[]> sent = producer.history().get(0);
        assertThat(sent.topic()).isEqualTo("dlq");
        assertThat(new String(sent.key(), StandardCharsets.UTF_8)).isEqualTo("fb-7");
        DeadLetter letter = AvroSingleObjectCodec.of(DeadLetter.class).decode(sent.value());
        assertThat(letter.getStage()).isEqualTo(PipelineStage.SINK);
        assertThat(letter.getReasonCode()).isEqualTo("document_rejected");
        assertThat(letter.getRecordId()).isEqualTo("fb-7");
        assertThat(letter.getReason()).isEqualTo("document fb-7 rejected by index textintel-documents with status 400: "
                + "mapper_parsing_exception: failed to parse field [embedding]");
        assertThat(StandardCharsets.UTF_8.decode(letter.getOriginalBytes()).toString()).isEqualTo("{\"embedding\":[1,2]}");
        assertThat(letter.getTime()).isEqualTo(CLOCK.instant());
        assertThat(producer.closed()).isTrue();
    }

    @Test
    void aRejectedDocumentLargerThanTheBoundKeepsItsPrefixLengthAndHash() throws Exception {
        MockProducer<byte[], byte[]> producer =
                new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
        byte[] huge = ("{\"text\":\"" + "x".repeat(2_000_000) + "\"}").getBytes(StandardCharsets.UTF_8);
        try (KafkaRejectedDocumentHandler handler =
                new KafkaRejectedDocumentHandler("dlq", new Properties(), p -> producer, CLOCK, new DeadLetterBound(1024))) {
            handler.open(null);
            handler.accept(new RejectedDocument("docs", "big", huge, 400, "document_parsing_exception", "too big"));
            handler.flush();
        }

        byte[] value = producer.history().get(0).value();
        assertThat(value.length).isLessThanOrEqualTo(new DeadLetterBound(1024).maxEncodedBytes());
        DeadLetter letter = AvroSingleObjectCodec.of(DeadLetter.class).decode(value);
        assertThat(letter.getReasonCode()).isEqualTo("document_rejected");
        assertThat(letter.getOriginalBytes().remaining()).isEqualTo(1024);
        assertThat(letter.getOriginalLength()).isEqualTo(huge.length);
        assertThat(letter.getOriginalSha256()).isEqualTo(DeadLetterBound.sha256(java.nio.ByteBuffer.wrap(huge)));
    }

    @Test
    void aFailedSendFailsTheNextFlushSoTheCheckpointDoesNotComplete() throws Exception {
        MockProducer<byte[], byte[]> producer =
                new MockProducer<>(false, null, new ByteArraySerializer(), new ByteArraySerializer());
        KafkaRejectedDocumentHandler handler =
                new KafkaRejectedDocumentHandler("dlq", new Properties(), p -> producer, CLOCK, DeadLetterBound.defaults());
        handler.open(null);
        handler.accept(rejected());
        producer.errorNext(new org.apache.kafka.common.errors.TimeoutException("broker unreachable"));

        assertThatThrownBy(handler::flush)
                .hasMessageContaining("dead-letter topic dlq")
                .hasMessageContaining("broker unreachable");
        handler.close();
    }
}
