package io.textintel.operators.drift;

import io.textintel.schemas.DriftReport;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.co.BroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Compares each merged window with the reference profile and emits one {@link DriftReport} per
 * statistic: its value, its calibrated threshold, and whether the window drifted (after the
 * optional debounce of consecutive windows).
 *
 * <p>Runs as one subtask: it sees every window once, in the order the merge emits them. Windows
 * that arrive before the profile wait, and are judged when it comes. The waiting windows and the
 * debounce streaks are checkpointed, so a restart carries on counting. Every statistic is also a
 * Flink gauge ({@code drift.<feature>.<statistic>} with its last value, and {@code drift.drifted}
 * counting the statistics that drifted in the last window).
 */
public final class DriftDetectorFunction extends BroadcastProcessFunction<WindowAggregate, ReferenceProfile, DriftReport>
        implements CheckpointedFunction {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(DriftDetectorFunction.class);

    private final DriftSettings settings;

    private transient List<WindowAggregate> waiting;
    private transient int[] streaks;
    private transient ListState<WindowAggregate> waitingState;
    private transient ListState<int[]> streakState;
    private transient DriftDetector detector;
    private transient Map<String, Double> lastValues;
    private transient int lastDrifted;
    private transient MetricGroup metrics;

    public DriftDetectorFunction(DriftSettings settings) {
        this.settings = settings;
    }

    @Override
    public void open(OpenContext context) {
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
        } else {
            evaluate(profile, window, out);
        }
    }

    @Override
    public void processBroadcastElement(ReferenceProfile profile, Context context, Collector<DriftReport> out)
            throws Exception {
        context.getBroadcastState(ProjectFeaturesFunction.PROFILE_STATE).put(ProjectFeaturesFunction.PROFILE_KEY, profile);
        waiting.sort(Comparator.comparingLong(w -> w.start));
        for (WindowAggregate window : waiting) {
            evaluate(profile, window, out);
        }
        waiting.clear();
    }

    private void evaluate(ReferenceProfile profile, WindowAggregate window, Collector<DriftReport> out) {
        DriftDetector current = detector(profile);
        if (streaks == null || streaks.length != current.statisticCount()) {
            streaks = new int[current.statisticCount()];
        }
        List<StatisticResult> results = current.evaluate(window.accumulator(), streaks);
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
        if (detector == null || !profile.version().equals(detector.profile().version())) {
            detector = new DriftDetector(profile, settings);
        }
        return detector;
    }

    private void gauge(StatisticResult result) {
        String name = result.feature() + "." + result.statistic();
        if (lastValues.put(name, result.value()) == null) {
            metrics.addGroup(result.feature()).gauge(result.statistic(), (Gauge<Double>) () -> lastValues.get(name));
        }
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        waitingState.update(waiting);
        streakState.update(streaks == null ? List.of() : List.of(streaks));
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        waitingState = context.getOperatorStateStore().getListState(
                new ListStateDescriptor<>("drift-waiting-windows", TypeInformation.of(WindowAggregate.class)));
        streakState = context.getOperatorStateStore().getListState(
                new ListStateDescriptor<>("drift-streaks", PrimitiveArrayTypeInfo.INT_PRIMITIVE_ARRAY_TYPE_INFO));
        waiting = new ArrayList<>();
        waitingState.get().forEach(waiting::add);
        for (int[] restored : streakState.get()) {
            streaks = restored;
        }
    }
}
