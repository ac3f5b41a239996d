package io.textintel.schemas.codec;

import io.textintel.schemas.DeadLetter;
import io.textintel.schemas.DeadLetterReason;
import io.textintel.schemas.DriftReport;
import io.textintel.schemas.EnrichedDocument;
import io.textintel.schemas.KafkaProvenance;
import io.textintel.schemas.ModelRef;
import io.textintel.schemas.PipelineStage;
import io.textintel.schemas.RawRecord;
import io.textintel.schemas.SummaryInfo;
import io.textintel.schemas.TextRecord;
import io.textintel.schemas.TopicTag;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Fully populated sample records of every generated class, for codec tests. */
final class TestRecords {

    static final Instant TIME = Instant.parse("2024-06-10T06:13:20.123Z");

    private TestRecords() {}

    static KafkaProvenance provenance() {
        return KafkaProvenance.newBuilder()
                .setTopic("raw-text")
                .setPartition(3)
                .setOffset(123_456_789_012L)
                .setTimestamp(TIME)
                .build();
    }

    static TextRecord textRecord() {
        return TextRecord.newBuilder()
                .setId("fb-42")
                .setText("The app crashes when I log in. 😞")
                .setSource("android")
                .setLanguage("en")
                .setEventTime(TIME)
                .setAttributes(Map.of("plan", "pro", "stars", "1"))
                .build();
    }

    static EnrichedDocument enrichedDocument() {
        return EnrichedDocument.newBuilder()
                .setId("fb-42")
                .setText("The app crashes when I log in.")
                .setSource("android")
                .setLanguage("en")
                .setEventTime(TIME)
                .setAttributes(Map.of("plan", "pro"))
                .setEmbedding(List.of(0.6f, -0.8f, 0.0f))
                .setTopics(
                        List.of(
                                TopicTag.newBuilder().setLabel("bug").setScore(0.91f).build(),
                                TopicTag.newBuilder().setLabel("login").setScore(0.42f).build()))
                .setSummary(
                        SummaryInfo.newBuilder()
                                .setText("Crash at login.")
                                .setInputTokens(12)
                                .setOutputTokens(5)
                                .setLatencyMillis(37)
                                .setDraftTokensProposed(8)
                                .setDraftTokensAccepted(6)
                                .setAcceptanceRate(0.75f)
                                .build())
                .setModels(
                        List.of(
                                ModelRef.newBuilder()
                                        .setTask("embed")
                                        .setModelId("sentence-transformers/all-MiniLM-L6-v2")
                                        .setRevision("c9745ed")
                                        .setInputTokens(12)
                                        .build()))
                .setProvenance(provenance())
                .setProcessingTime(TIME.plusSeconds(1))
                .build();
    }

    static DeadLetter deadLetter() {
        return DeadLetter.newBuilder()
                .setOriginalBytes(ByteBuffer.wrap("{\"id\":".getBytes(StandardCharsets.UTF_8)))
                .setStage(PipelineStage.DECODE)
                .setReason("payload is not valid JSON")
                .setReasonCode(DeadLetterReason.UNDECODABLE.code())
                .setRecordId(null)
                .setProvenance(provenance())
                .setTime(TIME)
                .build();
    }

    static DriftReport driftReport() {
        return DriftReport.newBuilder()
                .setWindowStart(TIME)
                .setWindowEnd(TIME.plusSeconds(60))
                .setFeature("embedding")
                .setStatistic("cosine_centroid")
                .setValue(0.12)
                .setThreshold(0.08)
                .setDrifted(true)
                .setSampleSize(5_000)
                .setReferenceVersion("ref-2024-06")
                .setReportTime(TIME.plusSeconds(61))
                .build();
    }

    static RawRecord rawRecord() {
        return RawRecord.newBuilder()
                .setKey(ByteBuffer.wrap(new byte[] {1, 2}))
                .setValue(ByteBuffer.wrap(new byte[] {(byte) 0xff, 0}))
                .setProvenance(provenance())
                .build();
    }
}
