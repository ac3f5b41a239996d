package io.textintel.connectors.elasticsearch;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.SimpleCounter;
import org.apache.flink.metrics.groups.OperatorIOMetricGroup;
import org.apache.flink.metrics.groups.SinkWriterMetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;

/** A sink writer metric group that keeps its counters and gauges so tests can read them. */
final class TestingSinkWriterMetricGroup extends UnregisteredMetricsGroup implements SinkWriterMetricGroup {

    private final Counter recordsOutErrors = new SimpleCounter();
    private final Counter recordsSendErrors = new SimpleCounter();
    private final Counter recordsSend = new SimpleCounter();
    private final Counter bytesSend = new SimpleCounter();
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Map<String, Gauge<?>> gauges = new ConcurrentHashMap<>();
    private volatile Gauge<Long> sendTime;

    @Override
    public Counter counter(String name) {
        return counter(name, new SimpleCounter());
    }

    @Override
    public <C extends Counter> C counter(String name, C counter) {
        counters.put(name, counter);
        return counter;
    }

    @Override
    public <T, G extends Gauge<T>> G gauge(String name, G gauge) {
        gauges.put(name, gauge);
        return gauge;
    }

    /** The current value of a registered gauge. */
    Object gaugeValue(String name) {
        Gauge<?> gauge = gauges.get(name);
        if (gauge == null) {
            throw new AssertionError("No gauge " + name + " registered, have " + gauges.keySet());
        }
        return gauge.getValue();
    }

    long counterValue(String name) {
        Counter counter = counters.get(name);
        if (counter == null) {
            throw new AssertionError("No counter " + name + " registered, have " + counters.keySet());
        }
        return counter.getCount();
    }

    Gauge<Long> sendTimeGauge() {
        return sendTime;
    }

    @Override
    public OperatorIOMetricGroup getIOMetricGroup() {
        return UnregisteredMetricsGroup.createOperatorIOMetricGroup();
    }

    @Override
    public Counter getNumRecordsOutErrorsCounter() {
        return recordsOutErrors;
    }

    @Override
    public Counter getNumRecordsSendErrorsCounter() {
        return recordsSendErrors;
    }

    @Override
    public Counter getNumRecordsSendCounter() {
        return recordsSend;
    }

    @Override
    public Counter getNumBytesSendCounter() {
        return bytesSend;
    }

    @Override
    public void setCurrentSendTimeGauge(Gauge<Long> gauge) {
        this.sendTime = gauge;
    }
}
