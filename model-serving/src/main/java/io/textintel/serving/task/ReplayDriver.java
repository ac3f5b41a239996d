package io.textintel.serving.task;

import io.textintel.serving.generate.ContinuationDriver;
import java.util.Objects;

/**
 * Drives a computation over a prompt's logits through the generation engine by deterministic
 * replay: the computation runs from its start on the rows handed over so far ({@link TargetRows})
 * until it asks for a continuation not run yet, which is what {@link #next()} names; once the rows
 * are in it runs again. Every run starts afresh (new random streams of the same seeds, results of
 * finished stages kept by the computation itself), so the last run computes exactly what one run
 * on a model of its own would: the code of the algorithms needs no resumable form.
 *
 * <p>Called on the engine's scheduler thread only, as {@link ContinuationDriver} says.
 */
final class ReplayDriver<T> implements ContinuationDriver<T> {

    /** A computation that may stop with {@link TargetRows.Missing} and must then give the same result when run again. */
    interface Computation<T> extends AutoCloseable {

        T run(TargetRows target);

        /** Releases what the computation holds (a draft model's cache); called once. */
        @Override
        void close();
    }

    private final TargetRows target = new TargetRows();
    private final Computation<T> computation;
    private T result;

    ReplayDriver(Computation<T> computation) {
        this.computation = Objects.requireNonNull(computation, "computation");
    }

    @Override
    public void accept(int[] continuation, int fromPrefix, float[][] rows) {
        target.add(continuation, fromPrefix, rows);
    }

    @Override
    public int[] next() {
        try {
            result = computation.run(target);
            return null;
        } catch (TargetRows.Missing missing) {
            return missing.continuation;
        }
    }

    @Override
    public T result() {
        if (result == null) {
            throw new IllegalStateException("replayed computation has no result yet; next() must answer null first");
        }
        return result;
    }

    @Override
    public void close() {
        computation.close();
    }
}
