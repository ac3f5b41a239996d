package io.textintel.jobs.demo;

import io.textintel.connectors.elasticsearch.ElasticsearchConnection;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch._types.HealthStatus;
import co.elastic.clients.elasticsearch._types.SortOrder;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.search.Hit;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Shows what the pipeline indexed: counts, a few documents, tag accuracy, and a kNN query. */
final class DemoReport {

    /** The attribute holding a sample line's own topic label. */
    static final String EXPECTED_TOPIC = "expected_topic";

    private final ElasticsearchConnection connection;
    private final String index;
    private final PrintStream out;

    DemoReport(String url, String index, PrintStream out) {
        this.connection = ElasticsearchConnection.of(url);
        this.index = index;
        this.out = out;
    }

    /** Documents in the index as of the last refresh; 0 if the index does not exist yet. */
    long count() throws IOException {
        try (var transport = connection.createTransport()) {
            ElasticsearchClient client = new ElasticsearchClient(transport);
            if (!client.indices().exists(e -> e.index(index)).value()) {
                return 0;
            }
            // Just after the first bulk request creates the index its primary shard is not yet active (red),
            // and a count would fail with 503.
            if (client.cluster().health(h -> h.index(index)).status() == HealthStatus.Red) {
                return 0;
            }
            return client.count(c -> c.index(index)).count();
        }
    }

    /**
     * The count for a progress line, or {@code ?} while the cluster cannot answer yet: just after the first
     * bulk request creates the index, a count can fail with 503 until its primary shard has started. Progress
     * is informational; the results that follow the job read the index strictly.
     */
    String progressCount() {
        try {
            return Long.toString(count());
        } catch (IOException | ElasticsearchException e) {
            return "?";
        }
    }

    /**
     * Refreshes the index, prints its count, three documents and two of the summarised ones; returns the
     * count. Summaries of the untrained decoder are labelled as such.
     */
    @SuppressWarnings("rawtypes")
    long showIndexed(boolean untrainedDecoder) throws IOException {
        try (var transport = connection.createTransport()) {
            ElasticsearchClient client = new ElasticsearchClient(transport);
            client.indices().refresh(r -> r.index(index));
            long count = client.count(c -> c.index(index)).count();
            out.printf("Documents in index '%s': %d%n", index, count);
            SearchResponse<Map> sample = client.search(s -> s.index(index).size(3)
                    .sort(o -> o.field(f -> f.field("id").order(SortOrder.Asc))), Map.class);
            sample.hits().hits().forEach(hit -> showDocument(hit, untrainedDecoder, 110));
            SearchResponse<Map> summarised = client.search(s -> s.index(index).size(2)
                    .query(q -> q.exists(e -> e.field("summary")))
                    .sort(o -> o.field(f -> f.field("id").order(SortOrder.Asc))), Map.class);
            summarised.hits().hits().forEach(hit -> showDocument(hit, untrainedDecoder, 600));
            return count;
        }
    }

    @SuppressWarnings("unchecked")
    private void showDocument(Hit<Map> hit, boolean untrainedDecoder, int textLength) {
        Map<String, Object> doc = hit.source();
        List<?> embedding = (List<?>) doc.get("embedding");
        out.printf("%n  %s  [%s]%n    text:   %s%n    topics: %s%n    embedding: %d dimensions%n",
                hit.id(), doc.get("source"), shorten(String.valueOf(doc.get("text")), textLength),
                topics((List<Map<String, Object>>) doc.get("topics")), embedding == null ? 0 : embedding.size());
        if (doc.get("summary") == null) {
            return;
        }
        if ("extractive".equals(doc.get("summary_method"))) {
            out.printf("    summary (extractive, sentences %s of the text): %s%n", doc.get("summary_sentences"),
                    shorten(String.valueOf(doc.get("summary")), 400));
        } else {
            out.printf("    summary%s: %s%n      (%s input tokens, %s generated, %s piece(s), %s ms, drafts %s/%s"
                    + " accepted)%n", untrainedDecoder ? " (UNTRAINED decoder: random text)" : "",
                    shorten(String.valueOf(doc.get("summary")), 110), doc.get("summary_input_tokens"),
                    doc.get("summary_output_tokens"), doc.get("summary_chunks"), doc.get("summary_latency_ms"),
                    doc.get("summary_draft_tokens_accepted"), doc.get("summary_draft_tokens_proposed"));
        }
    }

    /**
     * Compares each labelled document's topic tags with the label its sample line carries
     * ({@code expected_topic}, kept as an attribute): top-1 when the best tag is the label, top-3 when the
     * label is among the first three. Prints the figures and the topics most often missed.
     */
    @SuppressWarnings({"rawtypes", "unchecked"})
    TagAccuracy showTagAccuracy() throws IOException {
        try (var transport = connection.createTransport()) {
            ElasticsearchClient client = new ElasticsearchClient(transport);
            SearchResponse<Map> labelled = client.search(s -> s.index(index).size(10_000)
                    .query(q -> q.exists(e -> e.field("attributes." + EXPECTED_TOPIC)))
                    .source(src -> src.filter(f -> f.includes("topics", "attributes"))), Map.class);
            TagAccuracy.Counter accuracy = new TagAccuracy.Counter();
            for (Hit<Map> hit : labelled.hits().hits()) {
                Map<String, Object> doc = hit.source();
                String expected = String.valueOf(((Map<String, Object>) doc.get("attributes")).get(EXPECTED_TOPIC));
                List<String> predicted = new ArrayList<>();
                List<Map<String, Object>> topics = (List<Map<String, Object>>) doc.get("topics");
                if (topics != null) {
                    topics.forEach(topic -> predicted.add(String.valueOf(topic.get("label"))));
                }
                accuracy.add(expected, predicted);
            }
            TagAccuracy result = accuracy.result();
            out.printf("%nTopic tags against the sample's labels (%s): %d documents, top-1 %.1f%%, top-3 %.1f%%%n",
                    EXPECTED_TOPIC, result.documents(), 100 * result.top1(), 100 * result.top3());
            out.printf("  most often missed: %s%n", result.mostMissed(4));
            return result;
        }
    }

