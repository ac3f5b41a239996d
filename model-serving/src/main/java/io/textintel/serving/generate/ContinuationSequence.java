package io.textintel.serving.generate;

import io.textintel.serving.model.SequenceChunk;
import io.textintel.serving.spec.Speculation;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The state of one {@link ContinuationRequest} in the scheduler: its prompt, the continuation whose
 * keys and values follow the prompt in the KV cache, and the continuation its driver asked for and
 * whose rows are being computed.
 *
 * <p>First the prompt is prefilled (in pieces under the step's budget, like any prompt); its last
 * row goes to the driver. Then each continuation the driver names runs from the first token where
 * it differs from the one cached (the cache is rolled back to there) to its end, in one chunk with
 * a logit row per token, or in several when it is longer than a step's budget; when its last token
 * has run the driver gets the rows and names the next one. After a preemption the prompt is
 * recomputed and the pending continuation run again from its start. Owned by the scheduler thread.
 */
final class ContinuationSequence extends ScheduledSequence {

    private static final int[] NONE = new int[0];

    final ContinuationRequest<?> request;
    private final int[] prompt;
    private final int maxSequenceLength;
    private final int vocabSize;
    private boolean promptDelivered;
    private int[] cached = NONE;   // continuation tokens whose keys and values follow the prompt in the cache
    private int[] pending;         // the continuation being computed; null before the prompt's row
    private int rowsFrom;          // the first prefix length of pending whose row goes to the driver
    private final List<float[]> rows = new ArrayList<>(); // [prefix][vocab]: pending's rows so far
    /** Continuations whose rows were handed over, the prompt's included. */
    int continuationsRun;

    ContinuationSequence(long id, ContinuationRequest<?> request, int maxSequenceLength, int vocabSize) {
        super(id);
        this.request = request;
        this.prompt = request.promptIds();
        this.maxSequenceLength = maxSequenceLength;
        this.vocabSize = vocabSize;
    }

    @Override
    CompletableFuture<?> future() {
        return request.future();
    }

    @Override
    Speculation speculation() {
        return Speculation.NONE;
    }

    @Override
    int promptLength() {
        return prompt.length;
    }

    /**
     * The next chunk under {@code budget} tokens (at least 1): a piece of the prompt, or of the
     * pending continuation. Rolls {@link #computed} back to what the pending continuation shares
     * with the cached one; the scheduler truncates the cache to it.
     */
    ScheduledStep.Entry plan(int budget) {
        if (computed < prompt.length) {
            int length = Math.min(prompt.length - computed, budget);
            return ScheduledStep.Entry.continuation(this, new SequenceChunk(id,
                    Arrays.copyOfRange(prompt, computed, computed + length), computed, 1), true);
        }
        if (pending == null) {
            throw new IllegalStateException(this + " has its prompt cached but no continuation to run. This is a bug.");
        }
        int from = computed - prompt.length;
        int length = Math.min(pending.length - from, budget);
        return ScheduledStep.Entry.continuation(this, new SequenceChunk(id,
                Arrays.copyOfRange(pending, from, from + length), computed, length), false);
    }

    /**
     * Takes a pass's rows for the chunk just run (committed up to its end) and, when the prompt or
     * the pending continuation is complete, hands them to the driver and asks it for the next one.
     *
     * @return true when the driver has its result
     */
    boolean ran(SequenceChunk chunk, float[][] chunkRows) {
        computed = chunk.endPosition();
        if (computed < prompt.length) {
            return false;
        }
        if (computed == prompt.length) {
            if (promptDelivered) {
                return startPending(); // recomputed after a preemption: the pending continuation again
            }
            promptDelivered = true;
            continuationsRun++;
            request.driver().accept(NONE, 0, new float[][] {chunkRows[chunkRows.length - 1]});
            return askNext();
        }
        cached = Arrays.copyOf(pending, computed - prompt.length);
        rows.addAll(Arrays.asList(chunkRows));
        if (cached.length < pending.length) {
            return false;
        }
        float[][] all = rows.toArray(new float[0][]); // prefixes rowsFrom .. pending.length
        rows.clear();
        continuationsRun++;
        request.driver().accept(pending, rowsFrom, all);
        return askNext();
    }

    @Override
    void preempted() {
        super.preempted();
        cached = NONE;
        rows.clear();
    }

    @Override
    void released() {
        request.driver().close();
    }

    private boolean askNext() {
        int[] next = request.driver().next();
        if (next == null) {
            return true;
        }
        check(next);
        pending = next.clone();
        return startPending();
    }

    /** Rolls back to what the pending continuation shares with the cached one; false: it has tokens to run. */
    private boolean startPending() {
        int shared = 0;
        while (shared < Math.min(cached.length, pending.length) && cached[shared] == pending[shared]) {
            shared++;
        }
        if (shared == pending.length) {
            throw new IllegalStateException("continuation driver of " + this + " asked for "
                    + Arrays.toString(pending) + ", a prefix of the continuation run before, whose rows it has"
                    + " been given; expected a continuation with a token to run");
        }
        cached = Arrays.copyOf(cached, shared);
        computed = prompt.length + shared;
        rowsFrom = shared + 1;
        rows.clear();
        return false;
    }

    private void check(int[] continuation) {
        if (continuation.length == 0) {
            throw new IllegalStateException("continuation driver of " + this + " asked for the empty continuation,"
                    + " whose row it has been given; expected at least one token");
        }
        if (prompt.length + continuation.length > maxSequenceLength) {
            throw new IllegalArgumentException("continuation of " + continuation.length + " tokens after a prompt of "
                    + prompt.length + " exceeds the model's maximum sequence length " + maxSequenceLength);
        }
        for (int i = 0; i < continuation.length; i++) {
            if (continuation[i] < 0 || continuation[i] >= vocabSize) {
                throw new IllegalArgumentException("continuation token id " + continuation[i] + " at position " + i
                        + " is outside the vocabulary, expected 0 <= id < " + vocabSize);
            }
        }
    }

    @Override
    public String toString() {
        return "continuation sequence " + id + " (" + prompt.length + " prompt tokens, " + computed
                + " in the KV cache)";
    }
}
