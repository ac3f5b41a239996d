package io.textintel.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.textintel.it.support.TestPipeline;
import io.textintel.it.support.TestServices;
import io.textintel.jobs.AvroTopic;
import io.textintel.jobs.config.PipelineConfig;
import io.textintel.connectors.elasticsearch.DeadLetterSerializer;
import io.textintel.schemas.DeadLetter;
import io.textintel.schemas.DeadLetterReason;
import io.textintel.schemas.PipelineStage;
import io.textintel.schemas.TextRecord;
import io.textintel.schemas.codec.AvroSingleObjectCodec;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch.core.SearchResponse;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The whole pipeline against a real Kafka broker, a real Elasticsearch node and a Flink MiniCluster:
 * JSON and Avro records in, exactly the valid ones enriched in Elasticsearch, the malformed ones on
 * the dead-letter topic with their reasons.
 */
class PipelineEndToEndITCase {

    private static final Logger LOG = LoggerFactory.getLogger(PipelineEndToEndITCase.class);
    private static final int N = 30;
    private static final String[] WORDS = {"delivery", "late", "refund", "crash", "login", "price", "great",
        "parcel", "driver", "support", "charged", "twice", "app", "slow", "package", "damaged", "thanks"};

    @BeforeAll
    static void services() {
        LOG.info("End-to-end tests run on {}", TestServices.path());
    }

    /** A distinct, sentence-like text for record {@code i}. */
    private static String text(String prefix, int i) {
        StringBuilder text = new StringBuilder(prefix);
        for (int w = 0; w < 4 + i % 5; w++) {
            text.append(' ').append(WORDS[(i * 7 + w * 3) % WORDS.length]);
        }
        return text.append(" number ").append(i).toString();
    }

    @Test
    void validJsonAndAvroRecordsAreEnrichedAndIndexedOnceAndMalformedOnesAreDeadLettered() throws Exception {
        String suffix = TestPipeline.uniqueSuffix();
        String jsonTopic = "json-" + suffix;
        String avroTopic = "avro-" + suffix;
        String deadLetters = "dlq-" + suffix;
        String index = "docs-" + suffix;
        TestServices.createTopics(2, jsonTopic, avroTopic, deadLetters);

        List<byte[]> json = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            json.add(("{\"id\":\"j-" + i + "\",\"text\":\"" + text("json", i) + "\",\"source\":\"web\",\"language\":\"en\"}")
                    .getBytes(StandardCharsets.UTF_8));
        }
        List<String> badJson = List.of("not json at all", "{\"id\":\"j-bad-1\"}", "[1,2,3]",
                "{\"id\":\"j-bad-2\",\"text\":\"   \"}");
        badJson.forEach(b -> json.add(b.getBytes(StandardCharsets.UTF_8)));
        TestPipeline.produce(jsonTopic, json);

