package io.textintel.serving.spec;

import io.textintel.serving.kv.PagedKvCache;
import io.textintel.serving.model.CausalLm;
import io.textintel.serving.model.SequenceChunk;
import io.textintel.serving.sampling.Sampler;
import io.textintel.serving.sampling.SamplingParams;
import io.textintel.serving.sampling.SequenceRandom;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Proposes draft tokens with a smaller causal LM of the target's tokenizer, over its own paged KV
 * cache.
 *
 * <p>The draft cache follows the context: on each call the cache is rolled back to the longest
 * prefix it shares with the context (draft tokens the target rejected are dropped there), the new
 * context tokens (accepted drafts, the target's next token; the whole prompt the first time) are
 * run in one pass, and then {@code γ - 1} more single-token passes produce the rest of the draft.
 * The last draft token is not run; the next call runs it if it was accepted.
 *
 * <p>A sequence draws greedily unless {@link #begin} gave it sampling parameters; then it samples
 * from its own distribution after the same temperature / top-k / top-p and returns those
 * distributions as q. Its draws come from a stream of its own ({@link #draftRandom}), seeded from
 * the request's seed, so they never shift the target's stream. It never proposes a suppressed
 * token: those the proposer was built with, and those of the sampling parameters {@link #begin}
 * gave; the target would reject them all (its requests suppress them too).
 *
 * <p>When the cache is full the draft shrinks, and when not even the context fits the sequence's
 * draft cache is dropped and nothing is proposed. The cache is the caller's: this class never
 * closes it. Not thread-safe: the engine's scheduling thread calls it.
 */
public final class DraftModelProposer implements DraftProposer {

    /** Mixed into the request's seed so the draft's stream differs from the target's. */
    private static final long DRAFT_STREAM = 0x5DEECE66DL;

    private final CausalLm draft;
    private final PagedKvCache cache;
    private final List<Integer> suppressedTokenIds;
    private final Map<Long, DraftSequence> sequences = new HashMap<>();

    /** What the draft cache holds for one sequence, and how it draws. */
    private static final class DraftSequence {
        final SamplingParams params; // null: greedy
        final SequenceRandom random;
        int[] tokens = new int[64];  // tokens whose K/V are in the draft cache
        int length;
        boolean inCache;             // whether the cache knows the sequence (after its first reserve)

        DraftSequence(SamplingParams params) {
            this.params = params;
            this.random = params == null ? null : draftRandom(params.seed());
        }

        void append(int token) {
            if (length == tokens.length) {
                tokens = Arrays.copyOf(tokens, 2 * length);
            }
            tokens[length++] = token;
        }
    }

    /** A proposer that may propose any token. */
    public DraftModelProposer(CausalLm draft, PagedKvCache cache) {
        this(draft, cache, List.of());
    }

    /**
     * @param suppressedTokenIds tokens never proposed, e.g. those the engine's requests suppress
     */
    public DraftModelProposer(CausalLm draft, PagedKvCache cache, List<Integer> suppressedTokenIds) {
        if (!draft.kvLayout().equals(cache.layout())) {
            throw new IllegalArgumentException("draft model has KV layout " + draft.kvLayout()
                    + " but its cache has " + cache.layout() + ", expected the same");
        }
        this.draft = draft;
        this.cache = cache;
        this.suppressedTokenIds = List.copyOf(suppressedTokenIds);
    }

    /**
     * The random stream of a draft that samples for a request seeded with {@code seed}: apart from
     * the request's own stream, so drafting never shifts the target's draws.
     */
    public static SequenceRandom draftRandom(long seed) {
        return new SequenceRandom(seed ^ DRAFT_STREAM);
    }

    /** Makes the sequence's drafts sampled with {@code params} (greedy params: argmax drafts). */
    public void begin(long sequenceId, SamplingParams params) {
        release(sequenceId);
        sequences.put(sequenceId, new DraftSequence(params.isGreedy() ? null : params));
    }

    @Override
    public Speculation speculation() {
        return Speculation.DRAFT_MODEL;
    }

    @Override
    public Proposal propose(long sequenceId, int[] context, int maxTokens) {
        int gamma = Math.min(maxTokens, draft.maxSequenceLength() - context.length);
        if (gamma < 1 || context.length == 0) {
            return Proposal.none();
        }
        DraftSequence sequence = sequences.computeIfAbsent(sequenceId, id -> new DraftSequence(null));
        // 1. roll the cache back to what it shares with the context, keeping the last context
        //    token to run: its logits give the first draft token
        int keep = Math.min(commonPrefix(sequence, context), context.length - 1);
        if (sequence.length > keep) {
            cache.truncate(sequenceId, keep);
            sequence.length = keep;
        }
        checkInStep(sequenceId, sequence);
        // 2. room for the new context tokens and γ - 1 draft tokens; shrink γ when the cache is short
        int fresh = context.length - keep;
        while (gamma >= 1 && !cache.reserve(sequenceId, fresh + gamma - 1)) {
            gamma--;
        }
        if (gamma < 1) {
            dropCache(sequenceId, sequence);
            return Proposal.none();
        }
        sequence.inCache = true;
        // 3. run the new context tokens; their last row of logits proposes the first draft token
        float[] logits = forward(sequenceId, Arrays.copyOfRange(context, keep, context.length), keep); // [vocab]
        for (int i = keep; i < context.length; i++) {
            sequence.append(context[i]);
        }
        cache.commit(sequenceId, sequence.length);
        // 4. draw a token, run it, draw the next: γ tokens, γ - 1 passes
        int[] tokens = new int[gamma];
        float[][] distributions = sequence.params == null ? null : new float[gamma][]; // [γ][draft vocab]
        for (int i = 0; i < gamma; i++) {
            logits = Sampler.suppress(logits, suppressedTokenIds);
            if (sequence.params == null) {
                tokens[i] = Sampler.argmax(logits);
            } else {
                distributions[i] = Sampler.distribution(logits, sequence.params);
                tokens[i] = Sampler.inverseCdf(distributions[i], sequence.random.nextUniform());
            }
            if (i + 1 < gamma) {
                logits = forward(sequenceId, new int[] {tokens[i]}, sequence.length);
                sequence.append(tokens[i]);
                cache.commit(sequenceId, sequence.length);
            }
        }
        return new Proposal(tokens, distributions);
    }

    @Override
    public void release(long sequenceId) {
        DraftSequence sequence = sequences.remove(sequenceId);
        if (sequence != null) {
            dropCache(sequenceId, sequence);
        }
    }

    /** Positions the draft cache holds for the sequence (0 when it holds nothing). */
    public int cachedLength(long sequenceId) {
        DraftSequence sequence = sequences.get(sequenceId);
        return sequence == null ? 0 : sequence.length;
    }

    private void dropCache(long sequenceId, DraftSequence sequence) {
        if (sequence.inCache) {
            cache.free(sequenceId);
        }
        sequence.inCache = false;
        sequence.length = 0;
    }

    private float[] forward(long sequenceId, int[] tokens, int startPosition) {
        float[][] logits = draft.forward(List.of(new SequenceChunk(sequenceId, tokens, startPosition, 1)), cache);
        if (logits.length != 1) {
            throw new IllegalStateException("draft model returned " + logits.length
                    + " rows of logits for one chunk with one logit row, expected 1. This is a bug.");
        }
        return logits[0];
    }

    private void checkInStep(long sequenceId, DraftSequence sequence) {
        if (sequence.length > 0 && cache.length(sequenceId) != sequence.length) {
            throw new IllegalStateException("draft cache of sequence " + sequenceId + " holds " + cache.length(sequenceId)
                    + " positions, expected " + sequence.length + " (the tokens the proposer ran). This is a bug.");
        }
    }

    private static int commonPrefix(DraftSequence sequence, int[] context) {
        int n = Math.min(sequence.length, context.length);
        int i = 0;
        while (i < n && sequence.tokens[i] == context[i]) {
            i++;
        }
        return i;
    }
}
