package io.textintel.operators.drift;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.function.LongFunction;

/**
 * The detector measured the way Alibi Detect's tests measure its online detectors: the mean run length
 * between false alarms on fresh no-drift data, and the mean delay until an injected shift is detected.
 *
 * <p>Stream: {@link SyntheticDriftStream}; reference N = 2000 documents, windows of 100 (N = 20 windows),
 * ERT = 200 windows, 16 principal directions, 20000 bootstrap pseudo-windows, no debounce, fixed seeds.
 */
class DriftDetectorCalibrationTest {

    private static final Logger LOG = LoggerFactory.getLogger(DriftDetectorCalibrationTest.class);
    private static final long SHAPE_SEED = 7;
    private static final int WINDOW = 100;
    private static final double ERT = 200;
    private static final int SHIFTED_DIRECTION = 3;
    private static final DriftSettings SETTINGS =
            new DriftSettings(2000, 16, true, 200, ERT, 1, 10, 42L, 20_000, WINDOW);

    private static ReferenceProfile profile;
    private static DriftDetector detector;

    @BeforeAll
    static void buildReference() {
        profile = ReferenceProfile.build(new SyntheticDriftStream(SHAPE_SEED, 1).take(2000), SETTINGS);
        detector = new DriftDetector(profile, SETTINGS);
        long start = System.nanoTime();
        ThresholdCalibration thresholds = detector.thresholdsFor(WINDOW);
        LOG.info("calibration for windows of {}: {} ms, {}", WINDOW, (System.nanoTime() - start) / 1_000_000,
                thresholds.describe());
    }

    /**
     * 10000 windows of fresh reference-distribution data. Under the nominal false-alarm rate 1/200 the alarm
     * count is Binomial(10000, 0.005), mean 50; the test fails when it is below 17 or above 149 (mean run length
     * outside [ERT/3, 3·ERT]), which at the nominal rate has probability below 1e-7. So a failure means the
     * calibration is off by more than a factor of about 2, not bad luck.
     */
    @Test
    void meanRunLengthBetweenFalseAlarmsIsNearTheExpectedRunTime() {
        int windows = 10_000;
        SyntheticDriftStream stream = new SyntheticDriftStream(SHAPE_SEED, 2);
        int[] streaks = new int[detector.statisticCount()];
        int[] byStatistic = new int[detector.statisticCount()];
        int alarms = 0;
        long runLengthSum = 0;
        int runs = 0;
        int sinceLastAlarm = 0;
        long start = System.nanoTime();
        for (int w = 0; w < windows; w++) {
            List<StatisticResult> results = detector.evaluate(window(stream), streaks);
            sinceLastAlarm++;
            boolean alarm = false;
            for (int s = 0; s < results.size(); s++) {
                if (results.get(s).drifted()) {
                    byStatistic[s]++;
                    alarm = true;
                }
            }
            if (alarm) {
                alarms++;
                runLengthSum += sinceLastAlarm;
                runs++;
                sinceLastAlarm = 0;
            }
        }
        double meanRunLength = alarms == 0 ? Double.POSITIVE_INFINITY : (double) windows / alarms;
        StringBuilder perStatistic = new StringBuilder();
        for (int s = 0; s < byStatistic.length; s++) {
            perStatistic.append(' ').append(detector.statistics().get(s).name()).append('=').append(byStatistic[s]);
        }
        LOG.info("no drift: {} windows of {} documents in {} ms, {} false alarms, mean run length {} windows"
                        + " (windows/alarms; mean of completed runs {}), target ERT {}; alarms by statistic:{}",
                windows, WINDOW, (System.nanoTime() - start) / 1_000_000, alarms, meanRunLength,
                runs == 0 ? Double.NaN : (double) runLengthSum / runs, ERT, perStatistic);
        assertThat(meanRunLength).isBetween(ERT / 3, 3 * ERT);
    }