        AvroSingleObjectCodec<TextRecord> avroCodec = AvroSingleObjectCodec.of(TextRecord.class);
        List<byte[]> avro = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            avro.add(avroCodec.encode(TextRecord.newBuilder().setId("a-" + i).setText(text("avro", i))
                    .setEventTime(Instant.parse("2026-11-01T00:00:00Z").plusSeconds(i))
                    .setAttributes(Map.of("channel", "email")).build()));
        }
        avro.add("{\"id\":\"json-on-avro-topic\",\"text\":\"hello\"}".getBytes(StandardCharsets.UTF_8));
        avro.add(new byte[] {(byte) 0xC3, 0x01, 1, 2, 3});
        TestPipeline.produce(avroTopic, avro);

        String deadLetterIndex = "dead-letters-" + suffix;
        TestPipeline.runToEnd(TestPipeline.config(jsonTopic, "json", deadLetters, index,
                "elasticsearch.dead-letter-index=" + deadLetterIndex));
        TestPipeline.runToEnd(TestPipeline.config(avroTopic, "avro", deadLetters, index,
                "elasticsearch.dead-letter-index=" + deadLetterIndex));

        Map<String, Map<String, Object>> docs = TestPipeline.documents(index);
        Set<String> expectedIds = new HashSet<>();
        IntStream.range(0, N).forEach(i -> {
            expectedIds.add("j-" + i);
            expectedIds.add("a-" + i);
        });
        assertThat(docs.keySet()).containsExactlyInAnyOrderElementsOf(expectedIds);
        assertThat(docs.values()).allSatisfy(doc -> {
            assertThat((List<?>) doc.get("embedding")).hasSize(TestPipeline.HIDDEN);
            assertThat((List<?>) doc.get("topics")).hasSize(3);
            assertThat((List<?>) doc.get("topic_labels")).allSatisfy(l -> assertThat(TestPipeline.LABELS).contains((String) l));
            assertThat((List<?>) doc.get("models")).hasSize(2);
        });
        assertThat(docs.get("j-3").get("text")).isEqualTo(text("json", 3));
        assertThat(docs.get("a-3").get("attributes")).isEqualTo(Map.of("channel", "email"));

        List<DeadLetter> letters = AvroTopic.deadLetters(
                TestServices.kafkaBootstrapServers(), deadLetters, Map.of(), Duration.ofSeconds(30));
        assertThat(letters).hasSize(badJson.size() + 2);
        assertThat(letters).allSatisfy(l -> {
            assertThat(l.getStage()).isIn(PipelineStage.DECODE, PipelineStage.VALIDATE);
            assertThat(DeadLetterReason.ofCode(l.getReasonCode()).stage()).isEqualTo(l.getStage());
            assertThat(l.getReason()).isNotBlank();
            assertThat(l.getProvenance()).isNotNull();
        });
        Set<String> reasons = letters.stream().map(DeadLetter::getReason).collect(Collectors.toSet());
        assertThat(reasons).anySatisfy(r -> assertThat(r).contains("not valid JSON"));
        assertThat(reasons).anySatisfy(r -> assertThat(r).contains("'text' is missing"));
        assertThat(reasons).anySatisfy(r -> assertThat(r).contains("magic"));
        Set<String> originals = letters.stream()
                .map(l -> StandardCharsets.UTF_8.decode(l.getOriginalBytes()).toString()).collect(Collectors.toSet());
        assertThat(originals).contains("not json at all", "[1,2,3]");

        // The same dead letters, once each, in the dead-letters index for Kibana.
        Map<String, Map<String, Object>> indexed = TestPipeline.documents(deadLetterIndex);
        assertThat(indexed).hasSize(letters.size());
        for (DeadLetter letter : letters) {
            Map<String, Object> document = indexed.get(DeadLetterSerializer.idOf(letter));
            assertThat(document).as("indexed dead letter %s", DeadLetterSerializer.idOf(letter)).isNotNull();
            assertThat(document.get("stage")).isEqualTo(letter.getStage().name().toLowerCase(java.util.Locale.ROOT));
            assertThat(document.get("reason")).isEqualTo(letter.getReason());
            assertThat(document.get("reason_code")).isEqualTo(letter.getReasonCode());
            assertThat(document.get("source_topic")).isEqualTo(letter.getProvenance().getTopic());
            assertThat(((Number) document.get("source_offset")).longValue())
                    .isEqualTo(letter.getProvenance().getOffset());
        }
        LOG.info("{} dead letters on the topic, {} in index {}", letters.size(), indexed.size(), deadLetterIndex);
    }

    @Test
    void aKnnQueryFindsTheDocumentWithTheSameTextFirst() throws Exception {
        String suffix = TestPipeline.uniqueSuffix();
        String topic = "knn-" + suffix;
        String index = "knn-docs-" + suffix;
        TestServices.createTopics(1, topic, "dlq-" + suffix);
        List<byte[]> records = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            records.add(("{\"id\":\"k-" + i + "\",\"text\":\"" + text("knn", i) + "\"}").getBytes(StandardCharsets.UTF_8));
        }
        TestPipeline.produce(topic, records);
        TestPipeline.runToEnd(TestPipeline.config(topic, "json", "dlq-" + suffix, index));

        List<Float> query = new ArrayList<>();
        for (float v : TestPipeline.embed(text("knn", 17))) {
            query.add(v);
        }
        try (ElasticsearchClient es = TestPipeline.elasticsearch()) {
            es.indices().refresh(r -> r.index(index));
            @SuppressWarnings("rawtypes")
            SearchResponse<Map> result = es.search(s -> s.index(index)
                    .knn(k -> k.field("embedding").queryVector(query).k(3).numCandidates(N)), Map.class);
            assertThat(result.hits().hits()).isNotEmpty();
            assertThat(result.hits().hits().get(0).id()).isEqualTo("k-17");
            // Cosine similarity 1 maps to score (1 + 1) / 2 = 1; the engine here and in the job agree to float rounding.
            assertThat(result.hits().hits().get(0).score()).isCloseTo(1.0, within(1e-4));
        }
    }

    @Test
    void replayingTheSameInputOverwritesInsteadOfDuplicating() throws Exception {
        String suffix = TestPipeline.uniqueSuffix();
        String topic = "replay-" + suffix;
        String index = "replay-docs-" + suffix;
        TestServices.createTopics(2, topic, "dlq-" + suffix);
        List<byte[]> records = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            records.add(("{\"id\":\"r-" + i + "\",\"text\":\"" + text("replay", i) + "\"}").getBytes(StandardCharsets.UTF_8));
        }
        TestPipeline.produce(topic, records);

        PipelineConfig first = TestPipeline.config(topic, "json", "dlq-" + suffix, index);
        TestPipeline.runToEnd(first);
        Map<String, Map<String, Object>> before = TestPipeline.documents(index);
        // A second job with a fresh consumer group reads everything again, as a restore from an old checkpoint would.
        TestPipeline.runToEnd(TestPipeline.config(topic, "json", "dlq-" + suffix, index));
        Map<String, Map<String, Object>> after = TestPipeline.documents(index);

        assertThat(after).hasSize(N);
        assertThat(after.keySet()).isEqualTo(before.keySet());
        for (String id : before.keySet()) {
            Map<String, Object> a = new java.util.HashMap<>(before.get(id));
            Map<String, Object> b = new java.util.HashMap<>(after.get(id));
            a.remove("processing_time");
            b.remove("processing_time");
            assertThat(b).as("document %s after replay", id).isEqualTo(a);
        }
    }

    @Test
    void documentsTheClusterRejectsBecomeDeadLettersOfStageSinkAndTheOthersAreIndexed() throws Exception {
        String suffix = TestPipeline.uniqueSuffix();
        String topic = "reject-" + suffix;
        String deadLetters = "dlq-" + suffix;
        String index = "reject-docs-" + suffix;
        TestServices.createTopics(1, topic, deadLetters);
        PipelineConfig config = TestPipeline.config(topic, "json", deadLetters, index);
        io.textintel.jobs.PipelineSetup.prepare(config);
        // An index whose 'language' field is numeric: every document that names a language is refused.
        try (ElasticsearchClient es = TestPipeline.elasticsearch()) {
            es.indices().create(c -> c.index(index).mappings(m -> m.properties("language", p -> p.long_(l -> l))));
        }
        List<byte[]> records = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            String language = i % 2 == 0 ? ",\"language\":\"en\"" : "";
            records.add(("{\"id\":\"x-" + i + "\",\"text\":\"" + text("reject", i) + "\"" + language + "}")
                    .getBytes(StandardCharsets.UTF_8));
        }
        TestPipeline.produce(topic, records);

        TestPipeline.runToEnd(config);

        assertThat(TestPipeline.documents(index).keySet()).containsExactlyInAnyOrder("x-1", "x-3", "x-5");
        List<DeadLetter> letters = AvroTopic.deadLetters(
                TestServices.kafkaBootstrapServers(), deadLetters, Map.of(), Duration.ofSeconds(30));
        assertThat(letters).extracting(DeadLetter::getRecordId).containsExactlyInAnyOrder("x-0", "x-2", "x-4");
        assertThat(letters).allSatisfy(l -> {
            assertThat(l.getStage()).isEqualTo(PipelineStage.SINK);
            assertThat(l.getReasonCode()).isEqualTo(DeadLetterReason.DOCUMENT_REJECTED.code());
            assertThat(l.getReason()).contains("rejected by index " + index).contains("language");
            assertThat(StandardCharsets.UTF_8.decode(l.getOriginalBytes()).toString()).contains("\"language\":\"en\"");
        });
    }
}
