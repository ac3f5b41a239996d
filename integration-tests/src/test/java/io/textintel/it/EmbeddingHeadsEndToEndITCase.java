package io.textintel.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.textintel.it.support.TestPipeline;
import io.textintel.it.support.TestServices;
import io.textintel.jobs.config.PipelineConfig;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Zero-shot and few-shot tags and extractive summaries through the whole pipeline (Kafka, Flink
 * MiniCluster, Elasticsearch) on the generated embedder: every document carries each task's fields
 * and head version, and a second job over the same input, which fits its heads afresh, writes the
 * same documents (apart from the processing time and the summary's latency).
 */
class EmbeddingHeadsEndToEndITCase {

    private static final String[] TEXTS = {
        "The parcel arrived late. The box was damaged. Nobody answered my email.",
        "I was charged twice for one shipment.",
        "Great app, thanks! The new search works well. Tracking is quick. Keep it up.",
        "My refund never came. I asked support twice. They closed the ticket. Still no money.",
        "Where is my parcel?",
        "Login fails since the update. The code never arrives. I tried three times."
    };

    @TempDir
    Path dir;

    private PipelineConfig config(String topic, String index, Path examples) {
        String embedder = TestPipeline.embedder().toString();
        return TestPipeline.config(topic, "json", "dlq-" + topic, index,
                "tasks.zero.kind=tag", "tasks.zero.mode=zero-shot", "tasks.zero.model=" + embedder,
                "tasks.zero.labels=[billing, delivery, praise]", "tasks.zero.top-k=2",
                "tasks.few.kind=tag", "tasks.few.mode=few-shot", "tasks.few.model=" + embedder,
                "tasks.few.examples=" + examples, "tasks.few.top-k=1",
                "tasks.extract.kind=summarize", "tasks.extract.mode=extractive", "tasks.extract.model=" + embedder,
                "tasks.extract.max-sentences=2", "tasks.extract.min-text-length=0");
    }

    @Test
    void everyDocumentCarriesItsHeadsTagsAndSummaryAndAReplayWritesTheSame() throws Exception {
        Path examples = Files.writeString(dir.resolve("examples.jsonl"), """
                {"text": "I was charged twice", "label": "billing"}
                {"text": "wrong amount on my invoice", "label": "billing"}
                {"text": "the parcel is late", "label": "delivery"}
                {"text": "still waiting for my order", "label": "delivery"}
                """);
        String suffix = TestPipeline.uniqueSuffix();
        String topic = "heads-" + suffix;
        String index = "heads-docs-" + suffix;
        TestServices.createTopics(2, topic, "dlq-" + topic);
        List<byte[]> records = new ArrayList<>();
        for (int i = 0; i < TEXTS.length; i++) {
            records.add(("{\"id\":\"h-" + i + "\",\"text\":\"" + TEXTS[i] + "\",\"language\":\"en\"}")
                    .getBytes(StandardCharsets.UTF_8));
        }
        TestPipeline.produce(topic, records);

        TestPipeline.runToEnd(config(topic, index, examples));
        Map<String, Map<String, Object>> first = TestPipeline.documents(index);

        assertThat(first).hasSize(TEXTS.length);
        List<String> heads = new ArrayList<>();
        for (int i = 0; i < TEXTS.length; i++) {
            Map<String, Object> doc = first.get("h-" + i);
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> models = (List<Map<String, Object>>) doc.get("models");
            assertThat(models).extracting(m -> (String) m.get("task"))
                    .containsExactly("embed", "tag", "zero", "few", "extract");
            String zero = (String) models.get(2).get("head");
            String few = (String) models.get(3).get("head");
            assertThat(zero).startsWith("zero-shot:");
            assertThat(few).startsWith("few-shot:");
            heads.add(zero + few);
            assertThat((List<?>) doc.get("topics")).as("3 classifier + 2 zero-shot + 1 few-shot tags").hasSize(6);
            long sentences = TEXTS[i].chars().filter(c -> c == '.' || c == '!' || c == '?').count();
            if (sentences >= 3) {
                assertThat(doc.get("summary_method")).isEqualTo("extractive");
                assertThat((List<?>) doc.get("summary_sentences")).hasSize(2);
                assertThat(TEXTS[i]).contains(((String) doc.get("summary")).split("(?<=[.!?]) ")[0]);
            } else {
                assertThat(doc).as("a text of %d sentences is its own summary", sentences).doesNotContainKey("summary");
            }
        }
        assertThat(heads).as("one head per task for the whole job").containsOnly(heads.get(0));

        // A second job with a fresh consumer group reads everything again and fits its heads afresh.
        TestPipeline.runToEnd(config(topic, index, examples));
        Map<String, Map<String, Object>> second = TestPipeline.documents(index);
        for (String id : first.keySet()) {
            Map<String, Object> a = new HashMap<>(first.get(id));
            Map<String, Object> b = new HashMap<>(second.get(id));
            // When and how fast it was computed are measurements, not content.
            for (String measured : List.of("processing_time", "summary_latency_ms")) {
                a.remove(measured);
                b.remove(measured);
            }
            assertThat(b).as("document %s after replay", id).isEqualTo(a);
        }
    }
}
