package io.textintel.operators.inference;

import io.textintel.operators.DeadLetterCounters;
import io.textintel.serving.engine.ForwardPassListener;
import io.textintel.serving.engine.ModelEngine;

import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The figures of the engines one inference subtask (or one {@link TaskPredictor}) uses, as Flink metrics under
 * {@code textintel.model.<model id>.engine.<engine>}: the Prometheus reporter turns the two key/value
 * groups into the labels {@code model} and {@code engine} (the engine's {@link ModelEngine#kind()}).
 * The names are part of the project's interface (README, "Metrics"); keep them stable.
 *
 * <p>Engines are shared by the subtasks of a TaskManager ({@link SharedModels}), so the figures
 * are the engine's, not the subtask's: every subtask on an engine reports the same values, and a
 * query aggregates them with {@code max by (tm_id, model, engine)}, not {@code sum}.
 *
 * <p>Every engine: {@code queueDepth}, {@code batchSize} and {@code forwardLatencyMicros}
 * (histograms over the last {@value #HISTOGRAM_WINDOW} passes), {@code tokensPerSecond} (a meter
 * over one minute), and the gauges of its family ({@link ModelEngine#gauges()}: encoders
 * {@code paddingShare}; decoders {@code runningSequences} and {@code kvCacheOccupancy}, and with
 * speculation {@code speculationAcceptance}, {@code draftTokensProposed} and
 * {@code draftTokensAccepted}). {@link #close()} removes the subtask's forward-pass listeners from
 * the engines.
 */
public final class EngineMetricGroups implements AutoCloseable {

    /** Forward passes each histogram keeps. */
    static final int HISTOGRAM_WINDOW = 1024;

    private final List<Runnable> removals = new ArrayList<>();

    private EngineMetricGroups() {}

    /** Registers the metrics of every engine {@code resources} has opened in {@code operatorGroup}. */
    static EngineMetricGroups register(MetricGroup operatorGroup, TaskResources resources) {
        EngineMetricGroups metrics = new EngineMetricGroups();
        MetricGroup textintel = operatorGroup.addGroup(DeadLetterCounters.GROUP);
        Set<List<String>> labels = new HashSet<>();
        for (Map.Entry<ModelEngine, String> entry : resources.engines().entrySet()) {
            ModelEngine engine = entry.getKey();
            // two decoders of one model and speculation kind differ only in their draft model: the first one counts
            if (labels.add(List.of(entry.getValue(), engine.kind()))) {
                metrics.register(textintel.addGroup("model", entry.getValue()).addGroup("engine", engine.kind()),
                        engine);
            }
        }
        return metrics;
    }

    private void register(MetricGroup group, ModelEngine engine) {
        group.gauge("queueDepth", engine::queueDepth);
        engine.gauges().forEach((name, gauge) -> group.gauge(name, gauge::get));
        group.meter("tokensPerSecond", new MeterView(engine::tokens));
        Histogram batchSize = group.histogram("batchSize", new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
        Histogram latency =
                group.histogram("forwardLatencyMicros", new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
        ForwardPassListener listener = (sequences, tokens, nanos) -> {
            batchSize.update(sequences);
            latency.update(TimeUnit.NANOSECONDS.toMicros(nanos));
        };
        engine.addListener(listener);
        removals.add(() -> engine.removeListener(listener));
    }

    /** Removes the forward-pass listeners from the engines; the gauges read the engines until the group closes. */
    @Override
    public void close() {
        removals.forEach(Runnable::run);
        removals.clear();
    }
}
