package io.textintel.serving.text;

import io.textintel.serving.kv.PagedKvCache;
import io.textintel.serving.model.CausalLm;
import io.textintel.serving.model.SequenceChunk;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The model's next-token logits after one prompt and any continuation of it, computed over a KV
 * cache of its own and remembered per continuation.
 *
 * <p>The prompt runs once. A continuation is run as a whole in one forward pass with a logit row
 * per token, the way a speculative verifier checks a draft: asking for a label's tokens gives the
 * logits after each of its prefixes at the cost of one pass. The cache keeps the last continuation
 * run and is rolled back to what the next one shares with it. Not thread-safe.
 */
final class ContinuationLogits {

    private static final long SEQUENCE = 0L;

    private final CausalLm model;
    private final PagedKvCache cache;
    private final int promptLength;
    private final Map<List<Integer>, float[]> byContinuation = new HashMap<>(); // continuation -> [vocab]
    private int[] cached = new int[0]; // the continuation whose keys and values follow the prompt in the cache

    /** Runs the prompt; {@code cache} must hold the prompt and the longest continuation asked for. */
    ContinuationLogits(CausalLm model, PagedKvCache cache, int[] prompt) {
        this.model = model;
        this.cache = cache;
        this.promptLength = prompt.length;
        reserve(prompt.length);
        float[][] logits = model.forward(List.of(new SequenceChunk(SEQUENCE, prompt, 0, 1)), cache); // [1][vocab]
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

    /** Runs {@code continuation} in one pass, so that the logits after each of its prefixes are known. */
    void run(int[] continuation) {
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
        cache.commit(SEQUENCE, promptLength + continuation.length);
        for (int i = 0; i < fresh.length; i++) {
            byContinuation.put(key(continuation, shared + i + 1), logits[i]);
        }
        cached = continuation.clone();
    }

    private void reserve(int positions) {
        if (!cache.reserve(SEQUENCE, positions)) {
            throw new IllegalStateException("label scoring cache of " + cache.numBlocks() + " blocks has no room for "
                    + positions + " more positions after " + (cache.contains(SEQUENCE) ? cache.length(SEQUENCE) : 0)
                    + ", expected it sized for the prompt and the longest output. This is a bug.");
        }
    }

    private static List<Integer> key(int[] tokens, int length) {
        return Arrays.stream(tokens, 0, length).boxed().toList();
    }
}
