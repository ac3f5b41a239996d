package io.textintel.operators;

import io.textintel.schemas.DeadLetterReason;

import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

import java.util.EnumMap;
import java.util.Map;

/**
 * The {@code deadLetters} counters of one operator subtask, one per stage and reason it can produce,
 * registered up front (so that each series exists from the start, at 0) under
 * {@code textintel.stage.<stage>.reason.<reason>}: the Prometheus reporter turns the two key/value
 * groups into the labels {@code stage} and {@code reason}.
 */
public final class DeadLetterCounters {

    /** The group under an operator's metric group that every textintel metric sits in. */
    public static final String GROUP = "textintel";
    /** Name of the counter. */
    public static final String NAME = "deadLetters";

    private final Map<DeadLetterReason, Counter> counters = new EnumMap<>(DeadLetterReason.class);

    /** Registers a counter for each of {@code reasons} in {@code operatorGroup}. */
    public DeadLetterCounters(MetricGroup operatorGroup, DeadLetterReason... reasons) {
        MetricGroup textintel = operatorGroup.addGroup(GROUP);
        for (DeadLetterReason reason : reasons) {
            counters.put(reason, textintel.addGroup("stage", reason.stageLabel())
                    .addGroup("reason", reason.code()).counter(NAME));
        }
    }

    /** Counts one dead letter for {@code reason}, which must be one this subtask registered. */
    public void count(DeadLetterReason reason) {
        Counter counter = counters.get(reason);
        if (counter == null) {
            throw new IllegalStateException("dead letter for reason " + reason + " in an operator that registered only "
                    + counters.keySet() + ". This is a bug.");
        }
        counter.inc();
    }
}
