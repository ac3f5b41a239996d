package io.textintel.serving.spec;

/**
 * Outcome of verifying a proposal against the target model.
 *
 * @param accepted how many of the draft tokens are kept, from the first
 * @param nextToken the token after them: the target's correction at the first rejected draft
 *     position, or the bonus token when every draft token was accepted
 */
public record Verification(int accepted, int nextToken) {

    public Verification {
        if (accepted < 0 || nextToken < 0) {
            throw new IllegalArgumentException("verification accepted " + accepted + " tokens and next token "
                    + nextToken + ", expected both >= 0");
        }
    }

    /** Tokens this step appends to the sequence: the accepted drafts and the next token. */
    public int emitted() {
        return accepted + 1;
    }
}
