package io.textintel.serving.spec;

import java.util.Arrays;

/**
 * Proposes draft tokens by n-gram lookup in the sequence itself (prompt lookup decoding): the
 * last {@code n} tokens are searched for earlier in the context, and the tokens that followed
 * their most recent earlier occurrence are proposed. Tried from {@code n = maxN} down to
 * {@code minN}; longer matches are the more reliable evidence.
 *
 * <p>Pays off where outputs copy from inputs (extraction, summaries, code edits, classification
 * with quoted spans). No model and no state: {@link #release} does nothing. Proposals are
 * deterministic: q is one-hot.
 */
public final class PromptLookupProposer implements DraftProposer {

    private final int minN;
    private final int maxN;

    public PromptLookupProposer(int minN, int maxN) {
        if (minN < 1 || maxN < minN) {
            throw new IllegalArgumentException("n-gram sizes are " + minN + ".." + maxN + ", expected 1 <= minN <= maxN");
        }
        this.minN = minN;
        this.maxN = maxN;
    }

    @Override
    public Proposal propose(long sequenceId, int[] context, int maxTokens) {
        int length = context.length;
        for (int n = Math.min(maxN, length - 1); n >= minN && maxTokens > 0; n--) {
            // most recent occurrence starting at s, with at least one token after it: s + n <= length - 1
            for (int s = length - n - 1; s >= 0; s--) {
                if (matchesSuffix(context, s, n)) {
                    int from = s + n;
                    return Proposal.deterministic(Arrays.copyOfRange(context, from, Math.min(length, from + maxTokens)));
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
