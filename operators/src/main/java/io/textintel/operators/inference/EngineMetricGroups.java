package io.textintel.operators.inference;

import io.textintel.operators.DeadLetterCounters;
import io.textintel.serving.engine.EncoderEngine;
import io.textintel.serving.engine.EngineMetrics;
import io.textintel.serving.engine.ForwardPassListener;
import io.textintel.serving.generate.GenerationMetrics;
import io.textintel.serving.spec.Speculation;
import io.textintel.serving.task.DecoderTasks;

import org.apache.flink.metrics.Gauge;
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
import java.util.function.Supplier;

/**
 * The figures of the engines one inference subtask uses, as Flink metrics under
 * {@code textintel.model.<model id>.engine.<engine>}: the Prometheus reporter turns the two key/value
 * groups into the labels {@code model} and {@code engine}. The names are part of the project's
 * interface (README, "Metrics"); keep them stable.
 *
 * <p>Engines are shared by the subtasks of a TaskManager ({@link SharedModels}), so the figures
 * are the engine's, not the subtask's: every subtask on an engine reports the same values, and a
 * query aggregates them with {@code max by (tm_id, model, engine)}, not {@code sum}.
 *
 * <p>Every engine: {@code queueDepth}, {@code batchSize} and {@code forwardLatencyMicros}
 * (histograms over the last {@value #HISTOGRAM_WINDOW} passes) and {@code tokensPerSecond} (a meter
 * over one minute). Encoders also {@code paddingShare}; decoders {@code runningSequences} and
 * {@code kvCacheOccupancy}, and with speculation {@code speculationAcceptance},
 * {@code draftTokensProposed} and {@code draftTokensAccepted}.
 * {@link #close()} removes the subtask's forward-pass listeners from the engines.
 */
final class EngineMetricGroups implements AutoCloseable {

    /** Forward passes each histogram keeps. */
    static final int HISTOGRAM_WINDOW = 1024;

    /** The {@code engine} label of encoder engines. */
    static final String ENCODER = "encoder";

    private final List<Runnable> removals = new ArrayList<>();

    private EngineMetricGroups() {}

    /** Registers the metrics of every engine {@code resources} has opened in {@code operatorGroup}. */
    static EngineMetricGroups register(MetricGroup operatorGroup, TaskResources resources) {
        EngineMetricGroups metrics = new EngineMetricGroups();
        MetricGroup textintel = operatorGroup.addGroup(DeadLetterCounters.GROUP);
        Set<List<String>> labels = new HashSet<>();
        for (Map.Entry<EncoderEngine, String> entry : resources.encoders().entrySet()) {
            if (labels.add(List.of(entry.getValue(), ENCODER))) {
                metrics.encoder(textintel.addGroup("model", entry.getValue()).addGroup("engine", ENCODER),
                        entry.getKey());
            }
        }
        for (Map.Entry<DecoderTasks, String> entry : resources.decoders().entrySet()) {
            String engine = decoderLabel(entry.getKey().config().speculation());
            // two decoders of one model and speculation kind differ only in their draft model: the first one counts
            if (labels.add(List.of(entry.getValue(), engine))) {
                metrics.decoder(textintel.addGroup("model", entry.getValue()).addGroup("engine", engine),
                        entry.getKey());
            }
        }
        return metrics;
    }

    /** The {@code engine} label of a decoder: {@code decoder}, {@code decoder_prompt_lookup}, {@code decoder_draft_model}. */
    static String decoderLabel(Speculation speculation) {
        return speculation == Speculation.NONE ? "decoder"
                : "decoder_" + speculation.configName().replace('-', '_');
    }

    private void encoder(MetricGroup group, EncoderEngine engine) {
        group.gauge("queueDepth", () -> engine.metrics().queueDepth());
        group.gauge("paddingShare", () -> paddingShare(engine.metrics()));
        group.meter("tokensPerSecond", new MeterView(() -> engine.metrics().tokens()));
        ForwardPassListener listener = passes(group);
        engine.addListener(listener);
        removals.add(() -> engine.removeListener(listener));
    }

    private void decoder(MetricGroup group, DecoderTasks engine) {
        Supplier<GenerationMetrics> metrics = engine::metrics;
        group.gauge("queueDepth", () -> metrics.get().waiting());
        group.gauge("runningSequences", () -> metrics.get().running());
        int blocks = engine.kvBlocks();
        group.gauge("kvCacheOccupancy", () -> 1.0 - (double) metrics.get().freeKvBlocks() / blocks);
        group.meter("tokensPerSecond", new MeterView(() -> metrics.get().generatedTokens()));
        if (engine.config().speculation() != Speculation.NONE) {
            group.gauge("speculationAcceptance", () -> acceptance(metrics.get()));
            group.gauge("draftTokensProposed", () -> {
                GenerationMetrics m = metrics.get();
                return m.draftProposed() + m.constrainedDraftProposed();
            });
            group.gauge("draftTokensAccepted", () -> {
                GenerationMetrics m = metrics.get();
                return m.draftAccepted() + m.constrainedDraftAccepted();
            });
        }
        ForwardPassListener listener = passes(group);
        engine.addListener(listener);
        removals.add(() -> engine.removeListener(listener));
    }

    /** The batch size and latency histograms of {@code group}, and the listener that feeds them. */
    private static ForwardPassListener passes(MetricGroup group) {
        Histogram batchSize = group.histogram("batchSize", new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
        Histogram latency =
                group.histogram("forwardLatencyMicros", new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
        return (sequences, tokens, nanos) -> {
            batchSize.update(sequences);
            latency.update(TimeUnit.NANOSECONDS.toMicros(nanos));
        };
    }

    /** Padding rows over all rows computed since the engine opened; 0 before the first pass. */
    static double paddingShare(EngineMetrics metrics) {
        long rows = metrics.tokens() + metrics.paddingTokens();
        return rows == 0 ? 0.0 : (double) metrics.paddingTokens() / rows;
    }

    /** Accepted over proposed draft tokens since the engine opened, constrained answers included; 0 before any. */
    static double acceptance(GenerationMetrics metrics) {
        long proposed = metrics.draftProposed() + metrics.constrainedDraftProposed();
        long accepted = metrics.draftAccepted() + metrics.constrainedDraftAccepted();
        return proposed == 0 ? 0.0 : (double) accepted / proposed;
    }

    @Override
    public void close() {
        removals.forEach(Runnable::run);
        removals.clear();
    }
}
