package io.textintel.serving.task;

import java.util.Arrays;

/**
 * The target model's next-token logits after one prompt and continuations of it, as the generation
 * engine has handed them to a {@link ReplayDriver}: a memo that answers what it holds and, for what
 * it does not, stops the computation asking for it ({@link Missing}).
 *
 * <p>It answers as {@link ContinuationLogits} does, which runs continuations on a cache of its own:
 * asking for a continuation's logits asks for every prefix's (one run), and a computation replayed
 * from the start asks for the same continuations in the same order, each one once, so the runs it
 * counts are the passes ContinuationLogits would take. Not thread-safe.
 */
final class TargetRows extends ContinuationRows {

    /** Thrown where the computation needs the rows of a continuation not run yet; it carries no stack trace. */
    static final class Missing extends RuntimeException {

        final int[] continuation;

        Missing(int[] continuation) {
            super("rows of continuation " + Arrays.toString(continuation) + " are not computed yet", null, false,
                    false);
            this.continuation = continuation;
        }
    }

    private int runs;

    /** Logits {@code [vocab]} of the token after the prompt and {@code continuation}. */
    float[] logits(int[] continuation) {
        float[] known = byContinuation.get(key(continuation, continuation.length));
        if (known == null) {
            throw new Missing(continuation.clone());
        }
        return known;
    }

    /** Makes sure the logits after each prefix of {@code continuation} are known, asking for a run when not. */
    @Override
    void run(int[] continuation) {
        if (!byContinuation.containsKey(key(continuation, continuation.length))) {
            throw new Missing(continuation.clone());
        }
    }

    /** Takes rows as {@link io.textintel.serving.generate.ContinuationDriver#accept} hands them over; counts one run. */
    void add(int[] continuation, int fromPrefix, float[][] rows) {
        for (int i = 0; i < rows.length; i++) {
            byContinuation.putIfAbsent(key(continuation, fromPrefix + i), rows[i]);
        }
        runs++;
    }

    /** Continuations run so far, the prompt's included: the target's passes for this prompt. */
    int runs() {
        return runs;
    }
}
