package io.textintel.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.textintel.serving.task.DecoderTasks;
import io.textintel.serving.task.DecoderTasksConfig;
import io.textintel.serving.tools.TinyDecoderSpec;
import io.textintel.serving.tools.TinyModelGenerator;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report's measurement, small: the 2-layer, 64-wide generated Llama (512 positions, so the
 * report's documents fit one summary request), 4 documents per round, 2 rounds, 1 and 3 in flight.
 */
class GenerativeTaggingReportTest {

    @TempDir
    Path dir;

    @Test
    void measuresEveryTaskAtEveryInFlightCountOverWholeRounds() throws Exception {
        Path model = TinyModelGenerator.writeDecoder(dir.resolve("llama"), TinyDecoderSpec.llama().withMaxPositions(512));
        try (DecoderTasks engine = DecoderTasks.open(model, DecoderTasksConfig.builder().threads(1).build())) {
            GenerativeTaggingReport report = new GenerativeTaggingReport(engine, 6);
            List<GenerativeTaggingReport.Point> points = report.measure(4, 2, new int[] {1, 3},
                    ManagementFactory.getOperatingSystemMXBean());

            assertThat(points).extracting(GenerativeTaggingReport.Point::task).containsExactly(
                    GenerativeTaggingReport.Task.TAG_SINGLE, GenerativeTaggingReport.Task.TAG_SINGLE,
                    GenerativeTaggingReport.Task.TAG_MULTI, GenerativeTaggingReport.Task.TAG_MULTI,
                    GenerativeTaggingReport.Task.SUMMARY, GenerativeTaggingReport.Task.SUMMARY);
            for (GenerativeTaggingReport.Point point : points) {
                int documents = Math.max(4, 2 * point.inFlight()); // 4 at N = 1, 6 at N = 3
                assertThat(point.rounds()).hasSize(2).allSatisfy(round -> {
                    assertThat(round.results()).hasSize(documents).doesNotContainNull();
                    assertThat(round.maxInFlight()).isBetween(1, point.inFlight());
                    assertThat(round.documentsPerSecond()).isPositive();
                });
                assertThat(point.latencies()).hasSize(2 * documents);
            }
            // single-label tagging: the prompt's pass and one per label, for every document
            assertThat(points.get(0).passesPerDocument()).isEqualTo(1 + GenerativeTaggingReport.LABELS.size());
            // one summary at a time: a pass for the prompt (it fits one step), whose logits give the first token,
            // and one per further token; several in flight share passes
            GenerativeTaggingReport.Point alone = points.get(4);
            assertThat(alone.resultPerDocument()).as("summary tokens").isBetween(1.0,
                    (double) GenerativeTaggingReport.SUMMARY_TOKENS);
            assertThat(alone.passesPerDocument()).isEqualTo(alone.resultPerDocument());
            assertThat(points.get(5).passesPerDocument()).isLessThan(alone.passesPerDocument());
        }
    }

    @Test
    void badArgumentsAreNamed() {
        assertThatThrownBy(() -> GenerativeTaggingReport.main(new String[] {"2", "many"}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("documents is 'many', expected a whole number >= 1");
        assertThatThrownBy(() -> GenerativeTaggingReport.main(new String[] {"2", "8", "1", "1,8,1"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("repeat a count");
        assertThatThrownBy(() -> GenerativeTaggingReport.main(new String[] {"0"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("threads is 0, expected >= 1");
    }
}
