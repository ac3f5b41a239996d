package io.textintel.serving.generate;

/**
 * What a {@link ContinuationRequest} computes: instead of generating, it asks for the target model's
 * logit rows after its prompt and after continuations of it (label tokens, answer prefixes, draft
 * tokens to verify), one continuation at a time, and produces a result from them.
 *
 * <p>Protocol, all on the engine's scheduler thread: the scheduler runs the prompt and hands its row
 * over ({@link #accept} with the empty continuation); then, as long as {@link #next()} names a
 * continuation, it runs that continuation's tokens (batched with other sequences' prefill and
 * decode; the tokens it shares with the continuation run before are not run again) and hands over
 * the rows of its new prefixes. When {@link #next()} answers null, the request completes with
 * {@link #result()}. {@link #close()} is called once when the request leaves the scheduler for any
 * reason (completed, failed, cancelled). A method that throws fails the request with its exception.
 *
 * <p>The rows of a prefix do not depend on how its tokens were batched or whether the sequence was
 * preempted and recomputed, so a driver's result depends only on its prompt and its own choices.
 *
 * @param <T> the result
 */
public interface ContinuationDriver<T> extends AutoCloseable {

    /**
     * Logit rows after prefixes of {@code continuation}: {@code rows[i]} is the next-token logits
     * {@code [vocab]} after the prompt and {@code continuation[0 .. fromPrefix + i)}, for every prefix
     * of length {@code fromPrefix} to {@code continuation.length}. The prompt's row comes as the empty
     * continuation, {@code fromPrefix} 0; after a preemption rows of shorter prefixes may come again.
     */
    void accept(int[] continuation, int fromPrefix, float[][] rows);

    /**
     * The next continuation (token ids after the prompt, not a prefix of the one run before) whose
     * rows the driver needs, or null when it has its result.
     */
    int[] next();

    /** The result, once {@link #next()} answered null. */
    T result();

    /** Releases what the driver holds; it is called no more. */
    @Override
    void close();
}
