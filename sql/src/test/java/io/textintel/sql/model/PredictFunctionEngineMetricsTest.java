package io.textintel.sql.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.textintel.operators.inference.EngineSettings;
import io.textintel.operators.inference.ModelRepository;
import io.textintel.operators.inference.ModelTask;
import io.textintel.operators.inference.TaskPredictor;
import io.textintel.serving.tools.TinyBertSpec;
import io.textintel.serving.tools.TinyModelGenerator;

import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.Meter;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.SimpleCounter;
import org.apache.flink.metrics.groups.OperatorIOMetricGroup;
import org.apache.flink.metrics.groups.OperatorMetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.functions.FunctionContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The predict function registers its engines' figures in the function's metric group under the
 * inference operator's names ({@code textintel.model.<model>.engine.<engine>.<metric>}), they move
 * while rows are predicted, and closing the function removes its listener from the engine, which
 * another user of the shared engine keeps open. A generated embedder on the CPU.
 */
class PredictFunctionEngineMetricsTest {

    private static final EngineSettings ENGINE = new EngineSettings("cpu", 1, null, null, Duration.ofMillis(1), null);
    private static final int ROWS = 5;

    @TempDir
    Path models;

    @Test
    void theEngineFiguresAreRegisteredAndTheListenerRemovedOnClose() throws Exception {
        Path embedder = TinyModelGenerator.writeBertEmbedder(models.resolve("embedder"), TinyBertSpec.small());
        ModelTask task = ModelTask.embed("embedder", embedder.toString(), null);
        ModelSpec spec = new ModelSpec(task, ModelRepository.defaults(), ENGINE, Duration.ofSeconds(60), 0,
                Duration.ofMillis(10), PredictionColumn.EMBEDDING);
        Map<String, Metric> metrics = new TreeMap<>();
        String prefix = "textintel.model." + embedder + ".engine.encoder.";

        // Another user of the same model and settings keeps the shared engine open after the function closes.
        try (TaskPredictor other = TaskPredictor.open(task, ModelRepository.defaults(), ENGINE)) {
            TextIntelPredictFunction function = new TextIntelPredictFunction(spec);
            function.open(new FunctionContext(runtimeContext(new CapturingGroup("", metrics))));
            try {
                for (int i = 0; i < ROWS; i++) {
                    Collection<RowData> rows = function.asyncPredict(
                            GenericRowData.of(StringData.fromString("feedback " + i + " about a late parcel")))
                            .get(60, TimeUnit.SECONDS);
                    assertThat(rows.iterator().next().isNullAt(0)).as("embedding of row %d", i).isFalse();
                }
            } finally {
                function.close();
            }
            assertThat(metrics).containsKeys(prefix + "queueDepth", prefix + "paddingShare",
                    prefix + "tokensPerSecond", prefix + "batchSize", prefix + "forwardLatencyMicros",
                    "predictionsRejected", "predictionsTimedOut", "predictionRetries");
            Histogram batchSize = (Histogram) metrics.get(prefix + "batchSize");
            Histogram latency = (Histogram) metrics.get(prefix + "forwardLatencyMicros");
            long passes = batchSize.getCount();
            // One pass per row at least (rows are awaited one by one), each of one sequence.
            assertThat(passes).as("forward passes seen by the function's listener").isGreaterThanOrEqualTo(ROWS);
            assertThat(latency.getCount()).isEqualTo(passes);
            assertThat(batchSize.getStatistics().getMax()).isEqualTo(1);
            assertThat(((Gauge<?>) metrics.get(prefix + "queueDepth")).getValue()).isEqualTo(0);
            assertThat(((Meter) metrics.get(prefix + "tokensPerSecond")).getCount())
                    .as("tokens the engine encoded").isPositive();

            other.predict("a text after the function closed").get(60, TimeUnit.SECONDS);
            assertThat(batchSize.getCount()).as("passes counted after close: the listener must be gone")
                    .isEqualTo(passes);
        }
    }

    /** A runtime context whose only answer is its metric group, which is all the function context asks it for. */
    private static RuntimeContext runtimeContext(OperatorMetricGroup group) {
        return (RuntimeContext) Proxy.newProxyInstance(RuntimeContext.class.getClassLoader(),
                new Class<?>[] {RuntimeContext.class}, (proxy, method, args) -> {
                    if (method.getName().equals("getMetricGroup")) {
                        return group;
                    }
                    throw new IllegalStateException("the function asked its runtime context for " + method.getName()
                            + ", expected only getMetricGroup");
                });
    }

    /** A metric group that records every metric under its dotted name, key/value groups as key then value. */
    private static final class CapturingGroup extends UnregisteredMetricsGroup implements OperatorMetricGroup {
        private final String path;
        private final Map<String, Metric> metrics;

        CapturingGroup(String path, Map<String, Metric> metrics) {
            this.path = path;
            this.metrics = metrics;
        }

        private <M extends Metric> M record(String name, M metric) {
            Metric previous = metrics.putIfAbsent(path + name, metric);
            assertThat(previous).as("metric %s registered twice", path + name).isNull();
            return metric;
        }

        @Override
        public Counter counter(String name) {
            return record(name, new SimpleCounter());
        }

        @Override
        public <C extends Counter> C counter(String name, C counter) {
            return record(name, counter);
        }

        @Override
        public <T, G extends Gauge<T>> G gauge(String name, G gauge) {
            return record(name, gauge);
        }

        @Override
        public <M extends Meter> M meter(String name, M meter) {
            return record(name, meter);
        }

        @Override
        public <H extends Histogram> H histogram(String name, H histogram) {
            return record(name, histogram);
        }

        @Override
        public OperatorIOMetricGroup getIOMetricGroup() {
            return UnregisteredMetricsGroup.createOperatorIOMetricGroup();
        }

        @Override
        public MetricGroup addGroup(String name) {
            return new CapturingGroup(path + name + ".", metrics);
        }

        @Override
        public MetricGroup addGroup(String key, String value) {
            return new CapturingGroup(path + key + "." + value + ".", metrics);
        }
    }
}