    @Test
    void detectsAOneSigmaShiftAlongAReferenceDirection() {
        double[] direction = profile.directions()[SHIFTED_DIRECTION];
        double sigma = Math.sqrt(profile.explainedVariance()[SHIFTED_DIRECTION] * totalVariance());
        // Re-normalising a shifted embedding shrinks the shift a little; scale it so the projection moves 1σ.
        double amplitude = 1;
        double moved = 0;
        for (int step = 0; step < 2; step++) {
            moved = projectionShiftInSigmas(direction, sigma, amplitude);
            amplitude /= moved;
        }
        double[] shift = shiftVector(direction, sigma * amplitude);
        moved = projectionShiftInSigmas(direction, sigma, amplitude);
        LOG.info("embedding shift: σ of direction {} is {}; the shifted stream's projection mean moved {} σ",
                SHIFTED_DIRECTION, sigma, moved);
        assertThat(moved).as("realised shift in σ").isBetween(0.97, 1.03);
        assertDetectedWithin(2, "embedding 1σ along direction " + SHIFTED_DIRECTION,
                seed -> new SyntheticDriftStream(SHAPE_SEED, seed).shiftEmbeddings(shift));
    }

    @Test
    void detectsATopicShareMovingFromOneFifthToFourFifths() {
        assertDetectedWithin(2, "topic science 0.2 -> 0.8",
                seed -> new SyntheticDriftStream(SHAPE_SEED, seed).shiftTopic());
    }

    @Test
    void detectsASwitchOfLanguage() {
        assertDetectedWithin(2, "language switch to " + SyntheticDriftStream.SWITCHED_LANGUAGE,
                seed -> new SyntheticDriftStream(SHAPE_SEED, seed).switchLanguage());
    }

    /**
     * 50 trials, each a fresh detector state on a stream shifted from its first window; delay counts the
     * windows evaluated up to and including the first marked drifted (1 = detected in the first shifted window,
     * stricter than Alibi Detect's count of steps after the change). A trial gives up at 20 windows.
     */
    private static void assertDetectedWithin(double maxMeanDelay, String shift, LongFunction<SyntheticDriftStream> streams) {
        int trials = 50;
        int delaySum = 0;
        int worst = 0;
        for (int t = 0; t < trials; t++) {
            SyntheticDriftStream stream = streams.apply(1000L + t);
            int[] streaks = new int[detector.statisticCount()];
            int delay = 0;
            boolean detected = false;
            while (!detected && delay < 20) {
                delay++;
                detected = detector.evaluate(window(stream), streaks).stream().anyMatch(StatisticResult::drifted);
            }
            delaySum += delay;
            worst = Math.max(worst, delay);
        }
        double meanDelay = (double) delaySum / trials;
        LOG.info("shift '{}': mean detection delay {} windows over {} trials (worst {})", shift, meanDelay, trials,
                worst);
        assertThat(meanDelay).isLessThanOrEqualTo(maxMeanDelay);
    }

    /** Mean projection of 5000 shifted documents on {@code direction}, in σ (the reference's mean projection is 0). */
    private static double projectionShiftInSigmas(double[] direction, double sigma, double amplitude) {
        SyntheticDriftStream probe = new SyntheticDriftStream(SHAPE_SEED, 99)
                .shiftEmbeddings(shiftVector(direction, sigma * amplitude));
        double sum = 0;
        for (DriftFeatures f : probe.take(5000)) {
            sum += profile.project(f).values[ReferenceProfile.SCALARS + SHIFTED_DIRECTION];
        }
        SyntheticDriftStream unshifted = new SyntheticDriftStream(SHAPE_SEED, 99);
        for (DriftFeatures f : unshifted.take(5000)) {
            sum -= profile.project(f).values[ReferenceProfile.SCALARS + SHIFTED_DIRECTION];
        }
        return sum / 5000 / sigma;
    }

    private static double[] shiftVector(double[] direction, double length) {
        double[] shift = new double[direction.length];
        for (int i = 0; i < shift.length; i++) {
            shift[i] = length * direction[i];
        }
        return shift;
    }

    private static DriftAccumulator window(SyntheticDriftStream stream) {
        DriftAccumulator window = detector.newWindow();
        for (int i = 0; i < WINDOW; i++) {
            window.add(profile.project(stream.next()));
        }
        return window;
    }

    private static double totalVariance() {
        return profile.principalDirections().totalVariance;
    }
}
