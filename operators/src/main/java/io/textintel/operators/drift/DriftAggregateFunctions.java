package io.textintel.operators.drift;

import org.apache.flink.api.common.functions.AggregateFunction;
import org.apache.flink.streaming.api.functions.windowing.ProcessAllWindowFunction;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;

/**
 * The two levels of the drift window aggregate. Each parallel subtask folds its share of a window's
 * documents into a {@link DriftAccumulator} ({@link Documents}); one operator then merges the
 * subtasks' accumulators of the same window ({@link Partials}) — the accumulators' {@code merge}
 * is what lets the aggregate scale out.
 */
public final class DriftAggregateFunctions {

    private DriftAggregateFunctions() {}

    /** What both levels share: an accumulator that takes its shape from what it is given, merged as it merges. */
    private abstract static class Merging<T> implements AggregateFunction<T, DriftAccumulator, DriftAccumulator> {
        private static final long serialVersionUID = 1L;
        private final int sketchK;

        Merging(int sketchK) {
            this.sketchK = sketchK;
        }

        @Override
        public DriftAccumulator createAccumulator() {
            return DriftAccumulator.unshaped(sketchK);
        }

        @Override
        public DriftAccumulator getResult(DriftAccumulator accumulator) {
            return accumulator;
        }

        @Override
        public DriftAccumulator merge(DriftAccumulator a, DriftAccumulator b) {
            return a.merge(b);
        }
    }

    /** Folds projected documents into a window accumulator shaped by the reference profile. */
    public static final class Documents extends Merging<ProjectedFeatures> {
        private static final long serialVersionUID = 1L;

        public Documents(int sketchK) {
            super(sketchK);
        }

        @Override
        public DriftAccumulator add(ProjectedFeatures value, DriftAccumulator accumulator) {
            accumulator.add(value);
            return accumulator;
        }
    }

    /** Merges the per-subtask accumulators of one window. */
    public static final class Partials extends Merging<WindowAggregate> {
        private static final long serialVersionUID = 1L;

        public Partials(int sketchK) {
            super(sketchK);
        }

        @Override
        public DriftAccumulator add(WindowAggregate value, DriftAccumulator accumulator) {
            return accumulator.merge(value.accumulator());
        }
    }

    /** Tags a subtask's accumulator with its window. */
    public static final class TagWindow extends ProcessWindowFunction<DriftAccumulator, WindowAggregate, Integer, TimeWindow> {
        private static final long serialVersionUID = 1L;

        @Override
        public void process(Integer bucket, Context context, Iterable<DriftAccumulator> accumulators,
                Collector<WindowAggregate> out) {
            TimeWindow window = context.window();
            accumulators.forEach(acc -> out.collect(new WindowAggregate(window.getStart(), window.getEnd(), acc)));
        }
    }

    /** Tags the merged accumulator with its window. */
    public static final class TagMergedWindow extends ProcessAllWindowFunction<DriftAccumulator, WindowAggregate, TimeWindow> {
        private static final long serialVersionUID = 1L;

        @Override
        public void process(Context context, Iterable<DriftAccumulator> accumulators, Collector<WindowAggregate> out) {
            TimeWindow window = context.window();
            accumulators.forEach(acc -> out.collect(new WindowAggregate(window.getStart(), window.getEnd(), acc)));
        }
    }
}
