package io.textintel.serving.spec;

import java.util.Objects;

/**
 * Draft tokens proposed for one sequence.
 *
 * @param tokens the draft tokens, in order; may be empty
 * @param distributions {@code [tokens][vocab]}: q(x) the draft sampled each token from; null for
 *     deterministic proposers such as prompt lookup
 */
public record Proposal(int[] tokens, float[][] distributions) {

    private static final Proposal NONE = new Proposal(new int[0], null);

    public Proposal {
        Objects.requireNonNull(tokens, "tokens");
        if (distributions != null && distributions.length != tokens.length) {
            throw new IllegalArgumentException("proposal has " + tokens.length + " tokens but " + distributions.length
                    + " distributions, expected one per token");
        }
    }

    /** No draft tokens. */
    public static Proposal none() {
        return NONE;
    }

    public int size() {
        return tokens.length;
    }
}
