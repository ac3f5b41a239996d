package io.textintel.operators.drift;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;

/**
 * A drift window's aggregate as it travels between operators: the window's event-time bounds and
 * the encoded {@link DriftAccumulator}. A Flink POJO.
 */
public final class WindowAggregate implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Window start, epoch milliseconds, inclusive. */
    public long start;

    /** Window end, epoch milliseconds, exclusive. */
    public long end;

    /** {@link DriftAccumulator#toBytes()} of the window's documents (one subtask's, or all of them once merged). */
    public byte[] accumulator;

    public WindowAggregate() {}

    public WindowAggregate(long start, long end, DriftAccumulator accumulator) {
        this.start = start;
        this.end = end;
        this.accumulator = accumulator.toBytes();
    }

    public DriftAccumulator accumulator() {
        return DriftAccumulator.fromBytes(accumulator);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WindowAggregate other && start == other.start && end == other.end
                && Arrays.equals(accumulator, other.accumulator);
    }

    @Override
    public int hashCode() {
        return Objects.hash(start, end, Arrays.hashCode(accumulator));
    }

    @Override
    public String toString() {
        return "WindowAggregate{" + start + ".." + end + ", " + accumulator.length + " bytes}";
    }
}
