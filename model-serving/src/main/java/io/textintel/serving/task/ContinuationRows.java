package io.textintel.serving.task;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Next-token logits after one prompt and continuations of it, remembered per continuation (the
 * prompt's own under the empty one): what {@link ContinuationLogits} computes on a cache of its own
 * and {@link TargetRows} is handed by the generation engine. Subclasses say how a continuation's
 * rows come to be known ({@link #run}). Not thread-safe.
 */
abstract class ContinuationRows {

    /** Continuation (token ids after the prompt) to the logits {@code [vocab]} after it. */
    final Map<List<Integer>, float[]> byContinuation = new HashMap<>();

    /** Makes the logits after each prefix of {@code continuation} known, or stops trying (subclass's choice). */
    abstract void run(int[] continuation);

    /**
     * The logits after {@code output} and after each longer prefix of {@code output + draft}:
     * {@code [draft.length + 1][vocab]}, from at most one run (a speculative verifier's view).
     */
    final float[][] along(int[] output, int[] draft) {
        int[] continuation = Arrays.copyOf(output, output.length + draft.length);
        System.arraycopy(draft, 0, continuation, output.length, draft.length);
        run(continuation);
        float[][] rows = new float[draft.length + 1][];
        for (int i = 0; i <= draft.length; i++) {
            rows[i] = byContinuation.get(key(continuation, output.length + i));
            if (rows[i] == null) {
                throw new IllegalStateException("no logits after " + (output.length + i) + " tokens of the run"
                        + " continuation " + Arrays.toString(continuation)
                        + ", expected every prefix's. This is a bug.");
            }
        }
        return rows;
    }

    /** The key of {@code tokens[0 .. length)}. */
    static List<Integer> key(int[] tokens, int length) {
        return Arrays.stream(tokens, 0, length).boxed().toList();
    }
}
