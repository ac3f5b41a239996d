package io.textintel.operators.drift;

import io.textintel.schemas.DriftReport;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Compares each merged window with the reference profile and emits one {@link DriftReport} per
 * statistic: its value, its calibrated threshold, and whether the window drifted (after the
 * optional debounce of consecutive windows).
 *
 * <p>Windows that arrive before the profile wait in keyed state. The debounce streaks live in keyed
 * state too, so a restart carries on counting. Every statistic is also a Flink gauge
 * ({@code drift.<feature>.<statistic>} with its last value, and {@code drift.drifted} counting the
 * statistics that drifted in the last window).
 */
public final class DriftDetectorFunction
        extends KeyedBroadcastProcessFunction<Integer, WindowAggregate, ReferenceProfile, DriftReport> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(DriftDetectorFunction.class);

    private final DriftSettings settings;

    private transient ValueState<int[]> streaks;
    private transient ListState<WindowAggregate> waiting;
    private transient DriftDetector detector;
    private transient String detectorVersion;
    private transient Map<String, Double> lastValues;
    private transient int lastDrifted;
    private transient MetricGroup metrics;

    public DriftDetectorFunction(DriftSettings settings) {
        this.settings = settings;
    }

    @Override
    public void open(OpenContext context) {
        streaks = getRuntimeContext().getState(
                new ValueStateDescriptor<>("drift-streaks", PrimitiveArrayTypeInfo.INT_PRIMITIVE_ARRAY_TYPE_INFO));
        waiting = getRuntimeContext().getListState(
                new ListStateDescriptor<>("drift-waiting-windows", TypeInformation.of(WindowAggregate.class)));
        lastValues = new HashMap<>();
        metrics = getRuntimeContext().getMetricGroup().addGroup("drift");
        metrics.gauge("drifted", (Gauge<Integer>) () -> lastDrifted);
    }

    @Override
    public void processElement(WindowAggregate window, ReadOnlyContext context, Collector<DriftReport> out)
            throws Exception {
        ReferenceProfile profile = context.getBroadcastState(ProjectFeaturesFunction.PROFILE_STATE)
                .get(ProjectFeaturesFunction.PROFILE_KEY);
        if (profile == null) {
            waiting.add(window);
            return;
        }
        for (WindowAggregate earlier : drainWaiting()) {
            evaluate(profile, earlier, out);
        }
        evaluate(profile, window, out);
    }

    @Override
    public void processBroadcastElement(ReferenceProfile profile, Context context, Collector<DriftReport> out)
            throws Exception {
        context.getBroadcastState(ProjectFeaturesFunction.PROFILE_STATE).put(ProjectFeaturesFunction.PROFILE_KEY, profile);
        // Waiting windows are keyed state, reachable only from processElement: the next window drains them.
    }

    private List<WindowAggregate> drainWaiting() throws Exception {
        List<WindowAggregate> earlier = new ArrayList<>();
        waiting.get().forEach(earlier::add);
        if (!earlier.isEmpty()) {
            waiting.clear();
            earlier.sort((a, b) -> Long.compare(a.start, b.start));
        }
        return earlier;
    }

    private void evaluate(ReferenceProfile profile, WindowAggregate window, Collector<DriftReport> out)
            throws Exception {
        DriftDetector current = detector(profile);
        int[] counts = streaks.value();
        if (counts == null || counts.length != current.statisticCount()) {
            counts = new int[current.statisticCount()];
        }
        List<StatisticResult> results = current.evaluate(window.accumulator(), counts);
        streaks.update(counts);
        Instant start = Instant.ofEpochMilli(window.start);
        Instant end = Instant.ofEpochMilli(window.end);
        Instant now = Instant.now();
        int drifted = 0;
        for (StatisticResult result : results) {
            out.collect(DriftReport.newBuilder()
                    .setWindowStart(start)
                    .setWindowEnd(end)
                    .setFeature(result.feature())
                    .setStatistic(result.statistic())
                    .setValue(result.value())
                    .setThreshold(result.threshold())
                    .setDrifted(result.drifted())
                    .setSampleSize(result.sampleSize())
                    .setReferenceVersion(profile.version())
                    .setReportTime(now)
                    .build());
            gauge(result);
            drifted += result.drifted() ? 1 : 0;
        }
        lastDrifted = drifted;
        if (drifted > 0) {
            LOG.info("Drift in window {} .. {}: {} of {} statistics drifted", start, end, drifted, results.size());
        }
    }

    private DriftDetector detector(ReferenceProfile profile) {
        if (detector == null || !profile.version().equals(detectorVersion)) {
            detector = new DriftDetector(profile, settings);
            detectorVersion = profile.version();
        }
        return detector;
    }

    private void gauge(StatisticResult result) {
        String name = result.feature() + "." + result.statistic();
        if (lastValues.put(name, result.value()) == null) {
            metrics.addGroup(result.feature()).gauge(result.statistic(), (Gauge<Double>) () -> lastValues.get(name));
        }
    }
}