    /**
     * Runs a kNN query for {@code query}'s embedding and prints the nearest documents with their
     * sample label; returns those labels (the best tag where a document has none), nearest first.
     */
    @SuppressWarnings({"rawtypes", "unchecked"})
    List<String> showKnn(String query, float[] vector) throws IOException {
        List<Float> queryVector = new ArrayList<>(vector.length);
        for (float v : vector) {
            queryVector.add(v);
        }
        try (var transport = connection.createTransport()) {
            ElasticsearchClient client = new ElasticsearchClient(transport);
            SearchResponse<Map> result = client.search(s -> s.index(index)
                    .knn(k -> k.field("embedding").queryVector(queryVector).k(5).numCandidates(50))
                    .source(src -> src.filter(f -> f.includes("text", "topic_labels", "attributes"))), Map.class);
            out.printf("%nkNN query: \"%s\" (score, id, text, the sample's label)%n", query);
            List<String> labels = new ArrayList<>();
            for (Hit<Map> hit : result.hits().hits()) {
                Map<String, Object> attributes = (Map<String, Object>) hit.source().get("attributes");
                Object tags = hit.source().get("topic_labels");
                String label = attributes != null && attributes.get(EXPECTED_TOPIC) != null
                        ? String.valueOf(attributes.get(EXPECTED_TOPIC))
                        : tags instanceof List<?> list && !list.isEmpty() ? String.valueOf(list.get(0)) : "";
                labels.add(label);
                out.printf("  %.3f  %-9s %-70s %s%n", hit.score(), hit.id(),
                        shorten(String.valueOf(hit.source().get("text")), 70), label);
            }
            return labels;
        }
    }

    private static String topics(List<Map<String, Object>> topics) {
        if (topics == null || topics.isEmpty()) {
            return "(none)";
        }
        List<String> parts = new ArrayList<>();
        for (Map<String, Object> topic : topics) {
            parts.add(String.format("%s %.2f", topic.get("label"), ((Number) topic.get("score")).doubleValue()));
        }
        return String.join(", ", parts);
    }

    private static String shorten(String text, int max) {
        String oneLine = text.replaceAll("\\s+", " ");
        return oneLine.length() <= max ? oneLine : oneLine.substring(0, max - 3) + "...";
    }

    /**
     * Prints the drift reports window by window: the statistics that drifted, with value and threshold,
     * and how many windows raised an alarm before and after {@code shiftFrom}.
     */
    @SuppressWarnings("rawtypes")
    DriftAlarms showDrift(String driftIndex, Instant shiftFrom) throws IOException {
        try (var transport = connection.createTransport()) {
            ElasticsearchClient client = new ElasticsearchClient(transport);
            if (!client.indices().exists(e -> e.index(driftIndex)).value()) {
                out.printf("%nNo drift reports in '%s': the reference profile was not built.%n", driftIndex);
                return new DriftAlarms(0, 0, 0, 0);
            }
            client.indices().refresh(r -> r.index(driftIndex));
            SearchResponse<Map> result = client.search(s -> s.index(driftIndex).size(5000)
                    .sort(o -> o.field(f -> f.field("window_start").order(SortOrder.Asc))), Map.class);
            Map<String, List<Map<?, ?>>> windows = new TreeMap<>();
            for (Hit<Map> hit : result.hits().hits()) {
                windows.computeIfAbsent(String.valueOf(hit.source().get("window_start")), w -> new ArrayList<>())
                        .add(hit.source());
            }
            out.printf("%nDrift reports in '%s': %d windows, %d statistics each%n", driftIndex, windows.size(),
                    windows.isEmpty() ? 0 : windows.values().iterator().next().size());
            int[] alarms = new int[2];
            int[] counted = new int[2];
            for (Map.Entry<String, List<Map<?, ?>>> window : windows.entrySet()) {
                boolean shifted = !Instant.parse(window.getKey()).isBefore(shiftFrom);
                List<String> drifted = new ArrayList<>();
                Object size = window.getValue().get(0).get("sample_size");
                for (Map<?, ?> report : window.getValue()) {
                    if (Boolean.TRUE.equals(report.get("drifted"))) {
                        drifted.add(String.format("%s/%s %.3f > %.3f", report.get("feature"), report.get("statistic"),
                                ((Number) report.get("value")).doubleValue(),
                                ((Number) report.get("threshold")).doubleValue()));
                    }
                }
                counted[shifted ? 1 : 0]++;
                alarms[shifted ? 1 : 0] += drifted.isEmpty() ? 0 : 1;
                out.printf("  %s  %4s docs%s  %s%n", window.getKey().substring(0, 10), size,
                        shifted ? "  (garbled)" : "           ",
                        drifted.isEmpty() ? "no drift" : "DRIFT: " + String.join("; ", drifted));
            }
            out.printf("  alarms: %d of %d windows before the drift phase, %d of %d windows during it%n",
                    alarms[0], counted[0], alarms[1], counted[1]);
            return new DriftAlarms(alarms[0], counted[0], alarms[1], counted[1]);
        }
    }
}
