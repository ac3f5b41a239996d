package io.textintel.jobs.config;

import io.textintel.operators.drift.DriftMonitor;
import io.textintel.operators.drift.DriftSettings;
import io.textintel.operators.drift.ReferenceSource;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * The {@code drift} section: the drift monitor's windows, reference, calibration and outputs. Unset
 * values take the defaults of {@link DriftSettings#defaults()} and those below.
 *
 * @param enabled whether the job monitors drift (default true)
 * @param window length of the tumbling event-time windows (default 1 minute)
 * @param outOfOrderness how late in event time a document may arrive and still count (default 5 s)
 * @param idleness after how long without documents a source partition stops holding back windows (default 30 s)
 * @param referenceDocuments the reference is the first this many documents (default 1000)
 * @param referenceFrom with {@code reference-to}: the reference is the documents of this event-time range
 *     (ISO-8601 instants such as {@code 2026-11-01T00:00:00Z})
 * @param referenceTo end of that range, exclusive
 * @param profileFile a stored reference profile to use instead of building one
 * @param directions embedding directions monitored (default 16)
 * @param principalComponents the directions are the reference's principal components (default) or random
 * @param sketchK accuracy of the KLL quantile sketches (default 200)
 * @param expectedRunTime windows between false alarms when nothing drifts (default 200)
 * @param consecutiveWindows windows in a row a statistic must exceed its threshold (default 1)
 * @param minWindowDocuments smaller windows are reported but never drifted (default 10)
 * @param windowDocuments about how many documents a window holds; profiles report thresholds at this size
 * @param calibrationWindows bootstrap pseudo-windows per calibration (default 20000)
 * @param seed seed of the random directions and of the bootstrap (default 42)
 * @param maxPendingDocuments documents per subtask kept for monitoring until the profile exists (default 100000)
 * @param index the drift reports' Elasticsearch index (default {@code textintel-drift})
 * @param profileIndex the reference profiles' Elasticsearch index (default {@code textintel-reference-profiles})
 * @param topic the Kafka topic of drift reports (default {@code textintel-drift})
 */
public record DriftMonitorSettings(
        Boolean enabled,
        Duration window,
        Duration outOfOrderness,
        Duration idleness,
        Integer referenceDocuments,
        String referenceFrom,
        String referenceTo,
        String profileFile,
        Integer directions,
        Boolean principalComponents,
        Integer sketchK,
        Double expectedRunTime,
        Integer consecutiveWindows,
        Integer minWindowDocuments,
        Integer windowDocuments,
        Integer calibrationWindows,
        Long seed,
        Integer maxPendingDocuments,
        String index,
        String profileIndex,
        String topic) {

    public DriftMonitorSettings {
        DriftSettings defaults = DriftSettings.defaults();
        enabled = enabled == null || enabled;
        window = window == null ? Duration.ofMinutes(1) : window;
        outOfOrderness = outOfOrderness == null ? Duration.ofSeconds(5) : outOfOrderness;
        idleness = idleness == null ? Duration.ofSeconds(30) : idleness;
        referenceDocuments = referenceDocuments == null ? defaults.referenceDocuments() : referenceDocuments;
        directions = directions == null ? defaults.directions() : directions;
        principalComponents = principalComponents == null ? defaults.pca() : principalComponents;
        sketchK = sketchK == null ? defaults.sketchK() : sketchK;
        expectedRunTime = expectedRunTime == null ? defaults.expectedRunTime() : expectedRunTime;
        consecutiveWindows = consecutiveWindows == null ? defaults.consecutiveWindows() : consecutiveWindows;
        minWindowDocuments = minWindowDocuments == null ? defaults.minWindowDocuments() : minWindowDocuments;
        windowDocuments = windowDocuments == null ? defaults.calibrationWindowDocuments() : windowDocuments;
        calibrationWindows = calibrationWindows == null ? defaults.calibrationWindows() : calibrationWindows;
        seed = seed == null ? defaults.seed() : seed;
        maxPendingDocuments = maxPendingDocuments == null ? 100_000 : maxPendingDocuments;
        index = index == null ? "textintel-drift" : index;
        profileIndex = profileIndex == null ? "textintel-reference-profiles" : profileIndex;
        topic = topic == null ? "textintel-drift" : topic;
    }

    /** All defaults. */
    public static DriftMonitorSettings defaults() {
        return new DriftMonitorSettings(null, null, null, null, null, null, null, null, null, null, null, null, null,
                null, null, null, null, null, null, null, null);
    }

    /** The detector's settings. */
    public DriftSettings detector() {
        return new DriftSettings(referenceDocuments, directions, principalComponents, sketchK, expectedRunTime,
                consecutiveWindows, minWindowDocuments, seed, calibrationWindows, windowDocuments);
    }

    /** Where the reference comes from. */
    public ReferenceSource reference() {
        return new ReferenceSource(instant(referenceFrom), instant(referenceTo), profileFile);
    }

    /** The monitor these settings describe. */
    public DriftMonitor monitor() {
        return new DriftMonitor(detector(), reference(), window, outOfOrderness, idleness, maxPendingDocuments);
    }

    void validate(ConfigProblems problems) {
        if (!enabled) {
            return;
        }
        try {
            monitor();
        } catch (IllegalArgumentException | DateTimeParseException e) {
            problems.add("drift", e.getMessage());
        }
        problems.requireText("drift.index", index, "an index name");
        problems.requireText("drift.profile-index", profileIndex, "an index name");
        problems.requireText("drift.topic", topic, "a Kafka topic");
    }

    private static Instant instant(String value) {
        return value == null ? null : Instant.parse(value);
    }
}
