package io.textintel.operators.drift;

import static org.assertj.core.api.Assertions.assertThat;

import io.textintel.schemas.DriftReport;
import io.textintel.schemas.EnrichedDocument;
import io.textintel.schemas.ModelRef;
import io.textintel.schemas.TopicTag;

import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The drift monitor as a job runs it, in a local environment of two subtasks: a reference from an
 * event-time range, windows aggregated per subtask and merged, and reports that fire after an
 * injected shift (another language, embeddings moved along one axis) and not before.
 */
class DriftMonitorInJobITCase {

    private static final Instant START = Instant.parse("2026-11-01T00:00:00Z");
    private static final int DIMS = 16;
    private static final int SHIFT_MINUTE = 400;
    private static final int END_MINUTE = 500;
    private static final List<String> TOPICS = List.of("billing", "delivery", "refund", "praise");

    /** One document a minute; from {@link #SHIFT_MINUTE} on in German, with embeddings moved along axis 0. */
    private static List<EnrichedDocument> documents() {
        Random random = new Random(11);
        List<EnrichedDocument> docs = new ArrayList<>();
        for (int minute = 0; minute < END_MINUTE; minute++) {
            boolean shifted = minute >= SHIFT_MINUTE;
            float[] embedding = new float[DIMS];
            double norm = 0;
            for (int i = 0; i < DIMS; i++) {
                embedding[i] = (float) (random.nextGaussian() / (1 + i) + (i == 0 ? 2 : 0) + (shifted && i == 1 ? 1.5 : 0));
                norm += embedding[i] * embedding[i];
            }
            List<Float> unit = new ArrayList<>(DIMS);
            for (float v : embedding) {
                unit.add((float) (v / Math.sqrt(norm)));
            }
            int words = 6 + random.nextInt(12);
            String text = "word ".repeat(words).strip();
            docs.add(EnrichedDocument.newBuilder()
                    .setId(String.format("doc-%04d", minute))
                    .setText(text)
                    .setLanguage(shifted ? "de" : "en")
                    .setEventTime(START.plus(Duration.ofMinutes(minute)))
                    .setEmbedding(unit)
                    .setTopics(List.of(new TopicTag(TOPICS.get(random.nextInt(TOPICS.size())),
                            (float) (0.4 + 0.5 * random.nextDouble()))))
                    .setModels(List.of(ModelRef.newBuilder().setTask("embed").setModelId("m")
                            .setInputTokens(words + 2).setUnknownTokens(random.nextInt(2)).build()))
                    .setProcessingTime(START)
                    .build());
        }
        return docs;
    }

    @Test
    void reportsEveryWindowAndFlagsTheWindowsAfterTheShiftOnly() throws Exception {
        DriftSettings settings = new DriftSettings(200, 8, true, 200, 1000, 1, 10, 42L, 20_000, 20);
        DriftMonitor monitor = new DriftMonitor(settings,
                ReferenceSource.timeRange(START, START.plus(Duration.ofMinutes(200))),
                Duration.ofMinutes(20), Duration.ofHours(12), Duration.ofSeconds(1), 10_000);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        DataStream<EnrichedDocument> input = env.fromData(documents(), new AvroTypeInfo<>(EnrichedDocument.class));
        DriftMonitor.Outputs outputs = monitor.attach(input);

        List<DriftReport> reports = new ArrayList<>();
        try (CloseableIterator<DriftReport> it = outputs.reports().executeAndCollect("drift-monitor-test")) {
            it.forEachRemaining(reports::add);
        }

        Map<Instant, List<DriftReport>> byWindow = reports.stream()
                .collect(Collectors.groupingBy(DriftReport::getWindowStart, TreeMap::new, Collectors.toList()));
        assertThat(byWindow).as("one entry per 20-minute window").hasSize(END_MINUTE / 20);
        Set<String> versions = reports.stream().map(DriftReport::getReferenceVersion).collect(Collectors.toSet());
        assertThat(versions).as("one reference profile").hasSize(1);
        Instant shift = START.plus(Duration.ofMinutes(SHIFT_MINUTE));
        for (Map.Entry<Instant, List<DriftReport>> window : byWindow.entrySet()) {
            List<DriftReport> windowReports = window.getValue();
            assertThat(windowReports).allSatisfy(r -> assertThat(r.getSampleSize()).isPositive());
            Set<String> drifted = windowReports.stream().filter(DriftReport::getDrifted)
                    .map(r -> r.getFeature() + "/" + r.getStatistic()).collect(Collectors.toCollection(TreeSet::new));
            if (window.getKey().isBefore(shift)) {
                assertThat(drifted).as("drifted statistics in window %s, before the shift", window.getKey()).isEmpty();
            } else {
                assertThat(drifted).as("drifted statistics in window %s, after the shift", window.getKey())
                        .contains("language/jsd");
                assertThat(drifted).anySatisfy(s -> assertThat(s).startsWith("embedding/"));
            }
        }
        long documents = byWindow.values().stream().mapToLong(w -> w.get(0).getSampleSize()).sum();
        assertThat(documents).as("documents over all windows").isEqualTo(END_MINUTE);
    }
}
