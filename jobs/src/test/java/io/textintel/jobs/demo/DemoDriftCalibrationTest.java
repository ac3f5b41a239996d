package io.textintel.jobs.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.textintel.jobs.config.PipelineConfig;
import io.textintel.jobs.config.PipelineConfigLoader;
import io.textintel.operators.drift.DriftAccumulator;
import io.textintel.operators.drift.DriftDetector;
import io.textintel.operators.drift.DriftFeatures;
import io.textintel.operators.drift.DriftFeaturesFunction;
import io.textintel.operators.drift.DriftSettings;
import io.textintel.operators.drift.ReferenceProfile;
import io.textintel.operators.drift.StatisticResult;
import io.textintel.operators.inference.ModelTask;
import io.textintel.schemas.EnrichedDocument;
import io.textintel.schemas.TextRecord;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The drift detector's calibration on real embeddings: the demo's embed and tag tasks (the shipped
 * all-MiniLM-L6-v2, few-shot tags) on the demo's sample, the reference its first six weeks of event
 * time (499 documents), as in the demo. The synthetic calibration test in operators measures the
 * detector on streams of known distributions; this one measures it on the distribution it will meet.
 *
 * <p>No drift: windows of 12 documents (the demo's daily size) drawn with replacement from the 470
 * later documents, which the profile never saw, at ERT 50 so that alarms are frequent enough to count.
 * The mean run length must be within [ERT/3, 3·ERT], as in the synthetic test. Drift: windows of the
 * demo's garbled drift phase must each be detected.
 */
class DemoDriftCalibrationTest {

    private static final Logger LOG = LoggerFactory.getLogger(DemoDriftCalibrationTest.class);
    private static final int WINDOW = 12;
    private static final double ERT = 50;
    private static final Instant REFERENCE_TO = Instant.parse("2026-10-13T00:00:00Z");

    @TempDir
    static Path workDir;

    private static List<DriftFeatures> reference;
    private static List<DriftFeatures> later;
    private static List<DriftFeatures> garbled;

    @BeforeAll
    static void enrichTheSample() throws Exception {
        Demo.Options options = new Demo.Options(workDir, 1, false, Demo.DEFAULT_EMBED_MODEL, null,
                Demo.TagMode.FEW_SHOT, false, "");
        PipelineConfig config = PipelineConfigLoader.parse(
                DemoTasks.configure(DemoData.resource("/demo/pipeline.yaml"), options, Demo.DEFAULT_EMBED_MODEL, null),
                "demo/pipeline.yaml", List.of());
        List<ModelTask> tasks = config.modelTasks().stream().filter(t -> !t.name().equals("summary")).toList();
        List<TextRecord> normal = OperatorRun.records(DemoData.feedback());
        normal.sort(Comparator.comparing(TextRecord::getEventTime));
        reference = new ArrayList<>();
        later = new ArrayList<>();
        for (EnrichedDocument doc : OperatorRun.enrich(tasks, config, normal)) {
            (doc.getEventTime().isBefore(REFERENCE_TO) ? reference : later).add(DriftFeaturesFunction.extract(doc));
        }
        garbled = new ArrayList<>();
        List<TextRecord> mangled = OperatorRun.records(
                DemoData.garbled(120, Instant.parse("2026-11-21T00:00:00Z"), Duration.ofMinutes(60), 7L));
        for (EnrichedDocument doc : OperatorRun.enrich(tasks, config, mangled)) {
            garbled.add(DriftFeaturesFunction.extract(doc));
        }
        LOG.info("reference {} documents, later {}, garbled {}", reference.size(), later.size(), garbled.size());
    }

    @Test
    void falseAlarmsOnLaterRealFeedbackComeAboutEveryExpectedRunTime() {
        DriftSettings settings = new DriftSettings(reference.size(), 16, true, 200, ERT, 1, 8, 42L, 20_000, WINDOW);
        DriftDetector detector = new DriftDetector(ReferenceProfile.build(reference, settings), settings);
        ReferenceProfile profile = detector.profile();
        SplittableRandom random = new SplittableRandom(3);
        int windows = 2000;
        int alarms = 0;
        int[] byStatistic = new int[detector.statisticCount()];
        for (int w = 0; w < windows; w++) {
            DriftAccumulator window = detector.newWindow();
            for (int i = 0; i < WINDOW; i++) {
                window.add(profile.project(later.get(random.nextInt(later.size()))));
            }
            List<StatisticResult> results = detector.evaluate(window, new int[detector.statisticCount()]);
            boolean alarm = false;
            for (int s = 0; s < results.size(); s++) {
                if (results.get(s).drifted()) {
                    byStatistic[s]++;
                    alarm = true;
                }
            }
            alarms += alarm ? 1 : 0;
        }
        double meanRunLength = alarms == 0 ? Double.POSITIVE_INFINITY : (double) windows / alarms;
        StringBuilder perStatistic = new StringBuilder();
        for (int s = 0; s < byStatistic.length; s++) {
            perStatistic.append(' ').append(detector.statistics().get(s).name()).append('=').append(byStatistic[s]);
        }
        LOG.info("real embeddings, no drift: {} windows of {} from {} later documents, {} false alarms, mean run"
                + " length {} windows, target ERT {}; alarms by statistic:{}", windows, WINDOW, later.size(), alarms,
                meanRunLength, ERT, perStatistic);
        assertThat(meanRunLength).isBetween(ERT / 3, 3 * ERT);
    }

    @Test
    void everyWindowOfTheGarbledDriftPhaseIsDetected() {
        DriftSettings settings = new DriftSettings(reference.size(), 16, true, 200, 1000, 1, 8, 42L, 20_000, WINDOW);
        DriftDetector detector = new DriftDetector(ReferenceProfile.build(reference, settings), settings);
        int detected = 0;
        int windows = garbled.size() / WINDOW;
        for (int w = 0; w < windows; w++) {
            DriftAccumulator window = detector.newWindow();
            for (int i = 0; i < WINDOW; i++) {
                window.add(detector.profile().project(garbled.get(w * WINDOW + i)));
            }
            detected += detector.evaluate(window, new int[detector.statisticCount()]).stream()
                    .anyMatch(StatisticResult::drifted) ? 1 : 0;
        }
        LOG.info("real embeddings, garbled drift phase at ERT 1000: {} of {} windows of {} detected", detected,
                windows, WINDOW);
        assertThat(detected).isEqualTo(windows);
    }
}
