package io.textintel.serving.spec;

import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Proposes draft tokens by n-gram lookup in the sequence itself (prompt lookup decoding): the
 * last {@code n} tokens are searched for earlier in the context, and the tokens that followed
 * their most recent earlier occurrence are proposed. Tried from {@code n = maxN} down to
 * {@code minN}; longer matches are the more reliable evidence.
 *
 * <p>Pays off where outputs copy from inputs (extraction, summaries, code edits, classification
 * with quoted spans). No model and no state: {@link #release} does nothing. Proposals are
 * deterministic: q is one-hot. A proposal stops before the first suppressed token (a special token
 * of the prompt, say), which the target would reject.
 */
public final class PromptLookupProposer implements DraftProposer {

    private final int minN;
    private final int maxN;
    private final Set<Integer> suppressedTokenIds;

    /** A proposer that may propose any token of the context. */
    public PromptLookupProposer(int minN, int maxN) {
        this(minN, maxN, List.of());
    }

    /** @param suppressedTokenIds tokens never proposed, e.g. those the engine's requests suppress */
    public PromptLookupProposer(int minN, int maxN, List<Integer> suppressedTokenIds) {
        if (minN < 1 || maxN < minN) {
            throw new IllegalArgumentException("n-gram sizes are " + minN + ".." + maxN
                    + ", expected 1 <= minN <= maxN");
        }
        this.minN = minN;
        this.maxN = maxN;
        this.suppressedTokenIds = Set.copyOf(suppressedTokenIds);
    }

    @Override
    public Speculation speculation() {
        return Speculation.PROMPT_LOOKUP;
    }

    @Override
    public Proposal propose(long sequenceId, int[] context, int maxTokens) {
        int length = context.length;
        for (int n = Math.min(maxN, length - 1); n >= minN && maxTokens > 0; n--) {
            // most recent occurrence starting at s, with at least one token after it: s + n <= length - 1
            for (int s = length - n - 1; s >= 0; s--) {
                if (matchesSuffix(context, s, n)) {
                    int from = s + n;
                    int to = from;
                    while (to < Math.min(length, from + maxTokens) && !suppressedTokenIds.contains(context[to])) {
                        to++;
                    }
                    return to == from ? Proposal.none() : Proposal.deterministic(Arrays.copyOfRange(context, from, to));
                }
            }
        }
        return Proposal.none();
    }

    @Override
    public void release(long sequenceId) {
        // stateless
    }

    private static boolean matchesSuffix(int[] context, int start, int n) {
        int suffix = context.length - n;
        for (int i = 0; i < n; i++) {
            if (context[start + i] != context[suffix + i]) {
                return false;
            }
        }
        return true;
    }
}
