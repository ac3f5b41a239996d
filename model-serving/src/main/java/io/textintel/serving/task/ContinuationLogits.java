package io.textintel.serving.task;

import io.textintel.serving.kv.PagedKvCache;
import io.textintel.serving.model.CausalLm;
import io.textintel.serving.model.SequenceChunk;
import java.util.Arrays;
import java.util.List;

/**
 * The model's next-token logits after one prompt and any continuation of it, computed over a KV
 * cache of its own and remembered per continuation.
 *
 * <p>The prompt runs once. A continuation is run as a whole in one forward pass with a logit row
 * per token, the way a speculative verifier checks a draft: asking for a label's tokens gives the
 * logits after each of its prefixes at the cost of one pass. The cache keeps the last continuation
 * run and is rolled back to what the next one shares with it; a continuation whose logits are all
 * known already is not run again. Not thread-safe.
 */
final class ContinuationLogits extends ContinuationRows {

    private static final long SEQUENCE = 0L;

    private final CausalLm model;
    private final PagedKvCache cache;
    private final int promptLength;
    private int[] cached = new int[0]; // the continuation whose keys and values follow the prompt in the cache
    private int passes;

    /** Runs the prompt; {@code cache} must hold the prompt and the longest continuation asked for. */
    ContinuationLogits(CausalLm model, PagedKvCache cache, int[] prompt) {
        this.model = model;
        this.cache = cache;
        this.promptLength = prompt.length;
        reserve(prompt.length);
        float[][] logits = model.forward(List.of(new SequenceChunk(SEQUENCE, prompt, 0, 1)), cache); // [1][vocab]
        passes++;
        cache.commit(SEQUENCE, prompt.length);
        byContinuation.put(List.of(), logits[0]);
    }

    /** Logits {@code [vocab]} of the token after the prompt and {@code continuation}. */
    float[] logits(int[] continuation) {
        float[] known = byContinuation.get(key(continuation, continuation.length));
        if (known != null) {
            return known;
        }
        run(continuation);
        return byContinuation.get(key(continuation, continuation.length));
    }

    /** Forward passes run so far, the prompt's included. */
    int passes() {
        return passes;
    }

    /**
     * Runs {@code continuation} in one pass (none when its logits are known), so that the logits after
     * each of its prefixes are known: those of every continuation run before are kept.
     */
    @Override
    void run(int[] continuation) {
        if (byContinuation.containsKey(key(continuation, continuation.length))) {
            return; // every shorter prefix's logits were stored with it, or before it
        }
        int shared = 0;
        while (shared < Math.min(cached.length, continuation.length) && cached[shared] == continuation[shared]) {
            shared++;
        }
        if (shared == continuation.length) {
            return; // a prefix of what was run: every logit row is known
        }
        cache.truncate(SEQUENCE, promptLength + shared);
        int[] fresh = Arrays.copyOfRange(continuation, shared, continuation.length);
        reserve(fresh.length);
        float[][] logits = model.forward(List.of(new SequenceChunk(SEQUENCE, fresh, promptLength + shared,
                fresh.length)), cache); // [fresh][vocab]
        passes++;
        cache.commit(SEQUENCE, promptLength + continuation.length);
        for (int i = 0; i < fresh.length; i++) {
            byContinuation.put(key(continuation, shared + i + 1), logits[i]);
        }
        cached = continuation.clone();
    }

    private void reserve(int positions) {
        if (!cache.reserve(SEQUENCE, positions)) {
            throw new IllegalStateException("continuation logits cache of " + cache.numBlocks()
                    + " blocks has no room for " + positions + " more positions after "
                    + (cache.contains(SEQUENCE) ? cache.length(SEQUENCE) : 0)
                    + ", expected it sized for the prompt and the longest output. This is a bug.");
        }
    }
}
