package io.textintel.serving.spec;

import java.util.Objects;

/**
 * Draft tokens proposed to continue a sequence, with the distribution each was drawn from.
 *
 * @param tokens proposed continuation, possibly empty
 * @param distributions {@code [tokens.length][draft vocab]}: q(x) each token was drawn from; null
 *     for deterministic proposers (prompt lookup, greedy drafts), which the verifier treats as
 *     one-hot on the proposed token
 */
public record Proposal(int[] tokens, float[][] distributions) {

    private static final Proposal NONE = new Proposal(new int[0], null);

    public Proposal {
        Objects.requireNonNull(tokens, "tokens");
        if (distributions != null && distributions.length != tokens.length) {
            throw new IllegalArgumentException("proposal has " + tokens.length + " tokens but " + distributions.length
                    + " distributions, expected one per token (or null for a deterministic proposer)");
        }
    }

    /** No proposal: the step decodes one token as without speculation. */
    public static Proposal none() {
        return NONE;
    }

    /** A deterministic proposal: q is one-hot on each token. */
    public static Proposal deterministic(int... tokens) {
        return new Proposal(tokens.clone(), null);
    }

    public int size() {
        return tokens.length;
    }

    /** q(token) under the distribution of draft position {@code index}: 1 or 0 for deterministic proposals. */
    public double q(int index, int token) {
        if (distributions == null) {
            return tokens[index] == token ? 1.0 : 0.0;
        }
        float[] q = distributions[index];
        return token >= 0 && token < q.length ? q[token] : 0.0;
    }
}
