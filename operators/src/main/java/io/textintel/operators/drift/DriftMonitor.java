package io.textintel.operators.drift;

import io.textintel.schemas.DriftReport;
import io.textintel.schemas.EnrichedDocument;

import org.apache.flink.api.common.eventtime.SerializableTimestampAssigner;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.BroadcastStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;

import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;

/**
 * The drift monitor's part of a job: features of every enriched document, a reference profile, a
 * tumbling event-time window aggregate in two levels, and a comparison of every window with the
 * reference.
 *
 * <pre>
 * documents → drift-features ─┬→ watermarks → drift-reference (one key) → drift-profile-time ─┬─────┐
 *                             └→ drift-project ◄── broadcast ─────────────────────────────────┘     │
 *                                  → watermarks → keyBy(bucket) → window → drift-partials            │
 *                                  → windowAll → drift-merge → drift-detect ◄── broadcast ──────────┘
 *                                                                  → DriftReport per statistic
 *                             (and the profile itself, for its Elasticsearch document)
 * </pre>
 */
public final class DriftMonitor implements Serializable {

    private static final long serialVersionUID = 1L;

    private final DriftSettings settings;
    private final ReferenceSource reference;
    private final Duration window;
    private final Duration outOfOrderness;
    private final Duration idleness;
    private final int maxPendingDocuments;

    /**
     * @param settings the detector's statistics, calibration and debounce
     * @param reference where the reference comes from
     * @param window length of the tumbling event-time windows
     * @param outOfOrderness how late, in event time, a document may arrive and still count in its window
     * @param idleness after how long without documents a subtask stops holding back the watermark
     * @param maxPendingDocuments documents per subtask kept for monitoring while the profile is not built yet
     */
    public DriftMonitor(DriftSettings settings, ReferenceSource reference, Duration window, Duration outOfOrderness,
            Duration idleness, int maxPendingDocuments) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.reference = Objects.requireNonNull(reference, "reference");
        this.window = positive("window", window);
        this.outOfOrderness = nonNegative("out-of-orderness", outOfOrderness);
        this.idleness = positive("idleness", idleness);
        if (maxPendingDocuments < 0) {
            throw new IllegalArgumentException("max pending documents is " + maxPendingDocuments + ", expected >= 0");
        }
        this.maxPendingDocuments = maxPendingDocuments;
    }

    /** What the monitor emits: its reports, and the reference profile once it is built. */
    public record Outputs(DataStream<DriftReport> reports, DataStream<ReferenceProfile> profiles) {}

    /** Adds the monitor downstream of {@code documents}. */
    public Outputs attach(DataStream<EnrichedDocument> documents) {
        DataStream<DriftFeatures> features = documents
                .map(new DriftFeaturesFunction())
                .name("drift-features").uid("drift-features");

        DataStream<ReferenceProfile> profiles = features
                .assignTimestampsAndWatermarks(watermarks((DriftFeatures f, long previous) -> f.eventTime))
                .name("drift-reference-watermarks").uid("drift-reference-watermarks")
                .keyBy(f -> 0)
                .process(new ReferenceProfileFunction(reference, settings), DriftTypes.PROFILE)
                .name("drift-reference").uid("drift-reference")
                .setParallelism(1)
                // The profile stream carries no event time of its own, and above all no idleness: an idle
                // broadcast input would let the end-of-input watermark pass the projection before a profile
                // built at the end of a bounded input releases the documents waiting for it, making them late.
                .assignTimestampsAndWatermarks(WatermarkStrategy.noWatermarks())
                .name("drift-profile-time").uid("drift-profile-time")
                .setParallelism(1);
        BroadcastStream<ReferenceProfile> broadcastProfile = profiles.broadcast(ProjectFeaturesFunction.PROFILE_STATE);

        int buckets = documents.getExecutionEnvironment().getParallelism();
        DataStream<WindowAggregate> perSubtask = features
                .connect(broadcastProfile)
                .process(new ProjectFeaturesFunction(maxPendingDocuments), TypeInformation.of(ProjectedFeatures.class))
                .name("drift-project").uid("drift-project")
                .assignTimestampsAndWatermarks(watermarks((ProjectedFeatures p, long previous) -> p.eventTime))
                .name("drift-watermarks").uid("drift-watermarks")
                .keyBy(p -> Math.floorMod(p.id == null ? 0 : p.id.hashCode(), buckets))
                .window(TumblingEventTimeWindows.of(window))
                .aggregate(new DriftAggregateFunctions.Documents(settings.sketchK()),
                        new DriftAggregateFunctions.TagWindow(),
                        DriftTypes.ACCUMULATOR, DriftTypes.ACCUMULATOR, TypeInformation.of(WindowAggregate.class))
                .name("drift-partials").uid("drift-partials");

        DataStream<DriftReport> reports = perSubtask
                .windowAll(TumblingEventTimeWindows.of(window))
                .aggregate(new DriftAggregateFunctions.Partials(settings.sketchK()),
                        new DriftAggregateFunctions.TagMergedWindow(),
                        DriftTypes.ACCUMULATOR, DriftTypes.ACCUMULATOR, TypeInformation.of(WindowAggregate.class))
                .name("drift-merge").uid("drift-merge")
                .connect(profiles.broadcast(ProjectFeaturesFunction.PROFILE_STATE))
                .process(new DriftDetectorFunction(settings), new AvroTypeInfo<>(DriftReport.class))
                .name("drift-detect").uid("drift-detect")
                .setParallelism(1);
        return new Outputs(reports, profiles);
    }

    private <T> WatermarkStrategy<T> watermarks(SerializableTimestampAssigner<T> eventTime) {
        return WatermarkStrategy.<T>forBoundedOutOfOrderness(outOfOrderness)
                .withTimestampAssigner(eventTime)
                .withIdleness(idleness);
    }

    private static Duration positive(String name, Duration value) {
        if (value == null || value.isZero() || value.isNegative()) {
            throw new IllegalArgumentException("drift " + name + " is " + value + ", expected a positive duration");
        }
        return value;
    }

    private static Duration nonNegative(String name, Duration value) {
        if (value == null || value.isNegative()) {
            throw new IllegalArgumentException("drift " + name + " is " + value + ", expected zero or more");
        }
        return value;
    }
}
