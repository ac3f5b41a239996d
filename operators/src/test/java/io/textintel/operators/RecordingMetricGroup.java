package io.textintel.operators;

import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.Meter;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;

import java.util.Map;
import java.util.TreeMap;

/**
 * A metric group for unit tests that keeps every metric registered under it, or under a group
 * below it, by its dotted path ({@code textintel.stage.decode.reason.undecodable.deadLetters}).
 */
public final class RecordingMetricGroup extends UnregisteredMetricsGroup {

    private final Map<String, Metric> metrics;
    private final String prefix;

    public RecordingMetricGroup() {
        this(new TreeMap<>(), "");
    }

    private RecordingMetricGroup(Map<String, Metric> metrics, String prefix) {
        this.metrics = metrics;
        this.prefix = prefix;
    }

    /** Every metric registered so far, by path. */
    public Map<String, Metric> metrics() {
        return metrics;
    }

    private <M extends Metric> M put(String name, M metric) {
        if (metrics.putIfAbsent(prefix + name, metric) != null) {
            throw new IllegalStateException("metric " + prefix + name + " registered twice");
        }
        return metric;
    }

    @Override
    public <C extends Counter> C counter(String name, C counter) {
        return put(name, counter);
    }

    @Override
    public Counter counter(String name) {
        return counter(name, new org.apache.flink.metrics.SimpleCounter());
    }

    @Override
    public <T, G extends Gauge<T>> G gauge(String name, G gauge) {
        return put(name, gauge);
    }

    @Override
    public <H extends Histogram> H histogram(String name, H histogram) {
        return put(name, histogram);
    }

    @Override
    public <M extends Meter> M meter(String name, M meter) {
        return put(name, meter);
    }

    @Override
    public MetricGroup addGroup(String name) {
        return new RecordingMetricGroup(metrics, prefix + name + ".");
    }

    @Override
    public MetricGroup addGroup(String key, String value) {
        return new RecordingMetricGroup(metrics, prefix + key + "." + value + ".");
    }
}
