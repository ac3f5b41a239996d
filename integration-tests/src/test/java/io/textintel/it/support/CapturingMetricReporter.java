package io.textintel.it.support;

import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricConfig;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.apache.flink.metrics.reporter.MetricReporterFactory;

/**
 * A Flink metric reporter that keeps every registered counter and gauge of the JVM's mini
 * clusters in memory, by full identifier, so tests can read a running job's metrics.
 *
 * <p>{@link #install} adds it to a Flink configuration. Metrics leave when their task closes, so a
 * reading covers the tasks running at that moment.
 */
public final class CapturingMetricReporter implements MetricReporter {

    private static final Map<String, Metric> METRICS = new ConcurrentHashMap<>();

    /** Registers the reporter in {@code flink} under the name {@code capturing}. */
    public static Configuration install(Configuration flink) {
        flink.setString("metrics.reporter.capturing.factory.class", Factory.class.getName());
        return flink;
    }

    /**
     * The sum over all metrics named {@code name} whose identifier passes {@code scope}; counters
     * and numeric gauges only.
     */
    public static long sum(String name, Predicate<String> scope) {
        long sum = 0;
        for (Map.Entry<String, Metric> entry : METRICS.entrySet()) {
            String id = entry.getKey();
            if (!id.endsWith("." + name) || !scope.test(id)) {
                continue;
            }
            sum += value(entry.getValue());
        }
        return sum;
    }

    /** The largest value of a metric named {@code name} whose identifier passes {@code scope}, or 0. */
    public static long max(String name, Predicate<String> scope) {
        long max = 0;
        for (Map.Entry<String, Metric> entry : METRICS.entrySet()) {
            if (entry.getKey().endsWith("." + name) && scope.test(entry.getKey())) {
                max = Math.max(max, value(entry.getValue()));
            }
        }
        return max;
    }

    /** How many metrics named {@code name} pass {@code scope}: e.g. the running writers. */
    public static int count(String name, Predicate<String> scope) {
        return (int) METRICS.keySet().stream().filter(id -> id.endsWith("." + name) && scope.test(id)).count();
    }

    private static long value(Metric metric) {
        if (metric instanceof Counter counter) {
            return counter.getCount();
        }
        if (metric instanceof Gauge<?> gauge && gauge.getValue() instanceof Number number) {
            return number.longValue();
        }
        return 0;
    }

    @Override
    public void open(MetricConfig config) {
    }

    @Override
    public void close() {
    }

    @Override
    public void notifyOfAddedMetric(Metric metric, String metricName, MetricGroup group) {
        METRICS.put(group.getMetricIdentifier(metricName), metric);
    }

    @Override
    public void notifyOfRemovedMetric(Metric metric, String metricName, MetricGroup group) {
        METRICS.remove(group.getMetricIdentifier(metricName), metric);
    }

    /** Creates the reporter; named in the configuration by class. */
    public static final class Factory implements MetricReporterFactory {
        @Override
        public MetricReporter createMetricReporter(Properties properties) {
            return new CapturingMetricReporter();
        }
    }
}
