package io.textintel.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.textintel.it.support.TestPipeline;
import io.textintel.it.support.TestServices;
import io.textintel.jobs.AvroTopic;
import io.textintel.jobs.config.PipelineConfig;
import io.textintel.schemas.DriftReport;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.search.Hit;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Drift monitoring end to end: feedback through Kafka, Flink and Elasticsearch, a reference taken
 * from the first hours of the stream, and mid-stream a producer that starts sending mangled German
 * text. The drift index must show drift in every window after the shift and in none before; the
 * same reports arrive on the drift topic, and the reference profile is indexed.
 */
class DriftEndToEndITCase {

    private static final Logger LOG = LoggerFactory.getLogger(DriftEndToEndITCase.class);
    private static final Instant START = Instant.parse("2026-11-02T00:00:00Z");
    private static final Duration SPACING = Duration.ofMinutes(2);
    private static final int REFERENCE = 150; // five hours
    private static final int NORMAL = 90; // three more hours like the reference
    private static final int SHIFTED = 90; // three hours of mangled German text
    private static final String[] WORDS = {"delivery", "late", "refund", "crash", "login", "price", "great",
        "parcel", "driver", "support", "charged", "twice", "app", "slow", "package", "damaged", "thanks"};

    private static List<byte[]> records() {
        SplittableRandom random = new SplittableRandom(5);
        List<byte[]> records = new ArrayList<>();
        for (int i = 0; i < REFERENCE + NORMAL + SHIFTED; i++) {
            boolean shifted = i >= REFERENCE + NORMAL;
            StringBuilder text = new StringBuilder("my");
            for (int w = 0, n = 4 + random.nextInt(8); w < n; w++) {
                text.append(' ').append(WORDS[random.nextInt(WORDS.length)]);
            }
            String body = shifted ? mangle(text.toString(), random) : text.toString();
            String json = String.format("{\"id\":\"d-%04d\",\"text\":\"%s\",\"language\":\"%s\",\"event_time\":\"%s\"}",
                    i, body, shifted ? "de" : "en", START.plus(SPACING.multipliedBy(i)));
            records.add(json.getBytes(StandardCharsets.UTF_8));
        }
        return records;
    }

    /** Letters become Cyrillic ones the test tokenizer does not know: a producer with a broken encoding. */
    private static String mangle(String text, SplittableRandom random) {
        StringBuilder out = new StringBuilder();
        text.codePoints().forEach(c -> out.appendCodePoint(Character.isLetter(c) ? 0x0430 + random.nextInt(32) : c));
        return out.toString();
    }

    @Test
    void driftReportsAppearForTheWindowsAfterTheShiftAndNotBefore() throws Exception {
        LOG.info("Drift end-to-end test runs on {}", TestServices.path());
        String suffix = TestPipeline.uniqueSuffix();
        String topic = "drift-in-" + suffix;
        String driftIndex = "it-drift-" + suffix;
        String profileIndex = "it-profiles-" + suffix;
        String driftTopic = "drift-" + suffix;
        TestServices.createTopics(2, topic);
        PipelineConfig config = TestPipeline.config(topic, "json", "dlq-" + suffix, "drift-docs-" + suffix,
                "drift.window=1h",
                // The test replays eleven hours in seconds, out of order: the profile is built at the end of the
                // input, and the documents waiting for it must still count in their windows.
                "drift.out-of-orderness=90d",
                "drift.idleness=5min",
                "drift.reference-from=" + START,
                "drift.reference-to=" + START.plus(SPACING.multipliedBy(REFERENCE)),
                "drift.window-documents=30",
                "drift.expected-run-time=1000",
                "drift.index=" + driftIndex,
                "drift.profile-index=" + profileIndex,
                "drift.topic=" + driftTopic);
        TestPipeline.produce(topic, records());

        TestPipeline.runToEnd(config);

        Map<String, Map<String, Object>> reports = TestPipeline.documents(driftIndex);
        Map<Instant, TreeSet<String>> driftedByWindow = new TreeMap<>();
        for (Map<String, Object> report : reports.values()) {
            TreeSet<String> drifted = driftedByWindow.computeIfAbsent(
                    Instant.parse((String) report.get("window_start")), w -> new TreeSet<>());
            if (Boolean.TRUE.equals(report.get("drifted"))) {
                drifted.add(report.get("feature") + "/" + report.get("statistic"));
            }
        }
        driftedByWindow.forEach((window, drifted) -> LOG.info("window {}: drifted {}", window, drifted));
        Instant shift = START.plus(SPACING.multipliedBy(REFERENCE + NORMAL));
        int hours = (REFERENCE + NORMAL + SHIFTED) * 2 / 60;
        assertThat(driftedByWindow).as("a report for every hour").hasSize(hours);
        driftedByWindow.forEach((window, drifted) -> {
            if (window.isBefore(shift)) {
                assertThat(drifted).as("drift before the shift, window %s", window).isEmpty();
            } else {
                assertThat(drifted).as("drift after the shift, window %s", window)
                        .contains("language/jsd", "unknown_token_rate/ks", "embedding/cosine_centroid");
            }
        });

        List<DriftReport> onKafka = AvroTopic.driftReports(TestServices.kafkaBootstrapServers(), driftTopic, Map.of(),
                Duration.ofSeconds(30));
        assertThat(onKafka).as("the drift topic carries the same reports").hasSize(reports.size());

        assertProfileIndexed(profileIndex, onKafka.get(0).getReferenceVersion());
    }

    @SuppressWarnings({"rawtypes", "unchecked"})
    private static void assertProfileIndexed(String profileIndex, String version) throws Exception {
        try (ElasticsearchClient es = TestPipeline.elasticsearch()) {
            es.indices().refresh(r -> r.index(profileIndex));
            SearchResponse<Map> profiles = es.search(s -> s.index(profileIndex), Map.class);
            assertThat(profiles.hits().hits()).extracting(Hit::id).containsExactly(version);
            Map<String, Object> profile = profiles.hits().hits().get(0).source();
            // Every other reference document fitted the principal components; the rest describe the distributions.
            assertThat(profile.get("documents")).as("documents describing the reference").isEqualTo(REFERENCE / 2);
            assertThat((Map<String, Object>) profile.get("thresholds")).isNotEmpty();
        }
    }
}
